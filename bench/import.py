"""Bulk import speed, on SQLite and PostgreSQL.

    .venv/bin/python bench/import.py [--users 100000,1000000] [--databases sqlite,postgresql]

Generates a CSV file of N users (no passwords; every seventh in a custom group, every third
with a note), imports it with `apidesk users import` into a fresh database, and reports users
per second: the command's own figure (reading, checking and writing the file, the digest
included) and the wall time of the whole command (process start-up included). Results go to
docs/benchmarks.md, between the import markers.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sections import write_section  # noqa: E402
from support.databases import fresh_postgres_database  # noqa: E402

from apidesk.bootstrap import build_runtime, prepare  # noqa: E402
from apidesk.domain.context import Context, InstanceContext  # noqa: E402
from apidesk.domain.groups import service as groups  # noqa: E402
from apidesk.domain.instances import service as instances  # noqa: E402
from apidesk.settings import Settings  # noqa: E402

START, END = "<!-- import-bench:start -->", "<!-- import-bench:end -->"
RATE = re.compile(r"\(([\d,]+) rows in ([\d.]+) s")


@dataclass(frozen=True)
class Result:
    database: str
    users: int
    seconds: float
    wall: float
    cpu: float
    load: float

    @property
    def rate(self) -> float:
        return self.users / self.seconds


def generate(path: Path, count: int) -> None:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "email", "firstName", "lastName", "state", "groups", "note"])
        for i in range(count):
            writer.writerow(
                [
                    f"user-{i:07d}",
                    f"user{i}@example{i % 1000}.com",
                    f"First{i}",
                    "Bench",
                    "active" if i % 10 else "blocked",
                    "bench" if i % 7 == 0 else "",
                    "imported for the benchmark" if i % 3 == 0 else "",
                ]
            )


def _database(kind: str, directory: Path) -> AbstractContextManager[str]:
    if kind == "sqlite":
        return nullcontext(f"sqlite:///{directory / 'bench.db'}")
    return fresh_postgres_database()


def run_one(kind: str, source: Path, count: int, directory: Path) -> Result:
    with _database(kind, directory) as url:
        settings = Settings(database_url=url, secret_key_file=directory / f"{kind}.key")
        runtime = build_runtime(settings)
        prepare(runtime)
        with runtime.database.unit_of_work() as session:
            ctx = Context(runtime, session, "bench")
            instance = instances.find_by_name(ctx, settings.default_service_name)
            assert instance is not None
            groups.create_or_update(
                InstanceContext.of(ctx, instance), "bench", {"display_name": "Bench"}
            )
        runtime.database.dispose()
        env = {
            **os.environ,
            "APIDESK_DATABASE_URL": url,
            "APIDESK_SECRET_KEY_FILE": str(directory / f"{kind}.key"),
        }
        load = os.getloadavg()[0]
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "apidesk", "users", "import", str(source)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime
        if done.returncode != 0:
            raise SystemExit(f"the import failed:\n{done.stdout}\n{done.stderr}")
        match = RATE.search(done.stdout)
        assert match, done.stdout
        rows, seconds = int(match.group(1).replace(",", "")), float(match.group(2))
        assert rows == count, done.stdout
        return Result(kind, count, seconds, wall, cpu, load)


def render(results: list[Result]) -> str:
    cpu = platform.processor() or platform.machine()
    lines = [
        START,
        "",
        f"Measured {date.today():%Y-%m-%d} with `bench/import.py` on this machine "
        f"({os.cpu_count()} cores, {cpu}; Python {platform.python_version()}); one import "
        "process, batches of 5,000 rows, the database on the same machine.",
        "",
        "| database | users | import s | users/s | whole command s | command CPU s "
        "| load average before |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.database} | {r.users:,} | {r.seconds:.1f} | {r.rate:,.0f} | {r.wall:.1f} "
            f"| {r.cpu:.1f} | {r.load:.1f} |"
        )
    lines.extend(
        [
            "",
            "*import s* is the command's own measure (digest, reading, checking, writing); the "
            "whole command adds the start-up. *Command CPU s* is the CPU time of the import's "
            "two processes (user and system), without the database server's. On a machine "
            "shared with other work (see the load average), the wall-clock figures drop while "
            "the CPU time stays put.",
        ]
    )
    lines.extend(["", END])
    return "\n".join(lines)


def write(section: str) -> None:
    write_section(START, END, "Bulk import", section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        for count in (int(c) for c in args.users.split(",")):
            source = directory / f"users-{count}.csv"
            generate(source, count)
            for kind in args.databases.split(","):
                print(f"{kind}, {count:,} users ...", flush=True)
                result = run_one(kind, source, count, directory)
                (directory / "bench.db").unlink(missing_ok=True)
                print(f"  {result.rate:,.0f} users/s ({result.seconds:.1f} s)", flush=True)
                results.append(result)
    section = render(results)
    print(section)
    if not args.no_write:
        write(section)
        print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
