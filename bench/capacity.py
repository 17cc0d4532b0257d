"""How much one PostgreSQL server does for Apidesk: key-check lookups and single-row updates
per second, measured with pgbench beside a `SELECT 1` baseline in the same run.

    .venv/bin/python bench/capacity.py [--subscriptions 10000] [--duration 10]

It seeds a fresh database on the PostgreSQL at 127.0.0.1:5432 with one service, N users and N
subscriptions (through Apidesk's own services), then runs three pgbench scripts against it:
`SELECT 1` (what a round trip costs), the key check's lookup (the same SQL the gateway runs,
for a random key's digest), and the UPDATE that blocking a user is (one row by primary key,
committed). The figures go to docs/benchmarks.md between the capacity markers; docs/deploy.md
does the arithmetic for larger deployments from them.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from gateway import seed  # noqa: E402
from sections import write_section  # noqa: E402
from support.databases import fresh_postgres_database  # noqa: E402

from apidesk.gateway.store import PostgresStore  # noqa: E402

START, END = "<!-- capacity-bench:start -->", "<!-- capacity-bench:end -->"

SCRIPTS = {
    "baseline: SELECT 1": "SELECT 1;\n",
    "key check lookup (random key)": (
        "\\set n random(0, :keys - 1)\n"  # noqa: S608 (a pgbench script of our own)
        + PostgresStore._FIND_KEY.replace("%(instance_id)s", ":instance")
        .replace("%(digest)s", "(SELECT digest FROM bench_digests WHERE n = :n)")
        .replace("%(api_id)s", ":api")
        .strip()
        + ";\n"
    ),
    "block-sized write: one-row UPDATE + commit": (
        "\\set id random(:first, :last)\nUPDATE users SET note = 'bench ' || :id WHERE id = :id;\n"
    ),
}


def pgbench(
    url: str, script: str, variables: dict[str, int], seconds: int, clients: int
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    try:
        command = [
            "pgbench",
            "-n",
            "-M",
            "prepared",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
            "-r",
            "-f",
            handle.name,
        ]
        for name, value in variables.items():
            command += ["-D", f"{name}={value}"]
        done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    finally:
        os.unlink(handle.name)
    tps = float(re.search(r"tps = ([\d.]+) \(without initial", done.stdout).group(1))  # type: ignore[union-attr]
    latency = float(re.search(r"latency average = ([\d.]+) ms", done.stdout).group(1))  # type: ignore[union-attr]
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    if failed and int(failed.group(1)):
        raise SystemExit(f"pgbench reported failed transactions:\n{done.stdout}")
    return {"tps": tps, "latency_ms": latency}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=10000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench is not installed: apt-get install postgresql-contrib")
    with fresh_postgres_database() as url, tempfile.TemporaryDirectory() as directory:
        print(f"seeding {args.subscriptions:,} users and subscriptions ...", flush=True)
        seed(url, Path(directory), args.subscriptions)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(
                "CREATE TABLE bench_digests AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS n,"
                " digest FROM subscription_keys"
            )
            connection.execute("ALTER TABLE bench_digests ADD PRIMARY KEY (n)")
            connection.execute("VACUUM ANALYZE")
            keys = connection.execute("SELECT count(*) FROM bench_digests").fetchone()[0]  # type: ignore[index]
            instance, api = connection.execute(
                "SELECT a.instance_id, a.id FROM apis a WHERE a.name = 'echo'"
            ).fetchone()  # type: ignore[misc]
            first, last = connection.execute("SELECT min(id), max(id) FROM users").fetchone()  # type: ignore[misc]
            version = connection.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        load = os.getloadavg()[0]
        variables = {"keys": keys, "instance": instance, "api": api, "first": first, "last": last}
        results = {}
        for name, script in SCRIPTS.items():
            print(f"{name} ...", flush=True)
            results[name] = pgbench(url, script, variables, args.duration, args.clients)
            print(f"  {results[name]['tps']:,.0f}/s", flush=True)
    write(render(results, args, str(version), load))
    print("wrote docs/benchmarks.md")


def render(
    results: dict[str, dict[str, float]], args: argparse.Namespace, version: str, load: float
) -> str:
    base = results["baseline: SELECT 1"]["tps"]
    lines = [
        START,
        "",
        f"Measured {date.today().isoformat()} with `bench/capacity.py` on this machine "
        f"({os.cpu_count()} cores, {platform.machine()}, PostgreSQL {version}, pgbench with "
        f"{args.clients} clients and 2 threads on the same machine, {args.duration} s per "
        f"script, {args.subscriptions:,} users and subscriptions; load average before: "
        f"{load:.1f}).",
        "",
        "| script | transactions/s | mean latency ms | ratio to SELECT 1 |",
        "|---|---|---|---|",
    ]
    for name, figures in results.items():
        lines.append(
            f"| {name} | {figures['tps']:,.0f} | {figures['latency_ms']:.2f} | "
            f"{figures['tps'] / base:.2f} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def write(section: str) -> None:
    write_section(START, END, "Capacity of one PostgreSQL server", section)


if __name__ == "__main__":
    main()
