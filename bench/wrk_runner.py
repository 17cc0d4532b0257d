"""Running wrk and reading its figures, for the benchmarks in this folder."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass


@dataclass
class Result:
    scenario: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    baseline: str = ""
    # CPU milliseconds the server's processes spent per request, where the caller measured it.
    cpu_ms: float | None = None

    @property
    def valid(self) -> bool:
        """A figure counts only when every answer was a success (2xx or 3xx)."""
        return self.non_2xx == 0 and self.requests_per_second > 0


def wrk(
    url: str,
    seconds: int,
    connections: int,
    *extra: str,
    env: dict[str, str] | None = None,
    threads: int = 2,
    refusals_expected: bool = False,
) -> Result:
    """wrk's figures. With `refusals_expected`, the script counts the answers other than the
    refusal it expects (and prints them); those, not wrk's non-2xx count, are the failures."""
    command = [
        "wrk",
        "--latency",
        "--timeout",
        "30s",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        *extra,
        url,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def percentile(label: str) -> float:
        match = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", output)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    failed = int(non_2xx.group(1)) if non_2xx else 0
    if refusals_expected:
        unexpected = re.search(r"unexpected answers: (\d+)", output)
        assert unexpected, output
        failed = int(unexpected.group(1))
    if errors:
        failed += sum(int(errors.group(n)) for n in (1, 3, 4))
    return Result("", rps, percentile("50"), percentile("99"), failed)
