"""Where SQLite's log is checkpointed: in the commit that crosses SQLite's mark (its default,
the baseline) or in a thread of the process (`apidesk serve`, apidesk.storage.checkpoints).

    .venv/bin/python bench/checkpoints.py [--writes 30000] [--rounds 2] [--no-write]

Each round makes a fresh SQLite file with 10,000 rows in a table shaped like the users' (a
unique name and e-mail, a note) and an audit table with its index, then times `--writes`
units of work like a PATCH's through `Database.unit_of_work` (the write turn, `BEGIN
IMMEDIATE`, the row's UPDATE and an audit row's INSERT, the commit), one after another in one
thread: once with SQLite's default, once with the checkpoint thread running. Rounds alternate
the two, so that a change in the machine's load shows in both. Results go to
docs/benchmarks.md between the checkpoints markers unless --no-write.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import text

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from sections import write_section  # noqa: E402

from apidesk.storage.database import Database, open_database  # noqa: E402

START, END = "<!-- checkpoints-bench:start -->", "<!-- checkpoints-bench:end -->"
ROWS = 10_000
MODES = ("in the commit (SQLite's default)", "in a thread (apidesk serve)")

_SCHEMA = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " email TEXT NOT NULL UNIQUE, note TEXT, etag TEXT NOT NULL)",
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, at REAL NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, target TEXT NOT NULL, changes TEXT NOT NULL)",
    "CREATE INDEX audit_by_target ON audit (target, at)",
)
_UPDATE = text("UPDATE users SET note = :note, etag = :etag WHERE id = :id")
_AUDIT = text(
    "INSERT INTO audit (at, actor, action, target, changes)"
    " VALUES (:at, 'token:bench', 'user.update', :target, :changes)"
)


@dataclass(frozen=True)
class Result:
    mode: str
    round: int
    micros: list[float]  # each unit of work, sorted
    seconds: float

    def quantile(self, q: float) -> float:
        return self.micros[min(len(self.micros) - 1, int(len(self.micros) * q))]

    @property
    def mean(self) -> float:
        return sum(self.micros) / len(self.micros)

    @property
    def rate(self) -> float:
        return len(self.micros) / self.seconds

    @property
    def slow_ms(self) -> float:
        """Milliseconds spent in units of work that took more than one."""
        return sum(m for m in self.micros if m > 1000) / 1000


def _prepared(path: Path) -> Database:
    database = open_database(f"sqlite:///{path}")
    with database.unit_of_work() as session:
        for statement in _SCHEMA:
            session.execute(text(statement))
        session.execute(
            text("INSERT INTO users (id, name, email, note, etag) VALUES (:i, :n, :e, '', 'x')"),
            [{"i": i, "n": f"u{i}", "e": f"u{i}@example.com"} for i in range(ROWS)],
        )
    return database


def measure(mode: str, round_: int, writes: int, directory: Path) -> Result:
    database = _prepared(directory / f"checkpoints-{round_}-{MODES.index(mode)}.sqlite")
    try:
        if mode == MODES[1]:
            database.checkpoint_in_background()
        chosen = random.Random(round_)
        micros: list[float] = []
        started = time.perf_counter()
        for n in range(writes):
            user = chosen.randrange(ROWS)
            before = time.perf_counter()
            with database.unit_of_work() as session:
                session.execute(_UPDATE, {"note": f"note {n}", "etag": f"e{n}", "id": user})
                session.execute(
                    _AUDIT,
                    {"at": time.time(), "target": f"users/u{user}", "changes": '{"note": 1}'},
                )
            micros.append((time.perf_counter() - before) * 1e6)
        seconds = time.perf_counter() - started
    finally:
        database.dispose()
    return Result(mode, round_, sorted(micros), seconds)


def render(results: list[Result], writes: int) -> str:
    load = os.getloadavg()[0]
    lines = [
        START,
        "",
        f"Measured {date.today().isoformat()} with `bench/checkpoints.py` on this machine "
        f"({os.cpu_count()} cores, {platform.machine()}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}); {writes:,} units of work per run, one thread, rounds "
        f"alternating; load average at the end: {load:.1f}.",
        "",
        "| checkpoint | round | units/s | mean µs | p50 µs | p99 µs | p99.9 µs | max µs "
        "| ms in units over 1 ms | mean vs. baseline |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        baseline = next(r for r in results if r.round == result.round and r.mode == MODES[0])
        lines.append(
            f"| {result.mode} | {result.round} | {result.rate:,.0f} | {result.mean:,.0f} "
            f"| {result.quantile(0.5):,.0f} | {result.quantile(0.99):,.0f} "
            f"| {result.quantile(0.999):,.0f} | {result.micros[-1]:,.0f} "
            f"| {result.slow_ms:,.0f} | {result.mean / baseline.mean:.2f} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="apidesk-checkpoints-bench-") as directory:
        for round_ in range(1, args.rounds + 1):
            for mode in MODES:
                result = measure(mode, round_, args.writes, Path(directory))
                results.append(result)
                print(
                    f"  {mode}, round {round_}: {result.rate:,.0f} units/s, "
                    f"p99.9 {result.quantile(0.999):,.0f} µs",
                    flush=True,
                )
    section = render(results, args.writes)
    print(section)
    if not args.no_write:
        write_section(START, END, "SQLite checkpoints", section)


if __name__ == "__main__":
    main()
