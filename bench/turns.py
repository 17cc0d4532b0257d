"""Requests' work in turns (apidesk.threads) against the same work let into threads all at once.

    .venv/bin/python bench/turns.py [--users 10000] [--databases sqlite,postgresql]
                                    [--requests 1600] [--at-once 16] [--rounds 3] [--no-write]

For each database it seeds N users with `apidesk users import`, then builds two apps in this
one process on that database: the service as it ships, and the same service with its gates
open (`Database.at_once` 0: every request's work goes into a thread as it comes, as before
the gates). It drives each app straight through ASGI (no network, no server), `--at-once`
requests at a time, and takes the CPU time of the whole process per request and the requests
per second, in alternating rounds, the median of `--rounds` for each. The figures are the
console's Users page, the portal's sign-in page, a GET of one user, a filtered list of 100
users and a PATCH of a user. On SQLite a GET of one user runs on the event loop either way
(apidesk.api.management.routing): it shows what the rounds' noise alone moves. Results go to
docs/benchmarks.md (between the turns-bench markers) unless --no-write.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from api import BASE, PASSWORD, SERVICE, _cli, database_for, service_env  # noqa: E402
from sections import write_section  # noqa: E402

START, END = "<!-- turns-bench:start -->", "<!-- turns-bench:end -->"
ORIGIN = "http://127.0.0.1:8765"
V = "api-version=2024-05-01"


def _figures(users: int) -> list[tuple[str, str, str]]:
    """(name, method, path with query) of each figure."""
    return [
        ("console: Users page", "GET", f"/console/{SERVICE}/users"),
        ("portal: sign-in page", "GET", f"/portal/{SERVICE}/signin"),
        ("GET user", "GET", f"{BASE}/users/u{users // 2}?{V}"),
        (
            "list users: $filter + $top=100",
            "GET",
            f"{BASE}/users?{V}&$top=100&$filter=startswith(name,'u3')",
        ),
        ("PATCH user (If-Match: *)", "PATCH", f"{BASE}/users/u{users // 3}?{V}"),
    ]


class Driver:
    """Requests straight into an ASGI app, with the bench's token and operator cookie."""

    def __init__(self, app: Any, token: str, cookie: str) -> None:
        self.app = app
        self.headers = [
            (b"host", ORIGIN.removeprefix("http://").encode()),
            (b"authorization", f"Bearer {token}".encode()),
            (b"cookie", cookie.encode()),
        ]
        self.patching = [(b"if-match", b"*"), (b"content-type", b"application/json")]
        self.n = 0

    async def request(self, method: str, target: str) -> int:
        path, _, query = target.partition("?")
        body, headers = b"", self.headers
        if method == "PATCH":
            self.n += 1
            body = b'{"properties": {"note": "turn %d"}}' % self.n
            headers = [*headers, *self.patching]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8765),
            "state": {},
        }
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await self.app(scope, receive, send)
        return status[0]

    async def round(
        self, method: str, target: str, requests: int, at_once: int
    ) -> tuple[float, float]:
        """CPU ms per request (the whole process) and requests/s."""
        failed: list[int] = []

        async def one_line(count: int) -> None:
            for _ in range(count):
                status = await self.request(method, target)
                if status >= 300:
                    failed.append(status)

        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one_line(requests // at_once) for _ in range(at_once)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if failed:
            raise SystemExit(f"{method} {target}: answers {sorted(set(failed))}")
        done = requests // at_once * at_once
        return cpu / done * 1000, done / wall


def _apps() -> tuple[Any, Any]:
    """The service as it ships, and the same with its gates open, on this process's settings."""
    from apidesk.app import create_app
    from apidesk.bootstrap import build_runtime, prepare
    from apidesk.settings import Settings

    apps = []
    for gated in (True, False):
        runtime = build_runtime(Settings())
        prepare(runtime, bootstrap=False)
        if not gated:
            runtime.database.at_once = lambda *, write: 0  # type: ignore[method-assign]
        apps.append(create_app(runtime, dispatch=False))
    return apps[0], apps[1]


async def _cookie(app: Any, link: str) -> str:
    """An operator's session: the one-time link's page, then its form."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as browser:
        page = await browser.get(link.removeprefix(ORIGIN))
        match = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert match, page.text
        form = {"csrf": match.group(1), "token": link.split("token=", 1)[1]}
        form |= {"password": PASSWORD, "confirm": PASSWORD}
        done = await browser.post("/console/set-password", data=form)
        assert done.status_code == 303, done.text
        return f"apidesk_console={browser.cookies['apidesk_console']}"


def measure(
    database_url: str, users: int, requests: int, at_once: int, rounds: int
) -> list[dict[str, Any]]:
    directory = Path(tempfile.mkdtemp(prefix="apidesk-turns-bench-"))
    env = service_env(database_url, directory, ORIGIN)
    os.environ.update(env)  # the apps this process builds read their settings from it
    _cli(env, "db", "upgrade")
    rows = ["id,email,firstName,lastName,groups"]
    rows += [f"u{n},u{n}@example.com,User,N{n},developers" for n in range(users)]
    (directory / "users.csv").write_text("\n".join(rows) + "\n")
    _cli(env, "users", "import", str(directory / "users.csv"), "--service", SERVICE)
    token = _cli(env, "token", "create", "--name", "turns", "--replace").split()[-1]
    link = _cli(env, "operator", "create", f"turns-{time.time_ns()}@example.com").split()[-1]
    shipped, open_gates = _apps()

    async def run() -> list[dict[str, Any]]:
        cookie = await _cookie(shipped, link)
        drivers = {
            "turns": Driver(shipped, token, cookie),
            "all at once": Driver(open_gates, token, cookie),
        }
        results = []
        for name, method, target in _figures(users):
            seen: dict[str, list[tuple[float, float]]] = {side: [] for side in drivers}
            for driver in drivers.values():  # warm up both
                await driver.round(method, target, at_once * 4, at_once)
            for _ in range(rounds):
                for side, driver in drivers.items():
                    seen[side].append(await driver.round(method, target, requests, at_once))
            row: dict[str, Any] = {"figure": name}
            for side, measured in seen.items():
                row[side] = (
                    statistics.median(cpu for cpu, _ in measured),
                    statistics.median(rate for _, rate in measured),
                )
            results.append(row)
            print(_line(row), flush=True)
        return results

    return asyncio.run(run())


def _line(row: dict[str, Any]) -> str:
    (cpu_open, rate_open), (cpu, rate) = row["all at once"], row["turns"]
    return (
        f"| {row['figure']} | {cpu_open:.2f} | {rate_open:,.0f} | {cpu:.2f} | {rate:,.0f} "
        f"| {cpu_open / cpu:.2f} | {rate / rate_open:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=1600)
    parser.add_argument("--at-once", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    tables = []
    for database in args.databases.split(","):
        with ExitStack() as stack:
            url = database_for(stack, database)
            print(f"{database}: {args.users:,} users", flush=True)
            rows = measure(url, args.users, args.requests, args.at_once, args.rounds)
        header = (
            f"**{database}**, {args.users:,} users\n\n"
            "| figure | all at once: CPU ms | all at once: requests/s | in turns: CPU ms "
            "| in turns: requests/s | CPU ratio | requests/s ratio |\n|---|---|---|---|---|---|---|"
        )
        tables.append(header + "\n" + "\n".join(_line(row) for row in rows))
    if args.no_write:
        return
    section = (
        f"{START}\n\nMeasured {time.strftime('%Y-%m-%d')} with `bench/turns.py` on this machine "
        f"({os.cpu_count()} cores, {platform.machine()}; Python {platform.python_version()}): "
        f"one process, {args.at_once} requests at a time straight through ASGI, "
        f"{args.requests:,} requests per round, the median of {args.rounds} alternating rounds. "
        "*CPU ms* is the whole process's CPU time per request (the database server's is not "
        "counted); *CPU ratio* is all at once over in turns, *requests/s ratio* in turns over "
        "all at once: above 1, the turns do better.\n\n" + "\n\n".join(tables) + f"\n\n{END}"
    )
    write_section(START, END, "Requests' work in turns", section)


if __name__ == "__main__":
    main()
