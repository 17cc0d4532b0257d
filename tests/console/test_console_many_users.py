"""The Users page over 10,000 users: search and paging answer right, each page says where it
stands (counted up to the count's limit), and each page's query walks an index in order (no
sort of the whole table)."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert, text
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.console.wording import page_range
from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.instances import service as instances
from apidesk.domain.users import browse
from apidesk.storage.models import User

COUNT = 10_000


def _scope(app: InProcessServer, session: object, shop: ServiceRef) -> InstanceContext:
    ctx = Context(app.runtime, session, "tests")  # type: ignore[arg-type]
    instance = instances.find_by_name(ctx, shop.name)
    assert instance is not None
    return InstanceContext.of(ctx, instance)


@pytest.fixture
def crowded(app: InProcessServer, shop: ServiceRef) -> ServiceRef:
    start = app.clock.now()
    with app.runtime.database.unit_of_work() as session:
        instance_id = _scope(app, session, shop).instance.id
        rows = [
            {
                "instance_id": instance_id,
                "name": f"u{n:05}",
                "name_key": f"u{n:05}",
                "email": f"user{n:05}@example.com",
                "email_key": f"user{n:05}@example.com",
                "first_name": f"First{n:05}",
                "last_name": "Crowd",
                "state": "blocked" if n % 100 == 0 else "active",
                "identities": [],
                "registration_date": start + timedelta(seconds=n),
                "stamp": secrets.token_hex(16),
                "etag": "e",
            }
            for n in range(COUNT)
        ]
        session.execute(insert(User), rows)
    return shop


def emails_on(page: httpx.Response) -> list[str]:
    return re.findall(r"<td[^>]*>(user\d{5}@example\.com)</td>", page.text)


def range_on(page: httpx.Response) -> str:
    found = re.search(r'<p class="range">([^<]*)</p>', page.text)
    assert found, "no range"
    return found.group(1).replace("\N{EN DASH}", "-")  # "1-25 of 60" in the tests


def test_a_page_past_the_count_says_how_many_it_shows() -> None:
    assert page_range(0, 25, 62) == "1\N{EN DASH}25 of 62"
    assert page_range(990, 25, None) == "991\N{EN DASH}1,015 of more than 1,000"
    assert page_range(None, 25, None) == "25 shown, past the first 1,000"
    assert page_range(0, 0, 0) == ""


def link(page: httpx.Response, name: str) -> str:
    found = re.search(rf'href="(\?[^"]+)">{name}<', page.text)
    assert found, f"no {name} link"
    return found.group(1).replace("&amp;", "&")


def test_paging_and_search_over_ten_thousand_users(
    app: InProcessServer, crowded: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    base = f"/console/{crowded.name}/users"
    newest = person.get(base)
    assert emails_on(newest) == [f"user{n:05}@example.com" for n in range(9999, 9974, -1)]
    # 10,000 users and the built-in administrator: more than the page's count goes to.
    assert range_on(newest) == "1-25 of more than 1,000"
    second = person.get(base + link(newest, "Next"))
    assert emails_on(second) == [f"user{n:05}@example.com" for n in range(9974, 9949, -1)]
    assert range_on(second) == "26-50 of more than 1,000"
    third = person.get(base + link(second, "Next"))
    back = person.get(base + link(third, "Previous"))
    assert emails_on(back) == emails_on(second)
    assert range_on(back) == "26-50 of more than 1,000"
    found = person.get(base, search="user0424")
    assert sorted(emails_on(found)) == [f"user0424{n}@example.com" for n in range(10)]
    assert range_on(found) == "1-10 of 10"
    blocked = person.get(base, state="blocked", sort="email", order="asc")
    assert emails_on(blocked)[:3] == [
        "user00000@example.com",
        "user00100@example.com",
        "user00200@example.com",
    ]
    assert range_on(blocked) == "1-25 of 100"
    assert range_on(person.get(base + link(blocked, "Next"))) == "26-50 of 100"
    last = person.get(base, sort="email", order="desc")
    assert emails_on(last)[0] == "user09999@example.com"


@pytest.mark.parametrize("sort", ["registered", "name", "state"])
def test_each_page_walks_an_index_in_order(
    app: InProcessServer, crowded: ServiceRef, sort: str
) -> None:
    """Read from the database's own plan: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN
    (after ANALYZE, as autovacuum would have run on a real table)."""
    sqlite = app.runtime.settings.is_sqlite
    with app.runtime.database.unit_of_work(write=False) as session:
        ictx = _scope(app, session, crowded)
        first = browse.browse(ictx, browse.Browse(sort=sort))
        later = browse.Browse(sort=sort, after=first.next)
        statement = browse.query(ictx, later)
        compiled = statement.compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
        if not sqlite:
            session.execute(text("ANALYZE users"))
        explain = "EXPLAIN QUERY PLAN" if sqlite else "EXPLAIN"
        plan = " | ".join(str(row[-1]) for row in session.execute(text(f"{explain} {compiled}")))
    assert "ix_users_browse_" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
