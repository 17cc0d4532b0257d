"""SMTP delivery with aiosmtplib, configured by the APIDESK_SMTP_* settings.

Addresses travel in their ASCII form wherever they have one (an internationalized domain in
its IDNA spelling). An address whose local part is not ASCII has none: its message needs the
server's SMTPUTF8 extension, and fails for good, saying so, where the server does not offer it.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

import aiosmtplib
from email_validator import EmailNotValidError, validate_email

from apidesk.domain.notifications.outbox import Envelope
from apidesk.settings import Settings


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying will not help."""


class TemporaryFailure(Exception):
    """The server was unreachable or answered 4xx: try again later."""


def ascii_form(address: str) -> str | None:
    """The address as plain ASCII (its domain in IDNA), or None when its local part is not
    ASCII; an address that does not read as one at all is a permanent failure."""
    if address.isascii():
        return address
    try:
        return validate_email(address, check_deliverability=False).ascii_email
    except EmailNotValidError as exc:
        raise PermanentFailure(
            f"'{address}' is not an address mail can be sent to: {exc}"
        ) from None


def _mailbox(name: str, address: str) -> str:
    """A header's mailbox: `Name <address>`, the name quoted or encoded as it needs."""
    plain = ascii_form(address)
    if plain is not None:
        return formataddr((name, plain))
    if not name:
        return address
    # formataddr refuses a non-ASCII address; it still spells the name.
    spelled = formataddr((name, "x@x"))
    return f"{spelled[: -len('<x@x>')]}<{address}>"


def envelope_address(address: str) -> str:
    return ascii_form(address) or address


def compose(envelope: Envelope) -> EmailMessage:
    sender = _mailbox(envelope.sender_name, envelope.sender)
    to = _mailbox("", envelope.to_address)
    utf8 = not (sender.isascii() and to.isascii())
    # Without SMTPUTF8, headers may hold only ASCII: a name goes encoded, an address must be.
    message = EmailMessage(policy=policy.SMTPUTF8 if utf8 else policy.default)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = envelope.subject
    message["Date"] = formatdate(localtime=False)
    domain = envelope_address(envelope.sender).rpartition("@")[2] or "apidesk.invalid"
    message["Message-ID"] = make_msgid(idstring=f"outbox-{envelope.id}", domain=domain)
    message.set_content(envelope.text)
    message.add_alternative(envelope.html, subtype="html")
    return message


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise ValueError("APIDESK_SMTP_HOST is not set")
        self._host = settings.smtp_host
        self._port = settings.resolved_smtp_port()
        self._security = settings.smtp_security
        self._username = settings.smtp_username
        self._password = (
            settings.smtp_password.get_secret_value() if settings.smtp_password else None
        )
        self._timeout = settings.smtp_timeout_seconds
        self._ca_file = str(settings.smtp_ca_file) if settings.smtp_ca_file else None

    async def send(self, envelope: Envelope) -> None:
        # Blind copies travel in the envelope only, never in a header.
        recipients = [envelope_address(a) for a in (envelope.to_address, *envelope.bcc)]
        message = compose(envelope)
        try:
            await aiosmtplib.send(
                message,
                sender=envelope_address(envelope.sender),
                recipients=recipients,
                hostname=self._host,
                port=self._port,
                use_tls=self._security == "tls",
                start_tls=self._security == "starttls",
                username=self._username,
                password=self._password,
                timeout=self._timeout,
                cert_bundle=self._ca_file,
            )
        except aiosmtplib.SMTPNotSupported as exc:
            # The server will not take this message, today or later.
            raise PermanentFailure(
                f"the message needs SMTPUTF8 (an address with non-ASCII characters before "
                f"the '@'), which the server does not offer ({exc})"
            ) from None
        except aiosmtplib.SMTPAuthenticationError as exc:
            # A login problem is the operator's to fix; keep the mail waiting until they do.
            raise TemporaryFailure(f"SMTP login refused ({exc.code})") from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipients refused: {exc}") from None
        except aiosmtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.code}: {exc.message}"
            if 500 <= exc.code < 600:
                raise PermanentFailure(text) from None
            raise TemporaryFailure(text) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
