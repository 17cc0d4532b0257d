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
one hash; the server's own metrics (`apidesk_password_hashing_*` on /metrics) split that time
into the hashing and the rest, and give the time a request waited for its turn to hash. A
figure with any answer other than 2xx/3xx is marked invalid. Results go to
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
from dataclasses import dataclass
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
from hashing import HashLoad, hash_cpu_ms, hash_load  # noqa: E402
from sections import write_section  # noqa: E402
from support.metrics import total  # noqa: E402
from support.server import free_port  # noqa: E402
from wrk_runner import Result, wrk  # noqa: E402

START, END = "<!-- passwords-bench:start -->", "<!-- passwords-bench:end -->"
HASHING = "apidesk_password_hashing"


@dataclass
class Figure:
    result: Result
    cpu_ms: float  # the server processes' CPU time per request
    hashing_cpu_ms: float  # of which hashing and checking passwords, by the server's metrics
    wait_ms: float  # mean time a hash or check waited for its turn


def _hashing(url: str) -> tuple[float, float, float]:
    """The server's hashing so far: CPU seconds, seconds waited, hashes and checks."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    return (
        total(text, f"{HASHING}_cpu_seconds_total"),
        total(text, f"{HASHING}_wait_seconds_sum"),
        total(text, f"{HASHING}_wait_seconds_count"),
    )


def measure(database_url: str, seconds: int, connections: int) -> list[Figure]:
    """Each figure with the servers' CPU milliseconds per request, and their hashing's."""
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

            def run(name: str, target: str, *extra: str, **more: str) -> Figure:
                hashing, before = _hashing(url), cpu_seconds(servers)
                result = wrk(target, seconds, connections, *extra, env={**common, **more})
                used = cpu_seconds(servers) - before
                cpu, waited, hashes = (b - a for a, b in zip(hashing, _hashing(url), strict=True))
                result.scenario, result.baseline = name, "argon2"
                requests = result.requests_per_second * seconds
                per_request = 1000 / requests if requests else 0.0
                wait = waited * 1000 / hashes if hashes else 0.0
                return Figure(result, used * per_request, cpu * per_request, wait)

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
    runs: dict[str, list[Figure]],
    measured: tuple[HashLoad, HashLoad],
    args: argparse.Namespace,
    load: tuple[float, float],
    hash_cpu: float,
) -> str:
    from importlib.metadata import version

    import uvicorn

    cores = os.cpu_count() or 1
    hashes = (measured[0].rate + measured[1].rate) / 2
    loaded_cpu = (measured[0].cpu_ms + measured[1].cpu_ms) / 2
    lines = [
        START,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `bench/passwords.py` on this machine: "
        f"{cores} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"uvicorn {uvicorn.__version__}, argon2-cffi {version('argon2-cffi')}. wrk with 2 "
        f"threads and {args.connections} connections, {args.duration} s per figure; "
        f"`apidesk serve` with its default workers ({cores}). argon2id with the configured "
        f"parameters: {measured[0].rate:,.1f} hashes/s on all cores before the figures, "
        f"{measured[1].rate:,.1f} after; the ratios use their mean. One hash takes "
        f"{hash_cpu:.1f} ms of CPU (process time in one process), and {loaded_cpu:.1f} ms "
        'while every core hashes (the mean of the two measures); "hash share" is the first '
        "over the CPU time the server processes spent per request, which the load of this shared "
        "machine does not move the way it moves rates. Of that time, the server's metrics give "
        'what its hashing took ("hashing") and so what the rest of the request took, and how '
        "long a request waited for its turn to hash. Load average (1 min) "
        f"{load[0]:.1f} before, {load[1]:.1f} after.",
        "",
        "| database | figure | requests/s | p50 ms | p99 ms | ratio to argon2 | server CPU ms "
        "per request | hashing | rest | hash share | wait for a turn ms | valid |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for database, figures in runs.items():
        for figure in figures:
            result, cpu = figure.result, figure.cpu_ms
            lines.append(
                f"| {database} | {result.scenario} | {result.requests_per_second:,.1f} | "
                f"{result.p50_ms:.1f} | {result.p99_ms:.1f} | "
                f"{result.requests_per_second / hashes:.2f} | {cpu:.1f} | "
                f"{figure.hashing_cpu_ms:.1f} | {cpu - figure.hashing_cpu_ms:.1f} | "
                f"{hash_cpu / cpu if cpu else 0:.2f} | {figure.wait_ms:.0f} | "
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
    before = hash_load()
    runs: dict[str, list[Figure]] = {}
    for database in args.databases.split(","):
        print(f"{database} ...", flush=True)
        with ExitStack() as stack:
            runs[database] = measure(database_for(stack, database), args.duration, args.connections)
        for result in (figure.result for figure in runs[database]):
            mark = "" if result.valid else f"  INVALID ({result.non_2xx} failed)"
            print(f"  {result.scenario}: {result.requests_per_second:,.1f}/s{mark}", flush=True)
    after = hash_load()
    section = render(runs, (before, after), args, (load_before, os.getloadavg()[0]), hash_cpu)
    print(section)
    if not args.no_write:
        write_section(START, END, "Passwords under load", section)
        print("wrote docs/benchmarks.md")
    if any(not figure.result.valid for figures in runs.values() for figure in figures):
        raise SystemExit("some figures are invalid: answers other than 2xx/3xx")


if __name__ == "__main__":
    main()
