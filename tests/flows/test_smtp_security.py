"""SMTP over STARTTLS and implicit TLS, with a login: the dispatcher verifies the server's
certificate and authenticates before it hands over a message."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from support.mailbox import Mailbox
from support.server import free_port

from apidesk.domain.notifications.outbox import Envelope
from apidesk.mail.smtp import SmtpSender, TemporaryFailure
from apidesk.settings import Settings

USER, PASSWORD = "mailer", "s3cret-smtp-pass"
# Implicit TLS is invisible to aiosmtpd, which then warns about AUTH without STARTTLS.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == USER.encode()
        and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture(params=["starttls", "tls"])
def secure_server(
    request: pytest.FixtureRequest, certificate: tuple[Path, Path]
) -> Iterator[tuple[str, Mailbox]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    box = Mailbox(port=free_port())
    options: dict[str, Any] = {"authenticator": authenticator, "auth_required": True}
    if request.param == "starttls":
        controller = Controller(
            box,
            hostname="127.0.0.1",
            port=box.port,
            tls_context=context,
            require_starttls=True,
            **options,
        )
    else:
        controller = Controller(
            box,
            hostname="127.0.0.1",
            port=box.port,
            ssl_context=context,
            auth_require_tls=False,
            **options,
        )
    controller.start()
    try:
        yield request.param, box
    finally:
        controller.stop()


def envelope() -> Envelope:
    return Envelope(
        id=7,
        sender="noreply@example.com",
        sender_name="Example",
        to_address="dev@example.com",
        bcc=["copy@example.com"],
        subject="Hello",
        html="<p>Hi</p>",
        text="Hi\n",
        attempts=1,
    )


def sender(mode: str, port: int, ca: Path | None, password: str = PASSWORD) -> SmtpSender:
    return SmtpSender(
        Settings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security=mode,  # type: ignore[arg-type]
            smtp_username=USER,
            smtp_password=password,
            smtp_ca_file=ca,
            smtp_timeout_seconds=10,  # type: ignore[arg-type]
        )
    )


def test_secure_delivery_with_login(
    secure_server: tuple[str, Mailbox], certificate: tuple[Path, Path]
) -> None:
    mode, box = secure_server
    asyncio.run(sender(mode, box.port, certificate[0]).send(envelope()))
    [mail] = box.wait_for(to="dev@example.com")
    assert sorted(mail.recipients) == ["copy@example.com", "dev@example.com"]
    assert "copy@example.com" not in str(mail.message)
    assert mail.text.strip() == "Hi"


def test_an_untrusted_certificate_is_refused(secure_server: tuple[str, Mailbox]) -> None:
    mode, box = secure_server
    with pytest.raises(TemporaryFailure):
        asyncio.run(sender(mode, box.port, None).send(envelope()))
    assert box.messages == []


def test_a_wrong_login_keeps_the_mail_waiting(
    secure_server: tuple[str, Mailbox], certificate: tuple[Path, Path]
) -> None:
    mode, box = secure_server
    with pytest.raises(TemporaryFailure) as caught:
        asyncio.run(sender(mode, box.port, certificate[0], password="wrong").send(envelope()))
    assert "wrong" not in str(caught.value) and PASSWORD not in str(caught.value)
    assert box.messages == []
