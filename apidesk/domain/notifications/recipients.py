"""Publisher notifications (reference §2.6): seven fixed lists of users and addresses who hear
about subscription requests, new subscriptions, closed accounts and so on. `BCC` receives a
blind copy of every e-mail sent to developers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from apidesk.domain import audit, validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.notifications import publisher
from apidesk.domain.users import repository as users
from apidesk.errors import Collection, NotFound
from apidesk.storage.integrity import insert_unless_taken
from apidesk.storage.models import NotificationRecipientEmail, NotificationRecipientUser, User

BCC = "BCC"
# Who hears about what on a new instance: the administrator, except for blind copies.
SEEDED_FOR_ADMINISTRATOR = tuple(name for name in publisher.NOTIFICATIONS if name != BCC.lower())


@dataclass(frozen=True)
class NotificationView:
    name: str
    title: str
    description: str
    users: list[str]
    emails: list[str]


def _default_or_raise(name: str) -> publisher.NotificationDefault:
    notification = publisher.NOTIFICATIONS.get(name.lower())
    if notification is None:
        raise NotFound(f"There is no notification named '{name}'.")
    return notification


def _users(ctx: InstanceContext, key: str) -> list[User]:
    return list(
        ctx.session.scalars(
            select(User)
            .join(NotificationRecipientUser, NotificationRecipientUser.user_id == User.id)
            .where(
                NotificationRecipientUser.instance_id == ctx.instance.id,
                NotificationRecipientUser.notification_key == key,
            )
            .order_by(NotificationRecipientUser.id)
        )
    )


def _emails(ctx: InstanceContext, key: str) -> list[str]:
    return list(
        ctx.session.scalars(
            select(NotificationRecipientEmail.email)
            .where(
                NotificationRecipientEmail.instance_id == ctx.instance.id,
                NotificationRecipientEmail.notification_key == key,
            )
            .order_by(NotificationRecipientEmail.id)
        )
    )


def get(ctx: InstanceContext, name: str) -> NotificationView:
    notification = _default_or_raise(name)
    key = notification.name.lower()
    return NotificationView(
        name=notification.name,
        title=notification.title,
        description=notification.description,
        users=[user.name for user in _users(ctx, key)],
        emails=_emails(ctx, key),
    )


def list_all(ctx: InstanceContext) -> list[NotificationView]:
    return [get(ctx, notification.name) for notification in publisher.NOTIFICATIONS.values()]


def recipient_users(ctx: InstanceContext, name: str) -> list[User]:
    return _users(ctx, _default_or_raise(name).name.lower())


def recipient_emails(ctx: InstanceContext, name: str) -> list[str]:
    return _emails(ctx, _default_or_raise(name).name.lower())


def add_user(ctx: InstanceContext, name: str, user_id: str) -> tuple[User, bool]:
    notification = _default_or_raise(name)
    user = users.find(ctx, user_id)
    if user is None:
        raise NotFound(f"User '{user_id}' was not found.")
    key = notification.name.lower()
    if any(existing.id == user.id for existing in _users(ctx, key)):
        return user, False
    row = NotificationRecipientUser(
        instance_id=ctx.instance.id, notification_key=key, user_id=user.id
    )
    if not insert_unless_taken(ctx.session, row):
        return user, False  # a concurrent add came first
    audit.record(
        ctx, "notification.add-user", f"notifications/{notification.name}", {"userId": user.name}
    )
    ctx.session.flush()
    return user, True


def remove_user(ctx: InstanceContext, name: str, user_id: str) -> bool:
    notification = _default_or_raise(name)
    user = users.find(ctx, user_id)
    if user is None:
        return False
    result = ctx.session.execute(
        delete(NotificationRecipientUser).where(
            NotificationRecipientUser.instance_id == ctx.instance.id,
            NotificationRecipientUser.notification_key == notification.name.lower(),
            NotificationRecipientUser.user_id == user.id,
        )
    )
    removed = bool(getattr(result, "rowcount", 0))
    if removed:
        audit.record(
            ctx,
            "notification.remove-user",
            f"notifications/{notification.name}",
            {"userId": user.name},
        )
    return removed


def has_user(ctx: InstanceContext, name: str, user_id: str) -> bool:
    notification = _default_or_raise(name)
    return any(u.name.lower() == user_id.lower() for u in _users(ctx, notification.name.lower()))


def add_email(ctx: InstanceContext, name: str, address: str) -> tuple[str, bool]:
    notification = _default_or_raise(name)
    problems = Collection()
    email = validation.email(problems, "email", address)
    problems.raise_if_any()
    assert email is not None
    key = notification.name.lower()
    email_key = validation.email_key(email)
    existing = ctx.session.scalars(
        select(NotificationRecipientEmail).where(
            NotificationRecipientEmail.instance_id == ctx.instance.id,
            NotificationRecipientEmail.notification_key == key,
            NotificationRecipientEmail.email_key == email_key,
        )
    ).first()
    if existing is not None:
        return existing.email, False
    row = NotificationRecipientEmail(
        instance_id=ctx.instance.id, notification_key=key, email=email, email_key=email_key
    )
    if not insert_unless_taken(ctx.session, row):
        # A concurrent add of the same address came first: as adding it twice in a row.
        return email, False
    audit.record(
        ctx, "notification.add-email", f"notifications/{notification.name}", {"email": email}
    )
    ctx.session.flush()
    return email, True


def remove_email(ctx: InstanceContext, name: str, address: str) -> bool:
    notification = _default_or_raise(name)
    result = ctx.session.execute(
        delete(NotificationRecipientEmail).where(
            NotificationRecipientEmail.instance_id == ctx.instance.id,
            NotificationRecipientEmail.notification_key == notification.name.lower(),
            NotificationRecipientEmail.email_key == validation.email_key(address),
        )
    )
    removed = bool(getattr(result, "rowcount", 0))
    if removed:
        audit.record(
            ctx,
            "notification.remove-email",
            f"notifications/{notification.name}",
            {"email": address},
        )
    return removed


def has_email(ctx: InstanceContext, name: str, address: str) -> bool:
    notification = _default_or_raise(name)
    wanted = validation.email_key(address)
    return any(validation.email_key(e) == wanted for e in _emails(ctx, notification.name.lower()))


def addresses(ctx: InstanceContext, name: str) -> list[str]:
    """Every address a notification goes to: its users' and its own, each once."""
    key = _default_or_raise(name).name.lower()
    seen: dict[str, str] = {}
    for address in [user.email for user in _users(ctx, key) if user.state == "active"] + _emails(
        ctx, key
    ):
        seen.setdefault(validation.email_key(address), address)
    return list(seen.values())


@dataclass(frozen=True)
class Recipients:
    """A notification with the people on it, as the console lists them."""

    name: str
    title: str
    description: str
    users: list[User]
    emails: list[str]


def overview(ctx: InstanceContext) -> list[Recipients]:
    every = []
    for notification in publisher.NOTIFICATIONS.values():
        key = notification.name.lower()
        every.append(
            Recipients(
                notification.name,
                notification.title,
                notification.description,
                _users(ctx, key),
                _emails(ctx, key),
            )
        )
    return every


def add_recipient(ctx: InstanceContext, name: str, address: str) -> bool:
    """Add whoever has `address`: the developer of the instance with that e-mail (who stops
    hearing while not active), or else the address itself. Whether anything was added."""
    problems = Collection()
    email = validation.email(problems, "email", address)
    problems.raise_if_any()
    assert email is not None
    user = users.find_by_email(ctx, validation.email_key(email))
    if user is not None:
        return add_user(ctx, name, user.name)[1]
    return add_email(ctx, name, email)[1]


def remove_recipient(ctx: InstanceContext, name: str, *, user_id: str, email: str) -> bool:
    """Take a user (by id) or an address off a notification."""
    if user_id:
        return remove_user(ctx, name, user_id)
    _default_or_raise(name)
    return remove_email(ctx, name, email) if email else False


def seed(ctx: InstanceContext, administrator: User) -> None:
    for key in SEEDED_FOR_ADMINISTRATOR:
        ctx.session.add(
            NotificationRecipientUser(
                instance_id=ctx.instance.id, notification_key=key, user_id=administrator.id
            )
        )
