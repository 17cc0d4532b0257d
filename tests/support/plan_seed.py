"""The data whose query plans support/plans.py reads: `seed` fills one instance with N users,
groups, products, subscriptions, audit events and outbox messages (bulk inserts, no hashing),
and `analyze` gives PostgreSQL its statistics. `SERVICE` names the instance; `DEVELOPER` and
`PASSWORD` sign its developer in.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, text
from support.inprocess import InProcessServer
from support.server import API_VERSION

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

SERVICE = "plans"
START = datetime(2026, 1, 1, tzinfo=UTC)

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
