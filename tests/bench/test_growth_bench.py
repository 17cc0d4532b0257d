"""bench/growth.py runs end to end at two small sizes on SQLite, as a smoke test: both tables
it writes (Growth, and The management path at the smaller size) come out with every figure.
No thresholds; the figures themselves are docs/benchmarks.md's business."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_growth_benchmark_writes_both_tables() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "growth.py"),
            *("--users", "60,120", "--databases", "sqlite"),
            *("--duration", "1", "--connections", "4", "--no-write"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "| database | figure | 60 req/s | p99 ms | 120 req/s | p99 ms |" in out, out
    assert "| sqlite | GET user |" in out and "| sqlite | console: Users page |" in out
    management = out[out.index("<!-- api-bench:start -->") :]
    assert "| sqlite | 60 | GET user |" in management, management
    assert "| sqlite | 120 |" not in management  # the smaller size only
