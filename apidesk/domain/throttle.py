"""Growing waits for what must not be tried too often: failed sign-ins per account,
password-reset e-mails per address, and portal forms per client address. Counts live in the
database, so every process of a deployment sees them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from apidesk.domain.context import InstanceContext
from apidesk.storage.models import Throttle

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


def _row(ctx: InstanceContext, kind: str, key: str, *, lock: bool = False) -> Throttle | None:
    query = select(Throttle).where(
        Throttle.instance_id == ctx.instance.id,
        Throttle.kind == kind,
        Throttle.key == key[:KEY_LENGTH],
    )
    # Counting locks the row (PostgreSQL), so two failures at once both count.
    return ctx.session.scalars(query.with_for_update() if lock else query).first()


def _locked_row(ctx: InstanceContext, kind: str, key: str) -> Throttle:
    """The counter for `key`, locked; made when missing. Two requests making the same new
    counter at once do not fail: the loser of the insert takes the winner's row."""
    row = _row(ctx, kind, key, lock=True)
    if row is not None:
        return row
    try:
        with ctx.session.begin_nested():
            row = Throttle(
                instance_id=ctx.instance.id,
                kind=kind,
                key=key[:KEY_LENGTH],
                count=0,
                window_started_at=ctx.now(),
            )
            ctx.session.add(row)
        return row
    except IntegrityError:
        found = _row(ctx, kind, key, lock=True)
        assert found is not None, "a counter that blocked the insert is there"
        return found


def wait(ctx: InstanceContext, kind: str, key: str, *, lock: bool = False) -> timedelta | None:
    """How long `key` is still held back, if it is. With `lock`, the counter stays locked to
    the end of the unit, so an outcome written in it cannot race a concurrent block."""
    row = _row(ctx, kind, key, lock=lock)
    if row is None or row.blocked_until is None or row.blocked_until <= ctx.now():
        return None
    return row.blocked_until - ctx.now()


# Lapsed counters cleared out per counted event, at most: enough to outpace the rate at which
# new ones are made, so the table holds only the last hour's keys whatever is tried.
PURGE_BATCH = 100


def _purge_lapsed(ctx: InstanceContext, kind: str, key: str) -> None:
    """Delete counters whose window has passed and that hold nothing back: they count as
    zero already. Rows another writer has locked are left for a later pass, and so is the
    caller's own counter (`kind`, `key`), which counting restarts in place: the caller may
    have read it already in this unit, and must not be left holding a deleted row."""
    now = ctx.now()
    lapsed = (
        select(Throttle.id)
        .where(
            Throttle.instance_id == ctx.instance.id,
            Throttle.window_started_at <= now - WINDOW,
            or_(Throttle.blocked_until.is_(None), Throttle.blocked_until <= now),
            ~((Throttle.kind == kind) & (Throttle.key == key[:KEY_LENGTH])),
        )
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    ctx.session.execute(
        delete(Throttle).where(Throttle.id.in_(lapsed)),
        execution_options={"synchronize_session": False},
    )


def _count(
    ctx: InstanceContext, kind: str, key: str, *, sliding: bool, window: timedelta = WINDOW
) -> Throttle:
    """Count one event. A fixed window starts with its first event; a sliding one with its
    latest, so a count only lapses after a whole quiet window."""
    now = ctx.now()
    _purge_lapsed(ctx, kind, key)
    row = _locked_row(ctx, kind, key)
    if (
        row.count
        and row.window_started_at + window <= now
        and (row.blocked_until is None or row.blocked_until <= now)
    ):
        row.count, row.window_started_at, row.blocked_until = 0, now, None
    row.count += 1
    if sliding:
        row.window_started_at = now
    return row


def failed_sign_in(ctx: InstanceContext, key: str) -> None:
    row = _count(ctx, SIGN_IN, key, sliding=True)
    beyond = row.count - FREE_SIGN_IN_FAILURES
    if beyond > 0:
        doubling = timedelta(seconds=2 ** min(beyond - 1, 20))
        row.blocked_until = ctx.now() + min(doubling, LONGEST_WAIT)
    ctx.session.flush()


def signed_in(ctx: InstanceContext, key: str) -> None:
    ctx.session.execute(
        delete(Throttle).where(
            Throttle.instance_id == ctx.instance.id,
            Throttle.kind == SIGN_IN,
            Throttle.key == key[:KEY_LENGTH],
        )
    )


def allow_reset_request(ctx: InstanceContext, key: str) -> bool:
    """Count one request; False once an address has had its share for the hour."""
    row = _count(ctx, RESET_REQUEST, key, sliding=False)
    ctx.session.flush()
    return row.count <= RESET_REQUESTS_PER_HOUR


def portal_form(ctx: InstanceContext, client: str) -> timedelta | None:
    """Count one form sent to the portal from `client` (its network address); how long that
    address must wait, if it has sent more than its share for the window."""
    row = _count(ctx, PORTAL_FORM, client, sliding=False, window=FORM_WINDOW)
    ctx.session.flush()
    if row.count <= ctx.runtime.settings.portal_forms_per_window:
        return None
    return max(row.window_started_at + FORM_WINDOW - ctx.now(), timedelta(seconds=1))


def allow_invitation_renewal(ctx: InstanceContext, invitee: str, client: str) -> bool:
    """Count one new invitation asked for from a dead link; False once the invitee or the
    client address has had its share for the hour. Both counts move either way, so a
    refused ask still counts against whoever keeps asking."""
    for_invitee = _count(ctx, RENEWAL, invitee, sliding=False)
    from_client = _count(ctx, RENEWAL_FROM, client, sliding=False)
    ctx.session.flush()
    return (
        for_invitee.count <= RENEWALS_PER_HOUR
        and from_client.count <= RENEWALS_FROM_ONE_ADDRESS_PER_HOUR
    )


def allow_sign_up(ctx: InstanceContext, address: str, client: str) -> bool:
    """Count one portal sign-up; False once the e-mail address or the client address has had
    its share for the hour. Both counts move either way."""
    for_address = _count(ctx, SIGN_UP, address, sliding=False)
    from_client = _count(ctx, SIGN_UP_FROM, client, sliding=False)
    ctx.session.flush()
    return (
        for_address.count <= SIGN_UPS_PER_HOUR
        and from_client.count <= SIGN_UPS_FROM_ONE_ADDRESS_PER_HOUR
    )
