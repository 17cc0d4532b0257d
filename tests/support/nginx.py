"""Real nginx with the configuration from docs/nginx.md, and a small upstream behind it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from support.server import free_port

DOC = Path(__file__).resolve().parents[2] / "docs" / "nginx.md"


def documented_config() -> str:
    """The nginx block exactly as the documentation shows it."""
    match = re.search(r"```nginx\n(.*?)```", DOC.read_text(), flags=re.S)
    assert match, "docs/nginx.md has no nginx configuration block"
    return match.group(1)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None
    )


@dataclass
class Upstream:
    """An HTTP backend that answers every request with what it received, and remembers it."""

    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]


@contextmanager
def upstream() -> Iterator[Upstream]:
    record = Upstream(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            seen = {"method": self.command, "path": self.path, "headers": dict(self.headers)}
            record.requests.append(seen)
            body = json.dumps(seen).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", record.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Nginx:
    url: str
    directory: Path

    def error_log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text() if path.exists() else ""


@contextmanager
def nginx(apidesk_url: str, backend_port: int, service: str, directory: Path) -> Iterator[Nginx]:
    port = free_port()
    apidesk_address = apidesk_url.removeprefix("http://")
    block = (
        documented_config()
        .replace("server 127.0.0.1:8000;", f"server {apidesk_address};")
        .replace("server 127.0.0.1:9000;", f"server 127.0.0.1:{backend_port};")
        .replace("listen 8080;", f"listen 127.0.0.1:{port};")
        .replace("/gateway/apidesk/check", f"/gateway/{service}/check")
    )
    with running(block, port, directory) as url:
        yield Nginx(url, directory)


@contextmanager
def running(
    block: str, port: int, directory: Path, *, scheme: str = "http", verify: Any = True
) -> Iterator[str]:
    """nginx serving `block` (the inside of its `http` context) on `port`; yields its URL."""
    binary = nginx_binary()
    assert binary, "nginx is not installed (scripts/setup-system installs it)"
    for directory_name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / directory_name).mkdir(parents=True, exist_ok=True)
    config = directory / "nginx.conf"
    config.write_text(
        f"""
daemon off;
master_process off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
{block}
}}
"""
    )
    checked = subprocess.run(
        [binary, "-t", "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [binary, "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"{scheme}://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url, timeout=1, verify=verify)
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"nginx did not start:\n{(directory / 'error.log').read_text()}"
                    ) from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
