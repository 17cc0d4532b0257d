"""uvicorn or granian under `apidesk serve`: the same apps, worker count and database under each
server, measured in one run.

    .venv/bin/python bench/servers.py [--users 10000] [--databases sqlite,postgresql]
                                      [--workers 2] [--duration 8] [--connections 32]
                                      [--rounds 3] [--no-write]

For each database it seeds N users (as bench/api.py does), then serves, side by side and with
the same number of worker processes: Apidesk under uvicorn (`apidesk serve --workers W`, as a
production user runs it), Apidesk under granian (`granian --interface asgi --factory` on
bench/servers_app.py: the same app behind the same proxy-header handling), and the bare routes
of bench/baseline_app.py under each server. wrk (one thread) then measures every figure on both
servers back to back, the order alternating from figure to figure and round to round, so that
the load of a shared machine falls on both alike. Each figure is the mean of its rounds. Results
go to docs/benchmarks.md (between the servers-bench markers) unless --no-write.

Needs granian: `pip install -c constraints.txt -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(BENCH))

from api import BASE, KEYS_LUA, LUA, _cli, _seed, _serving, database_for  # noqa: E402
from sections import write_section  # noqa: E402
from support.server import free_port  # noqa: E402
from wrk_runner import Result, wrk  # noqa: E402

SERVERS = ("uvicorn", "granian")
START, END = "<!-- servers-bench:start -->", "<!-- servers-bench:end -->"


@dataclass(frozen=True)
class Figure:
    name: str
    app: str  # "bare" (bench/baseline_app.py) or "apidesk"
    path: str
    extra: tuple[str, ...] = ()
    mode: str = ""


FIGURES = (
    Figure("bare route: one indexed row", "bare", "/one"),
    Figure("bare route: 100 rows", "bare", "/hundred"),
    Figure("bare route: UPDATE + commit", "bare", "/update", ("-s", str(BENCH / "post.lua"))),
    Figure("GET user", "apidesk", BASE, mode="get"),
    Figure("list users: $filter + $top=100", "apidesk", BASE, mode="list"),
    Figure("PATCH user (If-Match, spread)", "apidesk", BASE, mode="patch"),
    Figure("gateway check: valid key", "apidesk", "/gateway/apidesk/check", mode="keys"),
)


def _commands(server: str, app: str, port: int, workers: int) -> list[str]:
    if server == "uvicorn" and app == "apidesk":
        return [sys.executable, "-m", "apidesk", "serve", "--port", str(port)]
    if server == "uvicorn":
        return [
            *(sys.executable, "-m", "uvicorn", "--factory", "baseline_app:create_app"),
            *("--port", str(port), "--workers", str(workers), "--no-access-log"),
            *("--log-level", "warning"),
        ]
    target = "baseline_app:create_app" if app == "bare" else "servers_app:create_app"
    return [
        *(sys.executable, "-m", "granian", "--interface", "asgi", "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        *("--no-access-log", "--log-level", "warning", target),
    ]


def measure(
    database_url: str, users: int, args: argparse.Namespace
) -> dict[str, dict[str, list[Result]]]:
    directory = Path(tempfile.mkdtemp(prefix="apidesk-servers-bench-"))
    ports = {(server, app): free_port() for server in SERVERS for app in ("bare", "apidesk")}
    urls = {key: f"http://127.0.0.1:{port}" for key, port in ports.items()}
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": database_url,
        "APIDESK_SECRET_KEY_FILE": str(directory / "secret.key"),
        "APIDESK_LOG_LEVEL": "warning",
        "APIDESK_WORKERS": str(args.workers),
        "PYTHONPATH": str(BENCH),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    (directory / "metrics").mkdir()
    results: dict[str, dict[str, list[Result]]] = {
        figure.name: {server: [] for server in SERVERS} for figure in FIGURES
    }
    try:
        with ExitStack() as stack:

            def start(server: str, app: str) -> None:
                own = {**env, "APIDESK_PUBLIC_URL": urls[server, app]}
                if server == "granian":  # what `apidesk serve` sets up for its workers
                    own["PROMETHEUS_MULTIPROC_DIR"] = str(directory / "metrics")
                ready = urls[server, app] + ("/ready" if app == "apidesk" else "/one")
                command = _commands(server, app, ports[server, app], args.workers)
                stack.enter_context(_serving(command, own, ready))

            start("uvicorn", "apidesk")
            token = _cli(env, "token", "create", "--name", "bench", "--replace").split()[-1]
            keys = _seed(urls["uvicorn", "apidesk"], env, directory, users, token)
            for server, app in (("granian", "apidesk"), ("uvicorn", "bare"), ("granian", "bare")):
                start(server, app)
            (directory / "api.lua").write_text(LUA)
            (directory / "keys.lua").write_text(KEYS_LUA)
            common = {"BASE": BASE, "TOKEN": token, "USERS": str(users), "KEYS_FILE": str(keys)}

            def run(figure: Figure, server: str, seconds: int) -> Result:
                extra = list(figure.extra)
                if figure.mode == "keys":
                    extra += ["-s", str(directory / "keys.lua")]
                elif figure.mode:
                    extra += ["-s", str(directory / "api.lua")]
                url = urls[server, figure.app] + figure.path
                more = {**common, "MODE": figure.mode}
                result = wrk(url, seconds, args.connections, *extra, env=more, threads=1)
                result.scenario = figure.name
                return result

            for server in SERVERS:  # warm up: imports, caches, pools
                run(FIGURES[0], server, 2)
                run(FIGURES[3], server, 2)
            flip = False
            for _ in range(args.rounds):
                for figure in FIGURES:
                    for server in reversed(SERVERS) if flip else SERVERS:
                        result = run(figure, server, args.duration)
                        results[figure.name][server].append(result)
                        print(
                            f"  {server}: {figure.name}: {result.requests_per_second:,.0f}/s",
                            flush=True,
                        )
                    flip = not flip
                flip = not flip
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return results


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _geomean(values: list[float]) -> float:
    return math.exp(_mean([math.log(value) for value in values])) if values else 0.0


def _machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, {platform.platform(terse=True)}"


def render(
    runs: dict[str, dict[str, dict[str, list[Result]]]],
    loads: list[tuple[str, tuple[float, ...]]],
    args: argparse.Namespace,
) -> str:
    from importlib.metadata import version

    versions = ", ".join(
        f"{name} {version(name)}"
        for name in ("uvicorn", "httptools", "uvloop", "granian", "starlette", "fastapi")
    )
    load_text = "; ".join(
        f"{when} {' / '.join(f'{value:.2f}' for value in load)}" for when, load in loads
    )
    lines = [
        START,
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with `bench/servers.py` "
        f"on {_machine()}; CPython {platform.python_version()}, {versions}. Each server with "
        f"{args.workers} worker processes on the same database: Apidesk as `apidesk serve "
        f"--workers {args.workers}` (uvicorn) and as `granian --interface asgi --factory` on "
        "the same app (bench/servers_app.py); the bare routes of bench/baseline_app.py under "
        f"each. {args.users:,} users. wrk -t1 -c{args.connections} -d{args.duration}s on the "
        f"same machine, {args.rounds} round(s) per figure and server, the servers' order "
        "alternating; each figure is the mean of its rounds, and the ratio the geometric mean "
        "of each round's granian / uvicorn (in brackets: the lowest and highest). Load average "
        "(1 / 5 / 15 min): "
        f"{load_text}.",
        "",
        "| database | figure | uvicorn req/s | p50 ms | p99 ms | granian req/s | p50 ms | "
        "p99 ms | granian / uvicorn | valid |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for database, results in runs.items():
        ratios: dict[str, list[float]] = {"bare": [], "apidesk": []}
        for figure in FIGURES:
            cells: list[str] = []
            valid = True
            for server in SERVERS:
                rounds = results[figure.name][server]
                rate = _mean([r.requests_per_second for r in rounds])
                valid = valid and all(r.valid for r in rounds)
                cells += [
                    f"{rate:,.0f}",
                    f"{_mean([r.p50_ms for r in rounds]):.1f}",
                    f"{_mean([r.p99_ms for r in rounds]):.1f}",
                ]
            # Each round's pair was measured back to back: their ratios, not the means, say
            # most about the servers on a machine whose load comes and goes.
            paired = [
                g.requests_per_second / u.requests_per_second
                for u, g in zip(*(results[figure.name][server] for server in SERVERS), strict=True)
                if u.requests_per_second and g.requests_per_second
            ]
            ratio = _geomean(paired)
            if ratio:
                ratios[figure.app].append(ratio)
            spread = f" ({min(paired):.2f} to {max(paired):.2f})" if len(paired) > 1 else ""
            lines.append(
                f"| {database} | {figure.name} | {' | '.join(cells)} | {ratio:.2f}{spread} | "
                f"{'yes' if valid else 'NO'} |"
            )
        lines.append(
            f"| {database} | **geometric mean, bare routes / Apidesk's paths** | | | | | | | "
            f"**{_geomean(ratios['bare']):.2f} / {_geomean(ratios['apidesk']):.2f}** | |"
        )
    lines += ["", END]
    return "\n".join(lines)


def write(section: str) -> None:
    write_section(START, END, "uvicorn or granian", section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    try:
        import granian  # noqa: F401
    except ImportError:
        raise SystemExit(
            "granian is not installed: pip install -c constraints.txt -e '.[bench]'"
        ) from None
    loads: list[tuple[str, tuple[float, ...]]] = [("before", os.getloadavg())]
    runs: dict[str, dict[str, dict[str, list[Result]]]] = {}
    for database in args.databases.split(","):
        print(f"{database}, {args.users:,} users ...", flush=True)
        with ExitStack() as stack:
            runs[database] = measure(database_for(stack, database), args.users, args)
        loads.append((f"after {database}", os.getloadavg()))
    section = render(runs, loads, args)
    print(section)
    if not args.no_write:
        write(section)
        print("wrote docs/benchmarks.md")
    invalid = [
        (database, name)
        for database, results in runs.items()
        for name, by_server in results.items()
        if not all(r.valid for rounds in by_server.values() for r in rounds)
    ]
    if invalid:
        raise SystemExit(f"some figures are invalid (answers other than 2xx/3xx): {invalid}")


if __name__ == "__main__":
    main()
