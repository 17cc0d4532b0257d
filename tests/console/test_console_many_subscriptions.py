"""The Subscriptions page over 10,000 subscriptions: paging, filters and Search answer right,
each page says where it stands, and each page's query walks an index in order (no sort of
the whole table), read from the database's own plan on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert, text
from support import catalog
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.instances import service as instances
from apidesk.domain.products import repository as products
from apidesk.domain.subscriptions import browse
from apidesk.domain.users import repository as users
from apidesk.storage.models import Subscription

COUNT = 10_000


def _scope(app: InProcessServer, session: object, shop: ServiceRef) -> InstanceContext:
    ctx = Context(app.runtime, session, "tests")  # type: ignore[arg-type]
    instance = instances.find_by_name(ctx, shop.name)
    assert instance is not None
    return InstanceContext.of(ctx, instance)


@pytest.fixture
def crowded(app: InProcessServer, shop: ServiceRef, admin: httpx.Client) -> ServiceRef:
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo")
    catalog.user(admin, shop, "ada", email="ada@example.com")
    start = app.clock.now()
    with app.runtime.database.unit_of_work() as session:
        ictx = _scope(app, session, shop)
        gold, ada = products.find(ictx, "gold"), users.find(ictx, "ada")
        assert gold is not None and ada is not None
        rows = [
            {
                "instance_id": ictx.instance.id,
                "name": f"s{n:05}",
                "name_key": f"s{n:05}",
                "owner_id": ada.id,
                "scope": "/products/gold" if n % 2 else "/apis",
                "product_id": gold.id if n % 2 else None,
                "display_name": f"Plan {n:05}",
                "state": "submitted" if n % 50 == 0 else "active",
                "allow_tracing": False,
                "created_at": start + timedelta(seconds=n),
                "primary_key": "not-a-key",
                "secondary_key": "not-a-key",
                "etag": "e",
            }
            for n in range(COUNT)
        ]
        session.execute(insert(Subscription), rows)
    return shop


def names_on(page: httpx.Response) -> list[str]:
    return re.findall(r">Plan (\d{5})</a>", page.text)


def range_on(page: httpx.Response) -> str:
    found = re.search(r'<p class="range">([^<]*)</p>', page.text)
    assert found, "no range"
    return found.group(1).replace("\N{EN DASH}", "-")  # "1-25 of 60" in the tests


def link(page: httpx.Response, name: str) -> str:
    found = re.search(rf'href="(\?[^"]+)">{name}<', page.text)
    assert found, f"no {name} link"
    return found.group(1).replace("&amp;", "&")


def test_paging_filters_and_search_over_ten_thousand(
    app: InProcessServer, crowded: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    base = f"/console/{crowded.name}/subscriptions"
    newest = person.get(base)
    # 10,000 and the default products' own: more than the page's count goes to.
    assert range_on(newest) == "1-25 of more than 1,000"
    # A cursor that is not plain digits (here one int() refuses) is no cursor: the first page.
    assert names_on(person.get(base, after="²")) == names_on(newest)
    assert names_on(newest) == [f"{n:05}" for n in range(9999, 9974, -1)]
    second = person.get(base + link(newest, "Next"))
    assert names_on(second) == [f"{n:05}" for n in range(9974, 9949, -1)]
    third = person.get(base + link(second, "Next"))
    assert range_on(second) == "26-50 of more than 1,000"
    back = person.get(base + link(third, "Previous"))
    assert names_on(back) == names_on(second) and range_on(back) == "26-50 of more than 1,000"
    found = person.get(base, search="PLAN 0424")
    assert names_on(found) == [f"0424{n}" for n in range(9, -1, -1)]
    assert "Next" not in found.text and range_on(found) == "1-10 of 10"
    waiting = person.get(base, state="submitted", product="gold")
    assert names_on(waiting) == []  # odd numbers are gold, multiples of 50 are even
    waiting = person.get(base, state="submitted")
    assert names_on(waiting)[:3] == ["09950", "09900", "09850"]
    assert range_on(waiting) == "1-25 of 200"
    last = person.get(base + link(person.get(base + link(waiting, "Next")), "Next"))
    assert range_on(person.get(base + link(last, "Next"))) == "76-100 of 200"
    gold = person.get(base + link(person.get(base, product="gold"), "Next"))
    assert names_on(gold)[0] == f"{9999 - 2 * 25:05}"


@pytest.mark.parametrize(
    "asked",
    [{}, {"state": "submitted"}, {"product": "gold"}, {"search": "plan 0424"}],
    ids=["all", "state", "product", "search"],
)
def test_each_page_walks_an_index_in_order(
    app: InProcessServer, crowded: ServiceRef, asked: dict[str, str]
) -> None:
    """SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN (after ANALYZE, as autovacuum would
    have run on a real table)."""
    sqlite = app.runtime.settings.is_sqlite
    with app.runtime.database.unit_of_work(write=False) as session:
        ictx = _scope(app, session, crowded)
        first = browse.browse(ictx, browse.Browse(**asked))  # type: ignore[arg-type]
        later = browse.query(ictx, browse.Browse(after=first.next, **asked))  # type: ignore[arg-type]
        assert later is not None
        compiled = later.compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
        if not sqlite:
            session.execute(text("ANALYZE subscriptions"))
        explain = "EXPLAIN QUERY PLAN" if sqlite else "EXPLAIN"
        plan = " | ".join(str(row[-1]) for row in session.execute(text(f"{explain} {compiled}")))
    # An index read in the page's order: one of the browse indexes, or (where the instance
    # holds nearly every row, as here on PostgreSQL) the primary key, newest first.
    assert re.search(r"ix_subscriptions_browse|pk_subscriptions", plan), plan
    assert "Seq Scan" not in plan, plan
    if "search" in asked and not sqlite:
        # PostgreSQL may instead gather the instance's rows through the index, filter them and
        # sort only the few that match: a sort of the matches, not of the table.
        return
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
