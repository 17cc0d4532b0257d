"""Load on the gateway key check, with wrk, on SQLite and PostgreSQL.

    .venv/bin/python bench/gateway.py [--subscriptions 1000,20000] [--duration 10]

For each database it seeds one service with N users and subscriptions, starts `apidesk serve`,
and drives it with wrk (Debian package `wrk`): a baseline endpoint that touches no database
(`/gateway/health`), then the key check with random valid keys, with unknown keys and with no
key. Machines are noisy, so the figures that matter are the ratios measured in one run: check
throughput relative to the baseline, and large key tables relative to small ones. Results go to
docs/benchmarks.md (the section between the gateway markers is replaced).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from sections import write_section  # noqa: E402
from support.databases import fresh_postgres_database  # noqa: E402
from support.server import free_port  # noqa: E402
from wrk_runner import Result, wrk  # noqa: E402

from apidesk.api.management.envelope import service_id  # noqa: E402
from apidesk.bootstrap import build_runtime, prepare  # noqa: E402
from apidesk.domain.apis import service as apis  # noqa: E402
from apidesk.domain.context import Context, InstanceContext  # noqa: E402
from apidesk.domain.instances import service as instances  # noqa: E402
from apidesk.domain.products import links  # noqa: E402
from apidesk.domain.products import service as products  # noqa: E402
from apidesk.domain.subscriptions import keys as subscription_keys  # noqa: E402
from apidesk.domain.subscriptions import service as subscriptions  # noqa: E402
from apidesk.domain.users import service as users  # noqa: E402
from apidesk.settings import Settings  # noqa: E402
from apidesk.storage.models import Instance  # noqa: E402

SERVICE = "bench"
START, END = "<!-- gateway-bench:start -->", "<!-- gateway-bench:end -->"
LUA = """
local keys = {}
for line in io.lines(os.getenv("KEYS_FILE")) do keys[#keys + 1] = line end
math.randomseed(os.time())
request = function()
  wrk.headers["X-Original-URI"] = "/echo/items"
  wrk.headers["Ocp-Apim-Subscription-Key"] = keys[math.random(#keys)]
  return wrk.format("GET")
end
"""


def seed(database_url: str, directory: Path, count: int) -> list[str]:
    settings = Settings(database_url=database_url, secret_key_file=directory / "key")
    runtime = build_runtime(settings)
    prepare(runtime, bootstrap=False)
    with runtime.database.unit_of_work() as session:
        ctx = Context(runtime, session, "bench")
        instance, _ = instances.create_or_update(
            ctx,
            "00000000-0000-0000-0000-00000000beec",
            "bench",
            SERVICE,
            {
                "location": "local",
                "sku_name": "Developer",
                "publisher_email": "bench@example.com",
                "publisher_name": "Bench",
            },
        )
        ictx = InstanceContext.of(ctx, instance)
        apis.create_or_update(ictx, "echo", {"display_name": "Echo", "path": "echo"})
        products.create_or_update(ictx, "gold", {"display_name": "Gold", "state": "published"})
        links.add_api(ictx, "gold", "echo")
        instance_id = instance.id
    made: list[str] = []
    batch = 500
    for start in range(0, count, batch):
        with runtime.database.unit_of_work() as session:
            ctx = Context(runtime, session, "bench")
            found = ctx.session.get(Instance, instance_id)
            assert found is not None
            ictx = InstanceContext.of(ctx, found)
            prefix = service_id(found)
            for index in range(start, min(start + batch, count)):
                users.create_or_update(
                    ictx,
                    f"u{index}",
                    {"email": f"u{index}@example.com", "first_name": "U", "last_name": str(index)},
                )
                subscription, _ = subscriptions.create_or_update(
                    ictx,
                    f"s{index}",
                    {
                        "scope": "/products/gold",
                        "display_name": f"s{index}",
                        "owner_id": f"/users/u{index}",
                        "state": "active",
                    },
                    prefix,
                )
                made.append(subscription_keys.reveal(ictx, subscription, "primary"))
    runtime.database.dispose()
    return made


def run_one(database: str, count: int, seconds: int, connections: int) -> list[Result]:
    directory = Path(tempfile.mkdtemp(prefix="apidesk-bench-"))
    try:
        if database == "sqlite":
            return _measure(
                f"sqlite:///{directory / 'bench.db'}", directory, count, seconds, connections
            )
        with fresh_postgres_database() as url:
            return _measure(url, directory, count, seconds, connections)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _measure(
    database_url: str, directory: Path, count: int, seconds: int, connections: int
) -> list[Result]:
    keys = seed(database_url, directory, count)
    keys_file = directory / "keys.txt"
    keys_file.write_text("\n".join(keys) + "\n")
    script = directory / "keys.lua"
    script.write_text(LUA)
    port = free_port()
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": database_url,
        "APIDESK_SECRET_KEY_FILE": str(directory / "key"),
        "APIDESK_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "apidesk", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/gateway/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        check = f"{base}/gateway/{SERVICE}/check"
        results = []
        scenarios = [
            ("baseline: /gateway/health (no database)", f"{base}/gateway/health", ()),
            ("check: valid key (random of N)", check, ("-s", str(script))),
            (
                "check: unknown key",
                check,
                (
                    "-H",
                    "X-Original-URI: /echo/items",
                    "-H",
                    f"Ocp-Apim-Subscription-Key: {'0' * 32}",
                ),
            ),
            ("check: no key", check, ("-H", "X-Original-URI: /echo/items")),
        ]
        wrk(check, 2, connections, "-s", str(script), env={"KEYS_FILE": str(keys_file)})  # warm-up
        for name, url, extra in scenarios:
            result = wrk(url, seconds, connections, *extra, env={"KEYS_FILE": str(keys_file)})
            result.scenario = name
            results.append(result)
        return results
    finally:
        server.terminate()
        server.wait(timeout=20)


def render(runs: dict[tuple[str, int], list[Result]], seconds: int, connections: int) -> str:
    lines = [
        START,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `bench/gateway.py` on this machine "
        f"({os.cpu_count()} cores; wrk with 2 threads and {connections} connections, {seconds} s "
        "per scenario, on the same machine as the server; access log off). One uvicorn worker.",
        "",
        "| database | subscriptions | scenario | requests/s | p50 ms | p99 ms "
        "| ratio to baseline |",
        "|---|---|---|---|---|---|---|",
    ]
    for (database, count), results in runs.items():
        baseline = results[0].requests_per_second
        for result in results:
            lines.append(
                f"| {database} | {count} | {result.scenario} | {result.requests_per_second:,.0f} "
                f"| {result.p50_ms:.2f} | {result.p99_ms:.2f} "
                f"| {result.requests_per_second / baseline:.2f} |"
            )
    lines.append("")
    scale = []
    for database in sorted({d for d, _ in runs}):
        counts = sorted(c for d, c in runs if d == database)
        if len(counts) > 1:
            small = runs[(database, counts[0])][1].requests_per_second
            large = runs[(database, counts[-1])][1].requests_per_second
            scale.append(
                f"- {database}: valid-key throughput with {counts[-1]:,} subscriptions is "
                f"{large / small:.2f} times that with {counts[0]:,} (1.00 means the size of "
                "the key table does not matter: one indexed lookup)."
            )
    lines.extend(scale)
    lines.extend(["", END])
    return "\n".join(lines)


def write(section: str) -> None:
    write_section(START, END, "Gateway key check", section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", default="1000,20000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    runs: dict[tuple[str, int], list[Result]] = {}
    for database in args.databases.split(","):
        for count in (int(c) for c in args.subscriptions.split(",")):
            print(f"{database}, {count} subscriptions ...", flush=True)
            runs[(database, count)] = run_one(database, count, args.duration, args.connections)
            for result in runs[(database, count)]:
                print(f"  {result.scenario}: {result.requests_per_second:,.0f}/s", flush=True)
    write(render(runs, args.duration, args.connections))
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
