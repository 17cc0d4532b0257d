"""bench/checkpoints.py runs end to end at a small size, as a smoke test: every round of both
ways of checkpointing is measured and reported beside the baseline of its round. No
thresholds: docs/benchmarks.md gives the figures of a full run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_checkpoints_benchmark_measures_both_ways_in_every_round() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "checkpoints.py"), "--writes", "1500", "--no-write"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split(" | ") for line in done.stdout.splitlines() if line.startswith("| in ")]
    assert [(row[0].lstrip("| "), row[1]) for row in rows] == [
        ("in the commit (SQLite's default)", "1"),
        ("in a thread (apidesk serve)", "1"),
        ("in the commit (SQLite's default)", "2"),
        ("in a thread (apidesk serve)", "2"),
    ]
    for row in rows:
        assert float(row[2].replace(",", "")) > 0  # units per second
        assert row[-1].rstrip(" |") == "1.00" or row[0].startswith("| in a thread")
