"""`bench/api.py`'s table: each figure beside the mean of its baseline's two measures, in
requests/s and in the server's CPU time per request."""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

from sections import write_section
from wrk_runner import Result

START, END = "<!-- api-bench:start -->", "<!-- api-bench:end -->"


BASELINES = {"1 row": "one indexed row", "100 rows": "100 rows", "UPDATE": "UPDATE + commit"}


def _baseline_means(
    results: list[Result], value: Callable[[Result], float | None]
) -> dict[str, float]:
    """Each baseline's `value` in a run: the mean of its measure before the figures and after
    them (a baseline with neither measure is left out)."""
    means = {}
    for key, name in BASELINES.items():
        measured = [
            found
            for result in results
            if result.scenario in (f"baseline: {name}", f"baseline again: {name}")
            and (found := value(result))
        ]
        if measured:
            means[key] = sum(measured) / len(measured)
    return means


def baseline_rates(results: list[Result]) -> dict[str, float]:
    """Each baseline's requests/s in a run (`_baseline_means`)."""
    return _baseline_means(results, lambda result: result.requests_per_second)


def baseline_cpu(results: list[Result]) -> dict[str, float]:
    """Each baseline's server CPU milliseconds per request in a run (`_baseline_means`)."""
    return _baseline_means(results, lambda result: result.cpu_ms)


def render(
    runs: dict[tuple[str, int], list[Result]],
    measured: tuple[float, float],
    args: argparse.Namespace,
    hash_cpu_ms: float | None = None,
) -> str:
    from importlib.metadata import version

    import starlette
    import uvicorn

    hashes = sum(measured) / 2
    lines = [
        START,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `bench/api.py` on this machine: "
        f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"uvicorn {uvicorn.__version__}, Starlette {starlette.__version__}, argon2-cffi "
        f"{version('argon2-cffi')}. wrk with 2 threads and {args.connections} connections, "
        f"{args.duration} s per figure, on the same machine as the servers. `apidesk serve` "
        f"with its default workers ({os.cpu_count()}); the baselines (bench/baseline_app.py) "
        "under the same uvicorn with as many workers, on the same database. argon2id with the "
        f"configured parameters: {measured[0]:,.1f} hashes/s on all cores before the figures, "
        f"{measured[1]:,.1f} after; the ratios use their mean. The baselines run before the "
        "figures and again after them; each ratio is to the mean of a baseline's two runs. "
        "*CPU ms* is the CPU time the server's processes (apidesk serve's, or the baseline "
        "app's) spent per request, read from /proc (PostgreSQL's own processes are not "
        "counted); *CPU ratio* is the baseline's over the figure's, which the machine's load "
        "moves much less than it moves *ratio*"
        + (
            f" (for argon2, one hash: {hash_cpu_ms:.1f} ms of CPU in one process)."
            if hash_cpu_ms
            else "."
        ),
        "",
        "| database | users | figure | requests/s | p50 ms | p99 ms | baseline | ratio | CPU ms "
        "| CPU ratio | valid |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (database, users), results in runs.items():
        rates, costs = baseline_rates(results), baseline_cpu(results)
        if hash_cpu_ms:
            costs["argon2"] = hash_cpu_ms
        for result in results:
            reference = (
                hashes
                if result.baseline == "argon2"
                else rates[result.baseline]
                if result.baseline
                else None
            )
            ratio = f"{result.requests_per_second / reference:.2f}" if reference else ""
            cost = costs.get(result.baseline) if result.baseline else None
            cpu = f"{result.cpu_ms:.2f}" if result.cpu_ms else ""
            cpu_ratio = f"{cost / result.cpu_ms:.2f}" if cost and result.cpu_ms else ""
            lines.append(
                f"| {database} | {users:,} | {result.scenario} | "
                f"{result.requests_per_second:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
                f"{result.baseline} | {ratio} | {cpu} | {cpu_ratio} | "
                f"{'yes' if result.valid else 'NO'} |"
            )
    lines += ["", END]
    return "\n".join(lines)


def write(section: str) -> None:
    write_section(START, END, "The management path", section)
