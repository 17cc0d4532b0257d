"""bench/api.py runs end to end at a small size, as a smoke test: every figure is measured and
valid (no answer other than the expected ones) on SQLite and PostgreSQL. No thresholds: the
test suite makes no claim about speed; docs/benchmarks.md does, from full runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.databases import need_postgres

ROOT = Path(__file__).resolve().parents[2]
FIGURES = (
    "baseline: one indexed row",
    "baseline: 100 rows",
    "baseline: UPDATE + commit",
    "GET user",
    "list users: $filter + $top=100",
    "list users: first page ($top=100)",
    "list users: $filter email eq, any of N",
    "PATCH user (If-Match, spread)",
    "PATCH user (If-Match, one hot user)",
    "create user, no password",
    "create user with password",
    "gateway check: valid key",
    "gateway check: no key (401 expected)",
    "portal sign-in",
    "console: Users page",
    "baseline again: one indexed row",
    "baseline again: 100 rows",
    "baseline again: UPDATE + commit",
)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_management_benchmark_measures_every_figure(database: str) -> None:
    if database == "postgresql":
        need_postgres()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "api.py"),
            "--users",
            "200",
            "--databases",
            database,
            "--duration",
            "1",
            "--connections",
            "4",
            "--no-write",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith(f"| {database} |")]
    assert [row.split(" | ")[2] for row in rows] == list(FIGURES)
    assert all(row.rstrip(" |").endswith("yes") for row in rows), rows
