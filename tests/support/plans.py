"""The query plans of every list the management API, the console and the portal offer.

support/plan_cases.py names every list request with each filter and sort it accepts (`Case`,
`cases`); support/plan_seed.py fills one instance with N users, groups, products,
subscriptions, audit events and outbox messages (`seed`). This module signs in an admin, an
operator and a developer (`browsers`); `run` sends one request to the running server, records
the SQL it runs (an engine event hook) and asks the database for the plan of each statement
that reads one of the big tables; `full_scans`, `sorts` and `index_reads` read those plans.
`bench/query_plans.py` writes the result into docs/query-plans.md and
`tests/storage/test_query_plans.py` asserts on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine, event
from support.console import Person, set_password
from support.inprocess import InProcessServer
from support.plan_cases import Case
from support.plan_seed import DEVELOPER, PASSWORD, SERVICE
from support.server import API_VERSION, RESOURCE_GROUP, SUBSCRIPTION, ServiceRef

from apidesk.domain.context import Context
from apidesk.domain.operators import service as operators

BIG_TABLES = ("users", "subscriptions", "group_members", "audit_events", "outbox_messages")
"""Tables that grow with the number of users; a list must never read all of one."""


@dataclass
class Statement:
    sql: str
    plan: list[str]

    @property
    def full_scans(self) -> list[str]:
        return full_scans(self.plan)


@dataclass
class Result:
    case: Case
    status: int
    statements: list[Statement]

    @property
    def full_scans(self) -> list[str]:
        return [line for statement in self.statements for line in statement.full_scans]

    @property
    def index_reads(self) -> list[str]:
        return [line for statement in self.statements for line in index_reads(statement.plan)]

    @property
    def sorts(self) -> list[str]:
        return [line for statement in self.statements for line in sorts(statement.plan)]

    @property
    def passes(self) -> bool:
        """Indexed as the case expects (always true where it expects no index)."""
        if self.case.uses is None:
            return True
        ordered = not (self.case.ordered and self.sorts)
        return self.shows_index and not self.full_scans and ordered

    @property
    def shows_index(self) -> bool:
        pattern = self.case.uses
        return pattern is not None and any(re.search(pattern, r) for r in self.index_reads)


@contextmanager
def _recording(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if not many and sql.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((sql, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


_BIG = re.compile(r"\b(FROM|JOIN)\s+(" + "|".join(BIG_TABLES) + r")\b", re.IGNORECASE)


def explain(engine: Engine, sql: str, params: Any, *, seqscan: bool = True) -> list[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            return [str(row[-1]) for row in rows]
        if not seqscan:
            conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + sql, params).all()
        conn.rollback()
        return [str(row[0]) for row in rows]


def full_scans(plan: list[str]) -> list[str]:
    """The plan's reads of a big table that no index condition narrows: SQLite's `SCAN t`
    (with or without an index), PostgreSQL's `Seq Scan on t` and index scans without an
    `Index Cond`, unless that index is walked in the page's order up to the LIMIT (no sort):
    PostgreSQL's choice where the instance holds nearly every row."""
    found = []
    walk = bool(plan) and plan[0].lstrip().startswith("Limit") and not sorts(plan)
    for number, line in enumerate(plan):
        sqlite = re.search(r"\bSCAN (\w+)", line)
        if sqlite and _is_big(sqlite.group(1)):
            found.append(line.strip())
            continue
        if re.search(r"Seq Scan on (\w+)", line) and _is_big(line.split(" on ")[1].split()[0]):
            found.append(line.strip())
            continue
        scan = re.search(r"Index (Only )?Scan (Backward )?using \w+ on (\w+)", line)
        narrowed = any("Index Cond" in d for d in _details(plan, number))
        if scan and _is_big(scan.group(3)) and not (narrowed or walk):
            found.append(line.strip())
    return found


def sorts(plan: list[str]) -> list[str]:
    """Sorts in the plan: SQLite's temporary B-trees, PostgreSQL's Sort nodes (an Incremental
    Sort only orders rows that tie on an index's order, a page's worth: not counted)."""
    return [
        line.strip()
        for line in plan
        if "TEMP B-TREE" in line or re.search(r"(^|->)\s*Sort\s+\(", line)
    ]


def _details(plan: list[str], number: int) -> list[str]:
    """The lines that describe the plan node on line `number`."""
    details = []
    for line in plan[number + 1 :]:
        if "->" in line:
            break
        details.append(line)
    return details


def index_reads(plan: list[str]) -> list[str]:
    """SQLite's SEARCH lines; PostgreSQL's index scans, each with its Index Cond."""
    reads = []
    for number, line in enumerate(plan):
        if "SEARCH " in line:
            reads.append(line.strip())
        elif re.search(r"Index (Only )?Scan", line):
            conditions = [d.strip() for d in _details(plan, number) if "Index Cond" in d]
            reads.append(" ".join([line.strip(), *conditions]))
    return reads


def _is_big(table: str) -> bool:
    return any(table == big or table.startswith(big + "_") for big in BIG_TABLES)


@dataclass
class Browsers:
    admin: httpx.Client
    operator: Person
    developer: Person


@contextmanager
def browsers(app: InProcessServer) -> Iterator[Browsers]:
    """An admin token, a signed-in operator and a signed-in developer."""
    with app.client() as admin, app.portal() as console, app.portal() as portal:
        with app.runtime.database.unit_of_work() as session:
            link = operators.create(Context(app.runtime, session, "plans"), "op@example.com").link
        landed = set_password(Person(console), link)
        assert landed.status_code == 303, landed.text
        developer = Person(portal)
        page = developer.get(f"/portal/{SERVICE}/signin")
        signed = developer.submit(
            page, f"/portal/{SERVICE}/signin", email=DEVELOPER, password=PASSWORD
        )
        assert signed.status_code == 303, signed.text
        yield Browsers(admin, Person(console), developer)


def request(app: InProcessServer, who: Browsers, case: Case) -> httpx.Response:
    if case.surface == "API":
        path = ServiceRef(SUBSCRIPTION, RESOURCE_GROUP, SERVICE).path + case.path
        return who.admin.get(path, params={"api-version": API_VERSION, **case.params})
    if case.surface == "Console":
        return who.operator.client.get(f"/console/{SERVICE}{case.path}", params=case.params)
    return who.developer.client.get(f"/portal/{SERVICE}{case.path}", params=case.params)


def run(app: InProcessServer, who: Browsers, case: Case, *, seqscan: bool = True) -> Result:
    """The request, and the plan of each statement it ran that reads a big table. Without
    `seqscan`, PostgreSQL plans with sequential scans switched off: what an index can do."""
    engine = app.runtime.database.engine
    with _recording(engine) as seen:
        answer = request(app, who, case)
    statements = [
        Statement(sql, explain(engine, sql, params, seqscan=seqscan))
        for sql, params in seen
        if _BIG.search(sql)
    ]
    return Result(case, answer.status_code, statements)
