"""`apidesk serve` runs a worker per core by default, and the workers report their metrics
as one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from support.metrics import total
from support.server import free_port


def test_every_scrape_counts_the_requests_of_every_worker(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'apidesk.db'}",
        "APIDESK_SECRET_KEY_FILE": str(tmp_path / "secret.key"),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("APIDESK_WORKERS", None)
    expected = os.cpu_count() or 1
    if expected < 2:  # a one-core machine still shows that several workers count as one
        expected = 2
        env["APIDESK_WORKERS"] = "2"
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "apidesk", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        assert f"{expected} workers" in (tmp_path / "serve.log").read_text()
        before = httpx.get(f"{url}/metrics").text
        base = total(before, "apidesk_http_requests_total", door="ops", status="200")
        for _ in range(40):  # a new connection each time: the workers share the load
            assert httpx.get(f"{url}/health").status_code == 200
        for _ in range(6):
            text = httpx.get(f"{url}/metrics").text
            assert total(text, "apidesk_http_requests_total", door="ops", status="200") >= base + 40
    finally:
        process.terminate()
        process.wait(timeout=20)
