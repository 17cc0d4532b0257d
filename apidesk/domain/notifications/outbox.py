"""The outbox: e-mails are rendered and stored in the transaction of the change that causes
them, so a change and its e-mail never come apart. A dispatcher sends them later."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update

from apidesk.domain import audit
from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.notifications import publisher, recipients, render, templates
from apidesk.domain.numbers import is_record_id
from apidesk.errors import Invalid, NotFound
from apidesk.security.secretbox import SecretKeyError
from apidesk.storage.models import Instance, OutboxMessage, User

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
STATUSES = (QUEUED, SENDING, SENT, FAILED)
MAX_RETRY_DELAY = timedelta(hours=1)


def lease_for(settings_timeout_seconds: float) -> timedelta:
    """Longer than any one delivery can take (each SMTP step may use the whole timeout), so
    no other dispatcher takes over a message that is still being sent."""
    return timedelta(seconds=10 * settings_timeout_seconds + 60)


def _context(message_id_hint: str) -> str:
    return f"outbox/{message_id_hint}"


def sender_of(instance: Instance) -> tuple[str, str]:
    """The From of an instance's e-mails: its notification sender and publisher name."""
    return instance.notification_sender_email or instance.publisher_email, instance.publisher_name


def _store(
    ctx: InstanceContext,
    *,
    template: str,
    to_address: str,
    rendered: render.Rendered,
    recipient: User | None,
    bcc: Sequence[str] = (),
    not_before: datetime | None = None,
) -> OutboxMessage:
    now = ctx.now()
    address, name = sender_of(ctx.instance)
    message = OutboxMessage(
        instance_id=ctx.instance.id,
        template=template,
        recipient_user_id=recipient.id if recipient else None,
        sender=address,
        sender_name=name,
        to_address=to_address,
        bcc=[b for b in bcc if b.lower() != to_address.lower()],
        subject=rendered.subject[:1000],
        html_body=ctx.runtime.secrets.encrypt(rendered.html, context=_context("html")),
        text_body=ctx.runtime.secrets.encrypt(rendered.text, context=_context("text")),
        status=QUEUED,
        attempts=0,
        created_at=now,
        # The dispatcher takes a message only once this has passed: bulk sends spread out.
        next_attempt_at=max(now, not_before) if not_before is not None else now,
    )
    ctx.session.add(message)
    return message


def to_developer(
    ctx: InstanceContext,
    template: str,
    recipient: User,
    values: Mapping[str, Any],
    *,
    not_before: datetime | None = None,
    to_address: str | None = None,
) -> OutboxMessage:
    """Queue one of the 14 templates for a developer (at `to_address` when it is not their
    own yet: a new address being confirmed). BCC recipients get a blind copy, except of
    e-mails that carry a one-time link: whoever holds the link holds the account."""
    rendered = templates.render_template(ctx, template, values)
    carries_link = "ConfirmUrl" in values
    return _store(
        ctx,
        template=templates.get(ctx, template).name,
        to_address=to_address or recipient.email,
        rendered=rendered,
        recipient=recipient,
        bcc=[] if carries_link else recipients.addresses(ctx, recipients.BCC),
        not_before=not_before,
    )


def to_publisher(
    ctx: InstanceContext, notification: str, values: Mapping[str, Any]
) -> list[OutboxMessage]:
    """Queue a publisher notification for each of its recipients."""
    message = publisher.OPERATOR_MESSAGES[notification]
    rendered = render.render(message.subject, message.body, values)
    return [
        _store(ctx, template=notification, to_address=address, rendered=rendered, recipient=None)
        for address in recipients.addresses(ctx, notification)
    ]


def test_message(ctx: InstanceContext, name: str, address: str) -> OutboxMessage:
    """The template `name` as it is stored, filled with sample values, queued to `address`
    (the operator trying it out); the subject says it is a test."""
    view, rendered = templates.sample(ctx, name)
    marked = replace(rendered, subject=f"[Test] {rendered.subject}")
    message = _store(ctx, template=view.name, to_address=address, rendered=marked, recipient=None)
    audit.record(ctx, "template.test", f"templates/{view.name}", {"to": address})
    return message


def to_operator(
    ctx: InstanceContext,
    address: str,
    message: publisher.OperatorMessage,
    values: Mapping[str, Any],
) -> OutboxMessage:
    """Queue a fixed message to one operator (who is no developer of the instance); it
    carries a one-time link, so no blind copy goes anywhere."""
    rendered = render.render(message.subject, message.body, values)
    return _store(
        ctx, template="OperatorInvitation", to_address=address, rendered=rendered, recipient=None
    )


@dataclass(frozen=True)
class Envelope:
    """A message ready for SMTP, decrypted."""

    id: int
    sender: str
    sender_name: str
    to_address: str
    bcc: list[str]
    subject: str
    html: str
    text: str
    attempts: int
    # Which claim this is: each claim sets a new lease, and only the latest may fail it.
    lease_until: datetime | None = None


def open_message(ctx: Context, message: OutboxMessage) -> Envelope:
    return Envelope(
        id=message.id,
        sender=message.sender,
        sender_name=message.sender_name,
        to_address=message.to_address,
        bcc=list(message.bcc),
        subject=message.subject,
        html=ctx.runtime.secrets.decrypt(message.html_body, context=_context("html")),
        text=ctx.runtime.secrets.decrypt(message.text_body, context=_context("text")),
        attempts=message.attempts,
        lease_until=message.lease_until,
    )


def claim_due(ctx: Context, limit: int) -> list[Envelope]:
    """Lease up to `limit` due messages to this dispatcher. On PostgreSQL, rows another
    dispatcher holds are skipped; SQLite serializes writers, so the lease suffices there.

    A message whose last attempt never finished (its lease ran out) counts that attempt: at
    the attempt limit it fails instead of being tried again. A message that cannot be opened
    (sealed with another key) fails at once. Either way it is not claimed, and the rest of
    the queue goes on."""
    now = ctx.now()
    settings = ctx.runtime.settings
    due = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == QUEUED) & (OutboxMessage.next_attempt_at <= now),
                # A dispatcher that died mid-send left its lease behind.
                (OutboxMessage.status == SENDING) & (OutboxMessage.lease_until <= now),
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .with_for_update(skip_locked=True)
    )
    lease = lease_for(settings.smtp_timeout_seconds)
    claimed: list[Envelope] = []
    while len(claimed) < limit:
        found = list(ctx.session.scalars(due.limit(limit - len(claimed))))
        if not found:
            break
        for message in found:
            if message.status == SENDING and message.attempts >= settings.outbox_max_attempts:
                _give_up(message, "the last attempt did not finish (the sender stopped midway)")
                continue
            try:
                opened = open_message(ctx, message)
            except (SecretKeyError, ValueError) as exc:
                _give_up(message, f"the message cannot be opened: {exc}")
                continue
            message.status = SENDING
            message.lease_until = now + lease
            message.attempts += 1
            claimed.append(
                replace(opened, attempts=message.attempts, lease_until=message.lease_until)
            )
        # Given-up messages no longer match: the next look finds the ones behind them.
        ctx.session.flush()
    return claimed


def _give_up(message: OutboxMessage, error: str) -> None:
    message.status = FAILED
    message.lease_until = None
    message.last_error = error


def mark_sent(ctx: Context, message_id: int) -> None:
    """Record a delivery. Any claim's success counts, even one whose lease ran out and was
    taken over: the message went out, and the later claim's outcome then changes nothing.
    Only a message still being sent: never turn a later state back."""
    ctx.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == SENDING)
        .values(status=SENT, sent_at=ctx.now(), lease_until=None, last_error=None)
    )


def retry_delay(settings_seconds: float, attempts: int) -> timedelta:
    delay = timedelta(seconds=settings_seconds * 2 ** max(0, attempts - 1))
    return min(delay, MAX_RETRY_DELAY)


def mark_failed(ctx: Context, envelope: Envelope, error: str, *, permanent: bool = False) -> str:
    """Record that the claim `envelope` came from failed: retry later with a growing wait, or
    give up. A claim whose lease ran out and was taken over (or that an operator retried) is
    no longer the message's to fail: its result is ignored, so it cannot queue the message
    again while a newer claim sends it. Claims are told apart by their lease."""
    message = ctx.session.get(OutboxMessage, envelope.id)
    if message is None:
        return FAILED
    if (
        message.status != SENDING
        or envelope.lease_until is None
        or message.lease_until != envelope.lease_until
    ):
        return message.status
    settings = ctx.runtime.settings
    message.last_error = error[:2000]
    message.lease_until = None
    if permanent or message.attempts >= settings.outbox_max_attempts:
        message.status = FAILED
    else:
        message.status = QUEUED
        message.next_attempt_at = ctx.now() + retry_delay(
            settings.outbox_retry_seconds, message.attempts
        )
    return message.status


def list_messages(
    ctx: Context, *, status: str | None = None, limit: int = 50, instance_id: int | None = None
) -> Sequence[OutboxMessage]:
    if status is not None and status not in STATUSES:
        raise Invalid.field("status", f"'status' must be one of: {', '.join(STATUSES)}.")
    statement = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    if instance_id is not None:
        statement = statement.where(OutboxMessage.instance_id == instance_id)
    return ctx.session.scalars(statement).all()


def get_or_raise(ctx: Context, message_id: int) -> OutboxMessage:
    # An id past the column's range names no message (PostgreSQL would refuse the query).
    message = ctx.session.get(OutboxMessage, message_id) if is_record_id(message_id) else None
    if message is None:
        raise NotFound(f"There is no outbox message {message_id}.")
    return message


def retry(ctx: Context, message_id: int) -> OutboxMessage:
    """Queue a failed (or waiting) message for sending now, with a fresh count of attempts."""
    message = get_or_raise(ctx, message_id)
    if message.status == SENT:
        raise Invalid.field("id", f"Message {message_id} was sent already.")
    if message.status == SENDING and message.lease_until and message.lease_until > ctx.now():
        # Another send now would be a second copy; if this one dies, its lease runs out and
        # the message is sent again anyway.
        raise Invalid.field(
            "id",
            f"Message {message_id} is being sent right now; if that attempt does not finish, "
            f"it is tried again after {message.lease_until:%Y-%m-%d %H:%M:%S} UTC.",
        )
    message.status = QUEUED
    message.attempts = 0
    message.next_attempt_at = ctx.now()
    message.lease_until = None
    ctx.session.flush()
    return message


def retry_in(ctx: InstanceContext, message_id: int) -> OutboxMessage:
    """`retry`, for a message of this instance only (the console's Retry); audited."""
    message = ctx.session.get(OutboxMessage, message_id) if is_record_id(message_id) else None
    if message is None or message.instance_id != ctx.instance.id:
        raise NotFound(f"There is no outbox message {message_id}.")
    retried = retry(ctx, message_id)
    audit.record(ctx, "outbox.retry", f"outbox/{message_id}", {"to": message.to_address})
    return retried


@dataclass(frozen=True)
class OutboxState:
    by_status: dict[str, int]
    oldest_waiting: datetime | None  # when the oldest message not yet sent was queued


def state(ctx: Context) -> OutboxState:
    """Messages per status and the oldest one still waiting, over all instances."""
    counts = ctx.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    oldest = ctx.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_((QUEUED, SENDING))
        )
    )
    return OutboxState({status: count for status, count in counts}, oldest)
