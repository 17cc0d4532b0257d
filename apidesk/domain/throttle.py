"""Growing waits for what must not be tried too often: failed sign-ins per account,
password-reset e-mails per address, and portal forms per client address. Counts live in the
database, so every process of a deployment sees them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, delete, or_, select
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


# Built once (issue 12): every portal form and sign-in reads a counter, and building the
# statement each time cost more than running it.
_ROW = select(Throttle).where(
    Throttle.instance_id == bindparam("instance"),
    Throttle.kind == bindparam("kind"),
    Throttle.key == bindparam("key"),
)
# Counting locks the row (PostgreSQL), so two failures at once both count.
_LOCKED_ROW = _ROW.with_for_update()


def _row(ctx: InstanceContext, kind: str, key: str, *, lock: bool = False) -> Throttle | None:
    values = {"instance": ctx.instance.id, "kind": kind, "key": key[:KEY_LENGTH]}
    return ctx.session.scalars(_LOCKED_ROW if lock else _ROW, values).first()


def _locked_row(ctx: InstanceContext, kind: str, key: str) -> Throttle:
    """The counter for `key`, locked; made when missing. Two requests making the same new
    counter at once do not fail: the loser of the insert takes the winner's row."""
    row = _row(ctx, kind, key, lock=True)
    if row is not None:
        return row
    # Counters are only ever made here, so clearing lapsed ones here keeps the table to the
    # last hour's keys; counting an existing key adds no row and deletes none.
    _purge_lapsed(ctx, kind, key)
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
        if found is None:
            raise  # not a counter made meanwhile: the instance itself is gone
        return found


def wait(ctx: InstanceContext, kind: str, key: str, *, lock: bool = False) -> timedelta | None:
    """How long `key` is still held back, if it is. With `lock`, the counter stays locked to
    the end of the unit, so an outcome written in it cannot race a concurrent block."""
    row = _row(ctx, kind, key, lock=lock)
    if row is None or row.blocked_until is None or row.blocked_until <= ctx.now():
        return None
    return row.blocked_until - ctx.now()


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


def _purge_lapsed(ctx: InstanceContext, kind: str, key: str) -> None:
    """Delete counters whose window has passed and that hold nothing back: they count as
    zero already. Rows another writer has locked are left for a later pass, and so is the
    caller's own counter (`kind`, `key`): the caller is about to make it."""
    now = ctx.now()
    ctx.session.execute(
        _PURGE,
        {
            "instance": ctx.instance.id,
            "window_start": now - WINDOW,
            "now": now,
            "kind": kind,
            "key": key[:KEY_LENGTH],
        },
        execution_options={"synchronize_session": False},
    )


def _count(
    ctx: InstanceContext, kind: str, key: str, *, sliding: bool, window: timedelta = WINDOW
) -> Throttle:
    """Count one event. A fixed window starts with its first event; a sliding one with its
    latest, so a count only lapses after a whole quiet window."""
    now = ctx.now()
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


_FORGET = delete(Throttle).where(
    Throttle.instance_id == bindparam("instance"),
    Throttle.kind == bindparam("kind"),
    Throttle.key == bindparam("key"),
)


def signed_in(ctx: InstanceContext, key: str) -> None:
    ctx.session.execute(
        _FORGET, {"instance": ctx.instance.id, "kind": SIGN_IN, "key": key[:KEY_LENGTH]}
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
