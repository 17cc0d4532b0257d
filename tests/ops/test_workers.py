"""`apidesk serve` runs a worker per core by default: the workers report their metrics as
one, and share one database without a race going wrong, on SQLite as on PostgreSQL. (Three
replicas behind nginx on one SQLite file and on one PostgreSQL database: test_replicas.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from support.databases import database_for
from support.metrics import total
from support.server import API_VERSION, ServiceRef, cli, create_service, free_port

V = {"api-version": API_VERSION}
RACERS = 24


@dataclass
class Served:
    url: str
    workers: int
    log: Path
    token: str


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """`apidesk serve` as a production user starts it: no --workers, so one per core."""
    directory = tmp_path_factory.mktemp(f"workers-{request.param}")
    with database_for(request.param, directory) as database_url:
        port = free_port()
        env = {
            **os.environ,
            "APIDESK_DATABASE_URL": database_url,
            "APIDESK_SECRET_KEY_FILE": str(directory / "secret.key"),
            "APIDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.pop("APIDESK_WORKERS", None)
        expected = os.cpu_count() or 1
        if expected < 2:  # a one-core machine still shows that several workers act as one
            expected = 2
            env["APIDESK_WORKERS"] = "2"
        url = f"http://127.0.0.1:{port}"
        log = directory / "serve.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "apidesk", "serve", "--port", str(port)],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            made = cli(env, "token", "create", "--name", "workers")
            assert made.returncode == 0, made.stderr
            yield Served(url, expected, log, made.stdout.strip().splitlines()[-1])
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def shop(served: Served) -> ServiceRef:
    with client(served) as http:
        return create_service(http)


def client(served: Served) -> httpx.Client:
    """A new connection for every request, so the workers share the load."""
    return httpx.Client(
        base_url=served.url,
        headers={"Authorization": f"Bearer {served.token}"},
        timeout=60,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def race(served: Served, requests: list[dict[str, object]]) -> list[int]:
    barrier = threading.Barrier(len(requests))

    def fire(request: dict[str, object]) -> int:
        with client(served) as http:
            barrier.wait()
            return http.request(**request).status_code  # type: ignore[arg-type]

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(fire, requests))


def test_every_scrape_counts_the_requests_of_every_worker(served: Served) -> None:
    assert f"{served.workers} workers" in served.log.read_text()
    before = httpx.get(f"{served.url}/metrics").text
    base = total(before, "apidesk_http_requests_total", door="ops", status="200")
    for _ in range(40):  # a new connection each time: the workers share the load
        assert httpx.get(f"{served.url}/health").status_code == 200
    for _ in range(6):
        text = httpx.get(f"{served.url}/metrics").text
        assert total(text, "apidesk_http_requests_total", door="ops", status="200") >= base + 40


def test_an_etag_race_across_workers_has_one_winner(served: Served, shop: ServiceRef) -> None:
    body = {"properties": {"email": "racer@example.com", "firstName": "R", "lastName": "W"}}
    with client(served) as http:
        http.put(shop.url("/users/racer"), params=V, json=body).raise_for_status()
        etag = http.get(shop.url("/users/racer"), params=V).headers["etag"]
    answers = race(
        served,
        [
            {
                "method": "PATCH",
                "url": shop.url("/users/racer"),
                "params": V,
                "headers": {"If-Match": etag},
                "json": {"properties": {"note": f"writer {n}"}},
            }
            for n in range(RACERS)
        ],
    )
    assert Counter(answers) == {200: 1, 412: RACERS - 1}, Counter(answers)


def test_one_address_is_registered_once_across_workers(served: Served, shop: ServiceRef) -> None:
    answers = race(
        served,
        [
            {
                "method": "PUT",
                "url": shop.url(f"/users/twin{n}"),
                "params": V,
                "json": {
                    "properties": {
                        "email": "Twin@Example.com" if n % 2 else "twin@example.com",
                        "firstName": "T",
                        "lastName": str(n),
                    }
                },
            }
            for n in range(RACERS)
        ],
    )
    assert Counter(answers) == {201: 1, 409: RACERS - 1}, Counter(answers)
