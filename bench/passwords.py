"""Passwords under load: what share of the argon2id hash rate creating users with a password
and portal sign-in reach, on SQLite and PostgreSQL.

    .venv/bin/python bench/passwords.py [--databases sqlite,postgresql] [--duration 8]
                                        [--connections 32] [--no-write]

In one run: argon2id's rate with the configured parameters on every core (bench/api.py's
measure: one process per core hashing in a loop), before and after the figures; then, for
each database, `apidesk serve` with its default workers (one per core) driven by wrk on
loopback, as bench/api.py does: PUT a new user with a password, and POST the portal's
sign-in form with the right password. Each figure is shown with p50, p99, its ratio to the
hash rate, and the CPU time the server processes spent per request beside the CPU time of
one hash. A figure with any answer other than 2xx/3xx is marked invalid. Results go to
docs/benchmarks.md (between the passwords-bench markers) unless --no-write.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from api import (  # noqa: E402
    BASE,
    LUA,
    PASSWORD,
    SERVICE,
    V,
    _cli,
    _portal_form,
    _serving,
    database_for,
    service_env,
)
from cpu import cpu_seconds, descendants  # noqa: E402
from hashing import hash_cpu_ms, hash_rate  # noqa: E402
from sections import write_section  # noqa: E402
from support.server import free_port  # noqa: E402
from wrk_runner import Result, wrk  # noqa: E402

START, END = "<!-- passwords-bench:start -->", "<!-- passwords-bench:end -->"


def measure(database_url: str, seconds: int, connections: int) -> list[tuple[Result, float]]:
    """Each figure with the servers' CPU milliseconds per request."""
    directory = Path(tempfile.mkdtemp(prefix="apidesk-passwords-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = service_env(database_url, directory, url)
    serve = [sys.executable, "-m", "apidesk", "serve", "--port", str(port)]
    try:
        with ExitStack() as stack:
            stack.enter_context(_serving(serve, env, f"{url}/ready"))
            token = _cli(env, "token", "create", "--name", "bench", "--replace").split()[-1]
            body = {"email": "signer@example.com", "firstName": "S", "lastName": "I"}
            httpx.put(
                url + BASE + "/users/signer",
                params=V,
                json={"properties": {**body, "password": PASSWORD}},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ).raise_for_status()
            csrf, portal_cookie = _portal_form(url)
            lua = directory / "api.lua"
            lua.write_text(LUA)
            common = {"BASE": BASE, "TOKEN": token, "USERS": "1", "PASSWORD": PASSWORD}
            servers = descendants(os.getpid())

            def run(name: str, target: str, *extra: str, **more: str) -> tuple[Result, float]:
                before = cpu_seconds(servers)
                result = wrk(target, seconds, connections, *extra, env={**common, **more})
                used = cpu_seconds(servers) - before
                result.scenario, result.baseline = name, "argon2"
                requests = result.requests_per_second * seconds
                return result, (used * 1000 / requests if requests else 0.0)

            signin_body = f"csrf={csrf}&email=signer%40example.com&password={PASSWORD}"
            wrk(url + BASE, 2, connections, "-s", str(lua), env={**common, "MODE": "create"})
            return [
                run(
                    "create user with password", url + BASE, "-s", str(lua), MODE="create-password"
                ),
                run(
                    "portal sign-in",
                    f"{url}/portal/{SERVICE}/signin",
                    "-s",
                    str(BENCH / "post.lua"),
                    BODY=signin_body,
                    COOKIE=portal_cookie,
                    CONTENT_TYPE="application/x-www-form-urlencoded",
                ),
            ]
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def render(
    runs: dict[str, list[tuple[Result, float]]],
    measured: tuple[float, float],
    args: argparse.Namespace,
    load: tuple[float, float],
    hash_cpu: float,
) -> str:
    from importlib.metadata import version

    import uvicorn

    cores = os.cpu_count() or 1
    hashes = sum(measured) / 2
    lines = [
        START,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `bench/passwords.py` on this machine: "
        f"{cores} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"uvicorn {uvicorn.__version__}, argon2-cffi {version('argon2-cffi')}. wrk with 2 "
        f"threads and {args.connections} connections, {args.duration} s per figure; "
        f"`apidesk serve` with its default workers ({cores}). argon2id with the configured "
        f"parameters: {measured[0]:,.1f} hashes/s on all cores before the figures, "
        f"{measured[1]:,.1f} after; the ratios use their mean. One hash takes "
        f'{hash_cpu:.1f} ms of CPU (process time in one process); "hash share" is that over '
        "the CPU time the server processes spent per request, which the load of this shared "
        f"machine does not move the way it moves rates. Load average (1 min) {load[0]:.1f} "
        f"before, {load[1]:.1f} after.",
        "",
        "| database | figure | requests/s | p50 ms | p99 ms | ratio to argon2 | server CPU ms "
        "per request | hash share | valid |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for database, results in runs.items():
        for result, cpu in results:
            lines.append(
                f"| {database} | {result.scenario} | {result.requests_per_second:,.1f} | "
                f"{result.p50_ms:.1f} | {result.p99_ms:.1f} | "
                f"{result.requests_per_second / hashes:.2f} | {cpu:.1f} | "
                f"{hash_cpu / cpu if cpu else 0:.2f} | "
                f"{'yes' if result.valid else 'NO'} |"
            )
    lines += ["", END]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    load_before = os.getloadavg()[0]
    hash_cpu = hash_cpu_ms()
    before = hash_rate()
    runs: dict[str, list[tuple[Result, float]]] = {}
    for database in args.databases.split(","):
        print(f"{database} ...", flush=True)
        with ExitStack() as stack:
            runs[database] = measure(database_for(stack, database), args.duration, args.connections)
        for result, _cpu in runs[database]:
            mark = "" if result.valid else f"  INVALID ({result.non_2xx} failed)"
            print(f"  {result.scenario}: {result.requests_per_second:,.1f}/s{mark}", flush=True)
    after = hash_rate()
    section = render(runs, (before, after), args, (load_before, os.getloadavg()[0]), hash_cpu)
    print(section)
    if not args.no_write:
        write_section(START, END, "Passwords under load", section)
        print("wrote docs/benchmarks.md")
    if any(not result.valid for results in runs.values() for result, _ in results):
        raise SystemExit("some figures are invalid: answers other than 2xx/3xx")


if __name__ == "__main__":
    main()
