"""The query plans of every list the API, the console and the portal offer, at N users.

    python bench/query_plans.py [--users 100000] [--databases sqlite,postgresql] [--no-write]

For each database: an in-process server (the same app `apidesk serve` runs) on a fresh
database, seeded by bulk inserts with N users, N/2 subscriptions, N audit events and N/10
e-mails (tests/support/plan_seed.py); then each list request once, with every SELECT it runs
recorded by an engine hook and explained by the database (SQLite: EXPLAIN QUERY PLAN, without
statistics, as Apidesk runs it; PostgreSQL: EXPLAIN after ANALYZE, as autovacuum leaves it).
The time is the median of three requests over loopback, one at a time: how long one page takes
on an idle server, not a throughput. Writes docs/query-plans.md between its markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import plan_cases, plan_seed, plans  # noqa: E402
from support.databases import database_for  # noqa: E402
from support.inprocess import in_process_server  # noqa: E402

START, END = "<!-- query-plans:start -->", "<!-- query-plans:end -->"
DOC = ROOT / "docs" / "query-plans.md"


Run = tuple[list[plans.Result], list[plans.Result], list[float], str]
"""The plans as the database chooses them, the plans with sequential scans off (the same on
SQLite), the times, and the database's version."""


def measure(backend: str, users: int) -> Run:
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = stack.enter_context(database_for(backend, directory))
        app = stack.enter_context(in_process_server(url, directory, None))
        began = time.monotonic()
        plan_seed.seed(app, users)
        print(f"  seeded in {time.monotonic() - began:.0f} s", flush=True)
        who = stack.enter_context(plans.browsers(app))
        results, checked, timings = [], [], []
        for case in plan_cases.cases(users):
            results.append(plans.run(app, who, case))
            checked.append(plans.run(app, who, case, seqscan=False))
            took = []
            for _ in range(3):
                began = time.perf_counter()
                plans.request(app, who, case)
                took.append((time.perf_counter() - began) * 1000)
            timings.append(statistics.median(took))
        with app.runtime.database.engine.connect() as conn:
            asked = "SELECT sqlite_version()" if backend == "sqlite" else "SELECT version()"
            version = str(conn.exec_driver_sql(asked).scalar())
        return results, checked, timings, version


def verdict(result: plans.Result) -> str:
    if result.status != 200:
        return f"HTTP {result.status}"
    if result.case.uses is None:
        return "not indexed" if result.case.note.startswith(("not", "substring")) else "-"
    if not result.shows_index or result.full_scans:
        return "**NO INDEX**"
    if result.case.ordered and result.sorts:
        return "index, then a sort"
    return "index"


_COLUMNS = re.compile(r"SELECT (?!count)(.{60,}?) FROM", re.DOTALL)


def shorten(sql: str) -> str:
    """The SQL with long column lists elided."""
    sql = re.sub(r"\s+", " ", sql).strip()
    return _COLUMNS.sub("SELECT … FROM", sql)


def render(runs: dict[str, Run], users: int) -> str:
    backends = list(runs)
    load = os.getloadavg()
    lines = [
        START,
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by "
        f"`python bench/query_plans.py --users {users}` at {users:,} users "
        f"({users // 2:,} subscriptions, {users:,} audit events, {users // 10:,} e-mails), "
        f"one instance. {platform.python_implementation()} {platform.python_version()}, "
        + ", ".join(_version(b, runs[b][3]) for b in backends)
        + ". Load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} shared cores; the "
        "times are the median of three single requests on an otherwise idle server, including "
        "the whole request path, and move with the machine's load. A plan column says whether "
        "an index answers the request as the test requires (on PostgreSQL read from the plan "
        "with sequential scans switched off: whether an index can answer it); the plans below "
        "are the ones each database chooses by itself. A PostgreSQL plan may count an "
        "instance's rows with a sequential scan where it reads most of the table anyway.",
        "",
        "| surface | request | " + " | ".join(f"{b} plan | {b} ms" for b in backends) + " | note |",
        "|---|---|" + "---|---|" * len(backends) + "---|",
    ]
    first = runs[backends[0]][0]
    for number, result in enumerate(first):
        case = result.case
        cells = []
        for backend in backends:
            _, checked, timings, _ = runs[backend]
            cells += [verdict(checked[number]), f"{timings[number]:.0f}"]
        title = case.title.replace("|", "\\|")
        lines.append(f"| {case.surface} | `{title}` | " + " | ".join(cells) + f" | {case.note} |")
    lines += ["", "### The plans", ""]
    for number, result in enumerate(first):
        lines += [f"#### {result.case.surface} `{result.case.title}`", ""]
        for backend in backends:
            statements = runs[backend][0][number].statements
            lines += [f"{backend}:", "", "```"]
            if not statements:
                lines.append("(no statement reads a table that grows with the users)")
            for statement in statements:
                lines.append(shorten(statement.sql))
                lines += [f"    {line}" for line in statement.plan]
            lines += ["```", ""]
    lines.append(END)
    return "\n".join(lines)


def _version(backend: str, reported: str) -> str:
    return f"SQLite {reported}" if backend == "sqlite" else reported.split(" on ")[0]


def write(section: str) -> None:
    text = DOC.read_text()
    DOC.write_text(text[: text.index(START)] + section + text[text.index(END) + len(END) :])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    runs = {}
    for backend in args.databases.split(","):
        print(f"{backend}, {args.users:,} users ...", flush=True)
        runs[backend] = measure(backend, args.users)
        for result in runs[backend][1]:
            print(f"  {verdict(result):20} {result.case.surface} {result.case.title}", flush=True)
    section = render(runs, args.users)
    if args.no_write:
        print(section)
    else:
        write(section)
        print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
