"""Browsing the subscriptions of an instance page by page, as the console's Subscriptions page
does: newest first, filtered by state, product or owner, with keyset paging. Each page is one
query on an index that reads at most one row more than it shows; where the page stands is
counted up to `BROWSE_COUNT_LIMIT`, as on the Users page (apidesk.domain.users.browse), never
the whole table. A search by name (display name or id, any part of it) walks the same index newest
first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from apidesk.domain.context import InstanceContext
from apidesk.domain.products import repository as products
from apidesk.domain.users import repository as users
from apidesk.domain.users.browse import SEARCH_MAX, escape_like
from apidesk.domain.validation import email_key
from apidesk.query import BROWSE_COUNT_LIMIT
from apidesk.storage.models import Product, Subscription, User
from apidesk.storage.paging import count_up_to

PAGE_SIZE = 25
STATES = ("submitted", "active", "suspended", "rejected", "cancelled", "expired")


@dataclass(frozen=True)
class Browse:
    state: str | None = None
    product: str | None = None  # a product id
    owner: str | None = None  # a user's e-mail address or id
    owner_row: int | None = None  # a user's row id (the user's own page)
    search: str = ""  # part of the display name or id, any case
    after: int | None = None  # the id of the last row of the page before
    before: int | None = None  # the id of the first row of the page after
    size: int = PAGE_SIZE


@dataclass(frozen=True)
class Row:
    subscription: Subscription
    owner: User | None
    product: Product | None


@dataclass(frozen=True)
class BrowsePage:
    rows: list[Row]
    next: int | None
    previous: int | None
    start: int | None = 0
    """How many matches come before the page; None past `BROWSE_COUNT_LIMIT`."""
    total: int | None = 0
    """How many match; None past `BROWSE_COUNT_LIMIT`."""


def query(ctx: InstanceContext, request: Browse) -> Select[Any] | None:
    """The one query a page costs, or None when a named product or owner does not exist."""
    matching = _matching(ctx, request)
    return None if matching is None else _paged(matching, request)


def _paged(statement: Select[Any], request: Browse) -> Select[Any]:
    """The page `request` asks for of the matches."""
    if _backward(request):
        statement = statement.where(Subscription.id > request.before).order_by(
            Subscription.id.asc()
        )
    else:
        if request.after is not None:
            statement = statement.where(Subscription.id < request.after)
        statement = statement.order_by(Subscription.id.desc())
    return statement.limit(_size(request) + 1)


def _matching(ctx: InstanceContext, request: Browse) -> Select[Any] | None:
    """The instance's subscriptions that the filters ask for, in no order; None when a named
    product or owner does not exist."""
    statement = select(Subscription).where(Subscription.instance_id == ctx.instance.id)
    if request.state in STATES:
        statement = statement.where(Subscription.state == request.state)
    if request.product:
        product = products.find(ctx, request.product)
        if product is None:
            return None
        statement = statement.where(Subscription.product_id == product.id)
    if request.owner:
        text = request.owner.strip()
        owner = users.find_by_email(ctx, email_key(text)) if "@" in text else users.find(ctx, text)
        if owner is None:
            return None
        statement = statement.where(Subscription.owner_id == owner.id)
    if request.owner_row is not None:
        statement = statement.where(Subscription.owner_id == request.owner_row)
    words = request.search.strip()[:SEARCH_MAX].lower()
    if words:
        pattern = f"%{escape_like(words)}%"
        statement = statement.where(
            or_(
                func.lower(func.coalesce(Subscription.display_name, "")).like(pattern, escape="\\"),
                func.lower(Subscription.name).like(pattern, escape="\\"),
            )
        )
    return statement


def _backward(request: Browse) -> bool:
    return request.before is not None and request.after is None


def _size(request: Browse) -> int:
    return max(1, min(request.size, 200))


def browse(ctx: InstanceContext, request: Browse) -> BrowsePage:
    matching = _matching(ctx, request)
    if matching is None:
        return BrowsePage([], None, None)
    size, backward = _size(request), _backward(request)
    found = list(ctx.session.scalars(_paged(matching, request)))
    more = len(found) > size
    found = found[:size]
    if backward:
        found.reverse()
    if not found:
        return BrowsePage([], None, None)
    has_next = (more and not backward) or backward
    has_previous = (more and backward) or (not backward and request.after is not None)
    # Newest first: the rows before the page are the newer ones.
    newer = matching.where(Subscription.id > found[0].id)
    start = count_up_to(ctx.session, newer, BROWSE_COUNT_LIMIT) if has_previous else 0
    if has_next:
        total = count_up_to(ctx.session, matching, BROWSE_COUNT_LIMIT)
    else:
        total = None if start is None else start + len(found)
    return BrowsePage(
        _rows(ctx, found),
        found[-1].id if has_next else None,
        found[0].id if has_previous else None,
        start,
        total,
    )


def _rows(ctx: InstanceContext, found: list[Subscription]) -> list[Row]:
    """The page's owners and products, in one query each."""
    owner_ids = {s.owner_id for s in found if s.owner_id is not None}
    product_ids = {s.product_id for s in found if s.product_id is not None}
    owners = (
        {u.id: u for u in ctx.session.scalars(select(User).where(User.id.in_(owner_ids)))}
        if owner_ids
        else {}
    )
    catalog = (
        {p.id: p for p in ctx.session.scalars(select(Product).where(Product.id.in_(product_ids)))}
        if product_ids
        else {}
    )
    return [
        Row(
            s,
            owners.get(s.owner_id) if s.owner_id else None,
            catalog.get(s.product_id) if s.product_id else None,
        )
        for s in found
    ]


def detail(ctx: InstanceContext, subscription: Subscription) -> Row:
    """A subscription with its owner and product, for its page."""
    return _rows(ctx, [subscription])[0]
