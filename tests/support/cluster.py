"""Several `apidesk serve` replicas on one PostgreSQL database, behind real nginx configured as
docs/deploy.md says (TLS terminated by nginx with a certificate made for the test)."""

from __future__ import annotations

import datetime
import ipaddress
import re
import ssl
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from support.nginx import running
from support.server import LiveServer, free_port, live_server

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def documented_balancer() -> str:
    match = re.search(r"```nginx\n(.*?)```", DOC.read_text(), flags=re.S)
    assert match, "docs/deploy.md has no nginx configuration block"
    return match.group(1)


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.pem", directory / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Cluster:
    url: str  # the load balancer, https
    replicas: list[LiveServer]
    trust: ssl.SSLContext
    token: str
    directory: Path

    def client(self, **kwargs: object) -> httpx.Client:
        """A management client through the load balancer."""
        return httpx.Client(
            base_url=self.url,
            verify=self.trust,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
            **kwargs,  # type: ignore[arg-type]
        )

    def browser(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.trust, timeout=60)

    def access_log(self) -> str:
        return (self.directory / "nginx" / "access.log").read_text()


@contextmanager
def cluster(
    database_url: str, directory: Path, replicas: int, **settings: str
) -> Iterator[Cluster]:
    port = free_port()
    public = f"https://127.0.0.1:{port}"
    cert, key = self_signed(directory)
    with ExitStack() as stack:
        servers = [
            stack.enter_context(live_server(database_url, directory, public_url=public, **settings))
            for _ in range(replicas)
        ]
        upstreams = "".join(
            f"    server {server.url.removeprefix('http://')} max_fails=1 fail_timeout=5s;\n"
            for server in servers
        )
        block = re.sub(r"(?m)^    server 127\.0\.0\.1:800\d[^\n]*\n", "", documented_balancer())
        block = (
            block.replace("upstream apidesk {\n", "upstream apidesk {\n" + upstreams)
            .replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
            .replace("/etc/ssl/certs/apidesk.example.com.pem", str(cert))
            .replace("/etc/ssl/private/apidesk.example.com.key", str(key))
        )
        trust = ssl.create_default_context(cafile=str(cert))
        (directory / "nginx").mkdir()
        url = stack.enter_context(
            running(block, port, directory / "nginx", scheme="https", verify=trust)
        )
        yield Cluster(url, servers, trust, servers[0].token, directory)
