"""bench/servers.py runs end to end at a small size, as a smoke test: Apidesk and the bare
routes start under uvicorn and under granian with two workers, and every figure is measured and
valid on SQLite and PostgreSQL. No thresholds: docs/benchmarks.md reports the full runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.databases import need_postgres

ROOT = Path(__file__).resolve().parents[2]
FIGURES = (
    "bare route: one indexed row",
    "bare route: 100 rows",
    "bare route: UPDATE + commit",
    "GET user",
    "list users: $filter + $top=100",
    "PATCH user (If-Match, spread)",
    "gateway check: valid key",
)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_server_benchmark_measures_every_figure_on_both_servers(database: str) -> None:
    if database == "postgresql":
        need_postgres()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "servers.py"),
            *("--users", "200", "--databases", database, "--duration", "1"),
            *("--connections", "4", "--rounds", "1", "--no-write"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith(f"| {database} |")]
    assert [row.split(" | ")[1] for row in rows[:-1]] == list(FIGURES)
    assert all(row.rstrip(" |").endswith("yes") for row in rows[:-1]), rows
    for row in rows[:-1]:  # both servers answered: a rate above zero for each
        cells = row.split(" | ")
        assert float(cells[2].replace(",", "")) > 0 and float(cells[5].replace(",", "")) > 0
