"""The query plans of every list the management API, the console and the portal offer.

`seed` fills one instance with N users, groups, products, subscriptions, audit events and
outbox messages (bulk inserts, no hashing); `CASES` names every list request with each filter
and sort it accepts; `plans` sends each request to a running server, records the SQL it runs
(an engine event hook) and asks the database for the plan of each statement that reads one of
the big tables. `bench/query_plans.py` writes the result into docs/query-plans.md and
`tests/storage/test_query_plans.py` asserts on it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, event, insert, select, text
from support.console import Person, set_password
from support.inprocess import InProcessServer
from support.server import API_VERSION, RESOURCE_GROUP, SUBSCRIPTION, ServiceRef

from apidesk.domain.context import Context
from apidesk.domain.operators import service as operators
from apidesk.storage.models import (
    AuditEvent,
    Group,
    GroupMember,
    Instance,
    OutboxMessage,
    Product,
    Subscription,
    User,
)

BIG_TABLES = ("users", "subscriptions", "group_members", "audit_events", "outbox_messages")
"""Tables that grow with the number of users; a list must never read all of one."""

SERVICE = "plans"
START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    surface: str  # "API", "Console" or "Portal"
    path: str  # after the instance's base path
    params: dict[str, str] = field(default_factory=dict)
    uses: str | None = None
    """A pattern the index reads of the plans must show (SQLite's SEARCH lines, PostgreSQL's
    index names and Index Cond lines); None where no B-tree answers the request (see note)."""
    note: str = ""
    ordered: bool = False
    """The page is read in its order from an index: no sort in any of its plans."""

    @property
    def title(self) -> str:
        shown = "&".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.path}?{shown}" if shown else self.path


SMALL = "a small table (tens of rows per instance)"
SUBSTRING = "substring: no B-tree index can answer it; reads the instance's rows"
NAMES = "not indexed: first and last names compare lowered by the database"
WALK = "filters the instance's events newest first, through the index, until a page is full"

# (surface, path, params, the index reads the plans must show or None, ordered, note)
_CASES: list[tuple[str, str, dict[str, str], str | None, bool, str]] = [
    ("API", "/users", {"$top": "100"}, r"ix_users_browse\b|pk_users", True, ""),
    (
        "API",
        "/users",
        {"$top": "100", "$skip": "{mid}"},
        r"ix_users_browse\b|pk_users",
        False,
        "offset paging: the database steps over $skip index entries",
    ),
    ("API", "/users", {"$filter": "name eq '{u}'"}, r"name_key", False, ""),
    ("API", "/users", {"$filter": "startswith(name,'{u_}')"}, r"name_key", False, ""),
    ("API", "/users", {"$filter": "name ge '{u}' and name lt '{u9}'"}, r"name_key", False, ""),
    ("API", "/users", {"$filter": "email eq 'User{mid}@example.com'"}, r"email_key", False, ""),
    ("API", "/users", {"$filter": "startswith(email,'user{mid10}')"}, r"email_key", False, ""),
    ("API", "/users", {"$filter": "state eq 'Blocked'"}, r"ix_users_browse_state", False, ""),
    (
        "API",
        "/users",
        {"$filter": "registrationDate ge datetime'{late}'"},
        r"registration_date",
        False,
        "",
    ),
    ("API", "/users", {"$filter": "firstName eq 'First{mid}'"}, None, False, NAMES),
    ("API", "/users", {"$filter": "startswith(lastName,'Last{last}')"}, None, False, NAMES),
    ("API", "/users", {"$filter": "contains(email,'{mid}')"}, None, False, SUBSTRING),
    ("API", "/users", {"$filter": "endswith(lastName,'{last}')"}, None, False, SUBSTRING),
    ("API", "/groups", {}, None, False, SMALL),
    ("API", "/groups/members/users", {"$top": "100"}, r"group_id", False, ""),
    ("API", "/groups/few/users", {"$filter": "startswith(name,'u')"}, r"group_id", False, ""),
    ("API", "/users/{u}/groups", {}, r"user_id|group_id", False, ""),
    ("API", "/users/{u}/subscriptions", {}, r"owner_id", False, ""),
    (
        "API",
        "/subscriptions",
        {"$top": "100"},
        r"ix_subscriptions_browse\b|pk_subscriptions",
        True,
        "",
    ),
    (
        "API",
        "/subscriptions",
        {"$filter": "name eq '{s}'"},
        r"subscriptions\S* .*name_key",
        False,
        "",
    ),
    (
        "API",
        "/subscriptions",
        {"$filter": "startswith(name,'{s_}')"},
        r"subscriptions\S* .*name_key",
        False,
        "",
    ),
    (
        "API",
        "/subscriptions",
        {"$filter": "state eq 'Submitted'"},
        r"ix_subscriptions_browse_state",
        False,
        "",
    ),
    ("API", "/subscriptions", {"$filter": "userId eq '{u}'"}, r"owner_id", False, ""),
    ("API", "/subscriptions", {"$filter": "productId eq 'silver'"}, r"product_id", False, ""),
    (
        "API",
        "/subscriptions",
        {"$filter": "ownerId eq '/users/{u}'"},
        None,
        False,
        "not indexed: ownerId compares as the full resource id, built in SQL",
    ),
    (
        "API",
        "/products/silver/subscriptions",
        {"$top": "100"},
        r"product_id",
        False,
        "",
    ),
    ("API", "/products", {"$filter": "state eq 'published'"}, None, False, SMALL),
    ("API", "/products/gold/groups", {}, None, False, SMALL),
    ("API", "/products/gold/apis", {}, None, False, SMALL),
    ("API", "/apis", {}, None, False, SMALL),
    ("API", "/templates", {}, None, False, "a fixed list"),
    ("API", "/notifications", {}, None, False, "a fixed list; recipients by (instance, name)"),
    ("Console", "/users", {}, r"ix_users_browse_registered", True, ""),
    (
        "Console",
        "/users",
        {"sort": "name", "order": "asc"},
        r"ix_users_browse_first_name",
        True,
        "",
    ),
    (
        "Console",
        "/users",
        {"sort": "email"},
        r"sqlite_autoindex_users_\d|uq_users_instance_id_email_key",
        True,
        "",
    ),
    ("Console", "/users", {"sort": "state"}, r"ix_users_browse_state", True, ""),
    ("Console", "/users", {"state": "pending"}, r"ix_users_browse_state_registered", True, ""),
    (
        "Console",
        "/users",
        {"search": "user{mid}"},
        None,
        False,
        "substring search: walks the instance's users in page order until a page is full",
    ),
    ("Console", "/subscriptions", {}, r"ix_subscriptions_browse\b|pk_subscriptions", True, ""),
    (
        "Console",
        "/subscriptions",
        {"state": "submitted"},
        r"ix_subscriptions_browse_state",
        True,
        "",
    ),
    ("Console", "/subscriptions", {"product": "silver"}, r"product_id", False, ""),
    ("Console", "/subscriptions", {"owner": "{u}"}, r"owner_id", False, ""),
    (
        "Console",
        "/subscriptions",
        {"search": "{s}"},
        None,
        False,
        "substring search, as on the Users page",
    ),
    ("Console", "/groups", {}, None, False, SMALL),
    ("Console", "/products", {}, None, False, SMALL),
    ("Console", "/audit", {}, r"ix_audit_events_browse|pk_audit_events", True, ""),
    (
        "Console",
        "/audit",
        {"action": "user."},
        r"ix_audit_events_browse|pk_audit_events",
        True,
        WALK,
    ),
    ("Console", "/audit", {"target": "{u}"}, r"ix_audit_events_browse|pk_audit_events", True, WALK),
    ("Console", "/outbox", {}, r"ix_outbox_messages_browse\b|pk_outbox_messages", True, ""),
    ("Console", "/outbox", {"status": "failed"}, r"status", False, ""),
    ("Portal", "/products", {}, None, False, SMALL),
    ("Portal", "/subscriptions", {}, r"owner_id", False, ""),
]


def cases(n: int) -> list[Case]:
    """Every list with each filter and sort, with values that exist for any N >= 1,000."""
    mid = n // 2
    values = {
        "mid": str(mid),
        "mid10": str(mid // 10),
        "last": str(mid % 997),
        "u": f"u{mid:07}",
        "u_": f"u{mid:07}"[:-2],
        "u9": f"u{mid:07}"[:-1] + "9",
        "s": f"s{mid:07}",
        "s_": f"s{mid:07}"[:-2],
        "late": (START + timedelta(seconds=n - 50)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return [
        Case(
            surface,
            path.format(**values),
            {key: value.format(**values) for key, value in params.items()},
            uses,
            note,
            ordered,
        )
        for surface, path, params, uses, ordered, note in _CASES
    ]


# Seeding ----------------------------------------------------------------------------------

PASSWORD = "a long and quiet harbour"
DEVELOPER = "dev@example.com"
CHUNK = 5_000


def seed(app: InProcessServer, n: int) -> None:
    """One instance with `n` users, all of them developers (as an import makes them); every
    100th is in group `members`, ten are in `few`; a
    subscription for every other user (gold or silver); `n` audit events, `n // 10` e-mails."""
    ref = app.new_service(SERVICE)
    with app.client() as http:

        def put(path: str, properties: dict[str, object] | None = None) -> None:
            body = {"properties": properties} if properties is not None else None
            answer = http.put(ref.path + path, params={"api-version": API_VERSION}, json=body)
            assert answer.status_code < 300, answer.text

        put("/apis/echo", {"displayName": "Echo", "path": "echo"})
        for name in ("gold", "silver"):
            put(f"/products/{name}", {"displayName": name.title(), "state": "published"})
        put("/products/gold/apis/echo")
        for name in ("members", "few"):
            put(f"/groups/{name}", {"displayName": name.title()})
        put("/products/gold/groups/developers")
        put(
            "/users/dev",
            {"email": DEVELOPER, "firstName": "D", "lastName": "V", "password": PASSWORD},
        )
    engine = app.runtime.database.engine
    with engine.begin() as conn:
        instance = conn.scalar(select(Instance.id).where(Instance.name == SERVICE))
        groups = dict(
            conn.execute(select(Group.name, Group.id).where(Group.instance_id == instance)).all()
        )
        products = dict(
            conn.execute(
                select(Product.name, Product.id).where(Product.instance_id == instance)
            ).all()
        )
        for first in range(0, n, CHUNK):
            _users(conn, instance, range(first, min(n, first + CHUNK)))
        ids = conn.execute(
            select(User.id, User.name).where(User.instance_id == instance, User.name.like("u%"))
        ).all()
        ids.sort(key=lambda row: row[1])
        members = [(uid, groups["developers"]) for uid, _ in ids]
        members += [(uid, groups["members"]) for uid, _ in ids[::100]]
        members += [(uid, groups["few"]) for uid, _ in ids[:: max(1, n // 10)][:10]]
        for first in range(0, len(members), CHUNK):
            conn.execute(
                insert(GroupMember),
                [
                    {"group_id": g, "user_id": uid, "instance_id": instance}
                    for uid, g in members[first : first + CHUNK]
                ],
            )
        for first in range(0, n, CHUNK * 2):
            _subscriptions(conn, instance, products, ids[first : first + CHUNK * 2])
        for first in range(0, n, CHUNK):
            _events(conn, range(first, min(n, first + CHUNK)))
        for first in range(0, n // 10, CHUNK):
            _mail(conn, instance, range(first, min(n // 10, first + CHUNK)))
    analyze(engine)


def analyze(engine: Engine) -> None:
    """PostgreSQL's statistics, as autovacuum keeps them. SQLite's are left alone: Apidesk
    never runs ANALYZE there, so its planner works without them."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def _users(conn: Any, instance: int, numbers: range) -> None:
    conn.execute(
        insert(User),
        [
            {
                "instance_id": instance,
                "name": f"u{k:07}",
                "name_key": f"u{k:07}",
                "email": f"user{k}@example.com",
                "email_key": f"user{k}@example.com",
                "first_name": f"First{k}",
                "last_name": f"Last{k % 997}",
                "state": "blocked" if k % 100 == 7 else "active",
                "identities": [],
                "registration_date": START + timedelta(seconds=k),
                "stamp": secrets.token_hex(16),
                "etag": "e",
            }
            for k in numbers
        ],
    )


def _subscriptions(
    conn: Any, instance: int, products: dict[str, int], owners: list[tuple[int, str]]
) -> None:
    rows = []
    for uid, name in owners[::2]:
        k = int(name[1:])
        product = "silver" if k % 100 == 4 else "gold"
        rows.append(
            {
                "instance_id": instance,
                "name": f"s{k:07}",
                "name_key": f"s{k:07}",
                "owner_id": uid,
                "scope": f"/products/{product}",
                "product_id": products[product],
                "display_name": f"Plan {k}",
                "state": "submitted" if k % 50 == 0 else "active",
                "allow_tracing": False,
                "created_at": START + timedelta(seconds=k),
                "primary_key": "-",
                "secondary_key": "-",
                "etag": "e",
            }
        )
    if rows:
        conn.execute(insert(Subscription), rows)


def _events(conn: Any, numbers: range) -> None:
    conn.execute(
        insert(AuditEvent),
        [
            {
                "instance_name": SERVICE,
                "at": START + timedelta(seconds=k),
                "actor": "admin",
                "action": "user.create" if k % 2 else "subscription.update",
                "target": f"/users/u{k:07}",
                "changes": {},
            }
            for k in numbers
        ],
    )


def _mail(conn: Any, instance: int, numbers: range) -> None:
    conn.execute(
        insert(OutboxMessage),
        [
            {
                "instance_id": instance,
                "template": "welcome",
                "sender": "apim@example.com",
                "sender_name": "Plans",
                "to_address": f"user{k}@example.com",
                "bcc": [],
                "subject": "Welcome",
                "html_body": "<p>Welcome</p>",
                "text_body": "Welcome",
                "status": "failed" if k % 100 == 3 else "sent",
                "attempts": 1,
                "created_at": START + timedelta(seconds=k),
                "next_attempt_at": START + timedelta(seconds=k),
            }
            for k in numbers
        ],
    )


# Plans ------------------------------------------------------------------------------------


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
