"""Growing waits for what must not be tried too often: failed sign-ins per account,
password-reset e-mails per address, and portal forms per client address. Counts live in the
database, so every process of a deployment sees them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol, cast

from sqlalchemy import and_, bindparam, case, delete, null, or_, select, update

from apidesk.domain.context import InstanceContext
from apidesk.storage.dialects import insert_for
from apidesk.storage.models import Throttle
from apidesk.storage.models.base import UTCDateTime

WINDOW = timedelta(hours=1)
LONGEST_WAIT = timedelta(minutes=15)
SIGN_IN = "sign-in"
RESET_REQUEST = "reset-request"
PORTAL_FORM = "portal-form"
RENEWAL = "invitation-renewal"
RENEWAL_FROM = "invitation-renewal-from"
SIGN_UP = "sign-up"
SIGN_UP_FROM = "sign-up-from"
SIGN_UPS_PER_HOUR = 3
SIGN_UPS_FROM_ONE_ADDRESS_PER_HOUR = 10
RENEWALS_PER_HOUR = 3
RENEWALS_FROM_ONE_ADDRESS_PER_HOUR = 10
# Counted in windows of their own length: a burst is judged over minutes, not an hour.
FORM_WINDOW = timedelta(minutes=10)
# Failed sign-ins allowed before waits begin; each further failure doubles the wait.
FREE_SIGN_IN_FAILURES = 5
RESET_REQUESTS_PER_HOUR = 3


# The longest key the table holds; longer keys (never a real e-mail address) are cut to it
# the same way everywhere, so they still count.
KEY_LENGTH = 254


class Counter(Protocol):
    """A counter as a row."""

    @property
    def id(self) -> int: ...

    @property
    def count(self) -> int: ...

    @property
    def window_started_at(self) -> datetime: ...

    @property
    def blocked_until(self) -> datetime | None: ...


def counter_columns(table: Any) -> tuple[Any, ...]:
    """The columns of a `Counter` in `table` (this module's, or the console's own)."""
    c = table.c
    return (c.id, c.count, c.window_started_at, c.blocked_until)


def blocking(table: Any) -> Any:
    """The statement that holds back the counter `counter` of `table` until `until`."""
    until = bindparam("until", type_=UTCDateTime)
    return update(table).where(table.c.id == bindparam("counter")).values(blocked_until=until)


def failure_wait(count: int) -> timedelta | None:
    """How long a key is held back after `count` failed sign-ins in a row: nothing for the
    free ones, then a wait that doubles with each further failure, up to a quarter hour."""
    beyond = count - FREE_SIGN_IN_FAILURES
    if beyond <= 0:
        return None
    return min(timedelta(seconds=2 ** min(beyond - 1, 20)), LONGEST_WAIT)


_TABLE = Throttle.__table__
_COLUMNS = counter_columns(_TABLE)
_NOW = bindparam("now", type_=UTCDateTime)

# Built once (issue 12): every portal form and sign-in reads or counts a counter, and building
# a statement each time cost more than running it. Counters are read and counted as rows
# (id, count, window_started_at, blocked_until) through the unit's connection.
_ROW = select(*_COLUMNS).where(
    _TABLE.c.instance_id == bindparam("instance"),
    _TABLE.c.kind == bindparam("kind"),
    _TABLE.c.key == bindparam("key"),
)
# Reading under lock (PostgreSQL) keeps the counter as read to the end of the unit.
_LOCKED_ROW = _ROW.with_for_update()


def _row(ctx: InstanceContext, kind: str, key: str, *, lock: bool = False) -> Counter | None:
    values = {"instance": ctx.instance.id, "kind": kind, "key": key[:KEY_LENGTH]}
    found = ctx.session.connection().execute(_LOCKED_ROW if lock else _ROW, values).first()
    return cast("Counter | None", found)


def wait(ctx: InstanceContext, kind: str, key: str, *, lock: bool = False) -> timedelta | None:
    """How long `key` is still held back, if it is. With `lock`, the counter stays locked to
    the end of the unit, so an outcome written in it cannot race a concurrent block."""
    return held_back(ctx, _row(ctx, kind, key, lock=lock))


def counter(ctx: InstanceContext, kind: str, key: str) -> Counter | None:
    """The counter for `key`, if there is one, locked to the end of the unit (`held_back`
    tells what it holds back; `forget` clears it)."""
    return _row(ctx, kind, key, lock=True)


def held_back(ctx: InstanceContext, row: Counter | None) -> timedelta | None:
    if row is None or row.blocked_until is None or row.blocked_until <= ctx.now():
        return None
    return row.blocked_until - ctx.now()


def counting(table: Any, keys: Mapping[str, str], *, sliding: bool) -> Callable[[str], Any]:
    """One statement, for the dialect named when it is first asked for, that counts an event
    in `table`'s counter named by `keys` (column: parameter), whether or not the counter
    exists yet, and returns the counter (id, count, window_started_at, blocked_until). Two
    first events at once both count on one row: the database makes the second wait for the
    first. A window that has passed (it started at or before the parameter `window_start`)
    and holds nothing back starts again at this event (`now`). A fixed window starts with its
    first event; a sliding one with its latest, so a count only lapses after a whole quiet
    window."""
    c = table.c
    lapsed = and_(
        c.window_started_at <= bindparam("window_start", type_=UTCDateTime),
        or_(c.blocked_until.is_(None), c.blocked_until <= _NOW),
    )
    values: dict[str, Any] = {column: bindparam(name) for column, name in keys.items()}
    changes = {
        "count": case((lapsed, 1), else_=c.count + 1),
        "window_started_at": _NOW if sliding else case((lapsed, _NOW), else_=c.window_started_at),
        "blocked_until": case((lapsed, null()), else_=c.blocked_until),
    }

    @cache
    def statement(dialect: str) -> Any:
        return (
            insert_for(dialect)(table)
            .values(**values, count=1, window_started_at=_NOW, blocked_until=None)
            .on_conflict_do_update(index_elements=[c[column] for column in keys], set_=changes)
            .returning(*counter_columns(table))
        )

    return statement


_KEYS = {"instance_id": "instance", "kind": "kind", "key": "key"}
_COUNT = {sliding: counting(_TABLE, _KEYS, sliding=sliding) for sliding in (False, True)}


# Lapsed counters cleared out per new counter, at most: enough to outpace the rate at which
# new ones are made, so the table holds only the last hour's keys whatever is tried.
PURGE_BATCH = 100


_LAPSED = (
    select(Throttle.id)
    .where(
        Throttle.instance_id == bindparam("instance"),
        Throttle.window_started_at <= bindparam("window_start"),
        or_(Throttle.blocked_until.is_(None), Throttle.blocked_until <= bindparam("now")),
        ~((Throttle.kind == bindparam("kind")) & (Throttle.key == bindparam("key"))),
    )
    .limit(PURGE_BATCH)
    .with_for_update(skip_locked=True)
)
_PURGE = delete(Throttle).where(Throttle.id.in_(_LAPSED))


def _count(
    ctx: InstanceContext, kind: str, key: str, *, sliding: bool, window: timedelta = WINDOW
) -> Counter:
    """Count one event for `key`; the counter as it is now. A count that starts (a new
    counter, or one whose window had passed) also clears out lapsed counters of other keys,
    which count as zero already: the table keeps only the last hour's keys whatever is tried,
    and counting an ongoing key deletes nothing. Rows another writer has locked are left for
    a later pass."""
    now = ctx.now()
    connection = ctx.session.connection()
    values = {
        "instance": ctx.instance.id,
        "kind": kind,
        "key": key[:KEY_LENGTH],
        "now": now,
        "window_start": now - window,
    }
    row = cast(Counter, connection.execute(_COUNT[sliding](connection.dialect.name), values).one())
    if row.count == 1:
        connection.execute(_PURGE, {**values, "window_start": now - WINDOW})
    return row


_BLOCK = blocking(_TABLE)


def failed_sign_in(ctx: InstanceContext, key: str) -> None:
    row = _count(ctx, SIGN_IN, key, sliding=True)
    wait = failure_wait(row.count)
    if wait is not None:
        ctx.session.connection().execute(_BLOCK, {"counter": row.id, "until": ctx.now() + wait})


_FORGET = delete(Throttle).where(Throttle.id == bindparam("id"))


def forget(ctx: InstanceContext, row: Counter) -> None:
    """Clear a counter read in this unit (a sign-in that went through clears its failures)."""
    ctx.session.connection().execute(_FORGET, {"id": row.id})


def forgive_sign_ins(ctx: InstanceContext, email_key: str) -> None:
    """The address's owner proved themselves through a link sent to it (a confirmed sign-up,
    a reset): the sign-ins that failed before, theirs while the account was pending or a
    guesser's, hold it back no longer."""
    row = counter(ctx, SIGN_IN, email_key)
    if row is not None:
        forget(ctx, row)


def allow_reset_request(ctx: InstanceContext, key: str) -> bool:
    """Count one request; False once an address has had its share for the hour."""
    row = _count(ctx, RESET_REQUEST, key, sliding=False)
    return row.count <= RESET_REQUESTS_PER_HOUR


def portal_form(ctx: InstanceContext, client: str) -> timedelta | None:
    """Count one form sent to the portal from `client` (its network address); how long that
    address must wait, if it has sent more than its share for the window."""
    row = _count(ctx, PORTAL_FORM, client, sliding=False, window=FORM_WINDOW)
    if row.count <= ctx.runtime.settings.portal_forms_per_window:
        return None
    return max(row.window_started_at + FORM_WINDOW - ctx.now(), timedelta(seconds=1))


def allow_invitation_renewal(ctx: InstanceContext, invitee: str, client: str) -> bool:
    """Count one new invitation asked for from a dead link; False once the invitee or the
    client address has had its share for the hour. Both counts move either way, so a
    refused ask still counts against whoever keeps asking."""
    for_invitee = _count(ctx, RENEWAL, invitee, sliding=False)
    from_client = _count(ctx, RENEWAL_FROM, client, sliding=False)
    return (
        for_invitee.count <= RENEWALS_PER_HOUR
        and from_client.count <= RENEWALS_FROM_ONE_ADDRESS_PER_HOUR
    )


def allow_sign_up(ctx: InstanceContext, address: str, client: str) -> bool:
    """Count one portal sign-up; False once the e-mail address or the client address has had
    its share for the hour. Both counts move either way."""
    for_address = _count(ctx, SIGN_UP, address, sliding=False)
    from_client = _count(ctx, SIGN_UP_FROM, client, sliding=False)
    return (
        for_address.count <= SIGN_UPS_PER_HOUR
        and from_client.count <= SIGN_UPS_FROM_ONE_ADDRESS_PER_HOUR
    )
