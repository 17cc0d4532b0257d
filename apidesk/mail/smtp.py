"""SMTP delivery with aiosmtplib, configured by the APIDESK_SMTP_* settings."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

import aiosmtplib

from apidesk.domain.notifications.outbox import Envelope
from apidesk.settings import Settings


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying will not help."""


class TemporaryFailure(Exception):
    """The server was unreachable or answered 4xx: try again later."""


def compose(envelope: Envelope) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((envelope.sender_name, envelope.sender))
    message["To"] = envelope.to_address
    message["Subject"] = envelope.subject
    message["Date"] = formatdate(localtime=False)
    domain = envelope.sender.rpartition("@")[2] or "apidesk.invalid"
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
        recipients = [envelope.to_address, *envelope.bcc]
        try:
            await aiosmtplib.send(
                compose(envelope),
                sender=envelope.sender,
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
