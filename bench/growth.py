"""Growth: each figure of bench/api.py at N users against the same figure at the smallest N.

    python bench/growth.py [--users 10000,100000] [--databases sqlite,postgresql] [--no-write]

Runs bench/api.py's measurement (its own baselines included) once per database and N, in one
sitting, and writes into docs/benchmarks.md, between its markers, each figure's requests/s and
p99 at every N with two ratios to the smallest N: of the requests/s as measured, and of the
ratio to its baseline from the same run (which takes out part of the machine's drift between
the runs). The target of issue 12: every figure at the largest N within 1.5x of the smallest.
The figures at the smallest N also replace bench/api.py's own table ("The management path"),
with the argon2id rate measured before and after the whole run, so the two sections agree.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import api  # noqa: E402
import api_report  # noqa: E402
from hashing import hash_cpu_ms, hash_rate  # noqa: E402
from sections import write_section  # noqa: E402
from wrk_runner import Result  # noqa: E402

START, END = "<!-- growth:start -->", "<!-- growth:end -->"


def _relative(result: Result, results: list[Result]) -> float | None:
    """The figure as a ratio to its baseline in the same run (None for the baselines)."""
    rates = api_report.baseline_rates(results)
    if result.baseline not in rates:
        return None
    return result.requests_per_second / rates[result.baseline]


def render(
    runs: dict[tuple[str, int], list[Result]],
    sizes: list[int],
    loads: list[str],
    args: argparse.Namespace,
) -> str:
    small = sizes[0]
    lines = [
        START,
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with `bench/growth.py "
        f"--users {','.join(map(str, sizes))}` (bench/api.py's figures and baselines, wrk with "
        f"{args.connections} connections, {args.duration} s per figure) on "
        f"{os.cpu_count()} shared cores; load average at the start of each run: "
        + "; ".join(loads)
        + ". *x* is the figure at N over the figure at "
        f"{small:,}; *x of ratio* the same for the figure's ratio to its baseline in its own run. "
        "Above 1 is faster at N; the target is at least 0.67 (within 1.5x).",
        "",
        "| database | figure | "
        + " | ".join(f"{n:,} req/s | p99 ms" for n in sizes)
        + " | "
        + " | ".join(f"x at {n:,} | x of ratio" for n in sizes[1:])
        + " |",
        "|---|---|" + "---|---|" * len(sizes) + "---|---|" * (len(sizes) - 1),
    ]
    databases = list(dict.fromkeys(database for database, _ in runs))
    for database in databases:
        first = runs[(database, small)]
        for index, result in enumerate(first):
            if result.scenario.startswith("warm"):
                continue
            cells = []
            for n in sizes:
                other = runs[(database, n)][index]
                mark = "" if other.valid else " (invalid)"
                cells += [f"{other.requests_per_second:,.0f}{mark}", f"{other.p99_ms:.1f}"]
            for n in sizes[1:]:
                results = runs[(database, n)]
                other = results[index]
                cells.append(f"{other.requests_per_second / result.requests_per_second:.2f}")
                before, after = _relative(result, first), _relative(other, results)
                cells.append(f"{after / before:.2f}" if before and after else "")
            lines.append(f"| {database} | {result.scenario} | " + " | ".join(cells) + " |")
    lines += ["", END]
    return "\n".join(lines)


def write(section: str) -> None:
    write_section(START, END, "Growth", section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="10000,100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-write", action="store_true")
    api_args = parser.parse_args()
    sizes = sorted(int(n) for n in api_args.users.split(","))
    runs: dict[tuple[str, int], list[Result]] = {}
    loads = []
    hashes_before = hash_rate()
    hash_cpu = hash_cpu_ms()
    for database in api_args.databases.split(","):
        for users in sizes:
            load = os.getloadavg()[0]
            loads.append(f"{database} {users:,}: {load:.2f}")
            print(f"{database}, {users:,} users (load {load:.2f}) ...", flush=True)
            with ExitStack() as stack:
                runs[(database, users)] = api.measure(
                    api.database_for(stack, database),
                    users,
                    api_args.duration,
                    api_args.connections,
                )
            for result in runs[(database, users)]:
                print(f"  {result.scenario}: {result.requests_per_second:,.0f}/s", flush=True)
    hashes_after = hash_rate()
    section = render(runs, sizes, loads, api_args)
    smallest = {key: results for key, results in runs.items() if key[1] == sizes[0]}
    management = api_report.render(smallest, (hashes_before, hashes_after), api_args, hash_cpu)
    print(section)
    print(management)
    if not api_args.no_write:
        write(section)
        api_report.write(management)
        print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
