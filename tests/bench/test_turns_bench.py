"""bench/turns.py runs end to end at a small size, as a smoke test: every figure is measured
both ways, in turns and all at once, on SQLite and PostgreSQL, and a figure whose requests get
any answer but 2xx stops the bench. No thresholds: docs/benchmarks.md gives a full run's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.databases import need_postgres

ROOT = Path(__file__).resolve().parents[2]
FIGURES = [
    "console: Users page",
    "portal: sign-in page",
    "GET user",
    "list users: $filter + $top=100",
    "PATCH user (If-Match: *)",
]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_turns_benchmark_measures_every_figure_both_ways(database: str) -> None:
    if database == "postgresql":
        need_postgres()
    command = [sys.executable, str(ROOT / "bench" / "turns.py"), "--users", "300"]
    command += ["--databases", database, "--requests", "64", "--at-once", "8", "--rounds", "1"]
    done = subprocess.run(
        [*command, "--no-write"], capture_output=True, text=True, timeout=600, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split(" | ") for line in done.stdout.splitlines() if line.startswith("| ")]
    assert [row[0].removeprefix("| ") for row in rows] == FIGURES
    for row in rows:
        cpu_open, rate_open, cpu, rate = (float(cell.replace(",", "")) for cell in row[1:5])
        assert min(cpu_open, rate_open, cpu, rate) > 0
