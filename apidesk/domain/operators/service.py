"""Operator accounts: created by the CLI (or by another operator), each with a one-time link
to set a password; limited to one instance or trusted with every one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from apidesk.domain import audit
from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.instances import service as instances
from apidesk.domain.notifications import outbox, publisher
from apidesk.domain.passwords import PreparedPassword
from apidesk.domain.validation import email as valid_email
from apidesk.domain.validation import email_key
from apidesk.errors import Collection, Conflict, DomainError, Forbidden, Invalid, NotFound
from apidesk.security import tokens
from apidesk.storage.database import STARTUP, exclusive
from apidesk.storage.models import Instance, Operator, OperatorLink, OperatorSession

LINK_LIFETIME = timedelta(hours=1)
LINK_PAGE = "/console/set-password"


class LinkUnusable(DomainError):
    """The set-password link is unknown, used, replaced or expired: one answer for all."""

    def __init__(self) -> None:
        super().__init__(
            "This link is not valid: it was used already, replaced by a newer one, or has "
            "expired. Ask for a new one (apidesk operator link EMAIL).",
            code="LinkUnusable",
        )


@dataclass(frozen=True)
class Issued:
    operator: Operator
    link: str


def find(ctx: Context, email: str) -> Operator | None:
    return ctx.session.scalars(
        select(Operator).where(Operator.email_key == email_key(email.strip()))
    ).first()


def find_or_raise(ctx: Context, email: str) -> Operator:
    found = find(ctx, email)
    if found is None:
        raise NotFound(f"No operator has the e-mail address '{email}'.")
    return found


def any_exist(ctx: Context) -> bool:
    return ctx.session.scalars(select(Operator.id).limit(1)).first() is not None


def list_all(ctx: Context) -> Sequence[Operator]:
    return ctx.session.scalars(select(Operator).order_by(Operator.email_key)).all()


def instance_of(ctx: Context, operator: Operator) -> Instance | None:
    """The one instance the operator is limited to; None for an operator of every one."""
    if operator.instance_id is None:
        return None
    return ctx.session.get(Instance, operator.instance_id)


def may_manage(operator: Operator, instance: Instance) -> bool:
    return operator.instance_id is None or operator.instance_id == instance.id


_MANAGEABLE = "apidesk.operators.manageable"  # in a unit's Session.info


def manageable(ctx: Context, operator: Operator) -> list[Instance]:
    """The instances this operator may see, by name; read once in a unit of work (a console
    page lists them in its switcher and finds its own instance among them)."""
    read: dict[int, list[Instance]] = ctx.session.info.setdefault(_MANAGEABLE, {})
    found = read.get(operator.id)
    if found is None:
        every = sorted(instances.read_all(ctx), key=lambda item: item.name.lower())
        found = read[operator.id] = [item for item in every if may_manage(operator, item)]
    return found


def managed(ctx: Context, operator: Operator, name: str) -> Instance | None:
    """The instance named `name` (in any case), if this operator may manage it."""
    key = name.lower()
    return next((item for item in manageable(ctx, operator) if item.name_key == key), None)


def create(ctx: Context, email: str, instance: Instance | None = None) -> Issued:
    problems = Collection()
    address = valid_email(problems, "email", email.strip())
    problems.raise_if_any()
    assert address is not None
    if find(ctx, address) is not None:
        raise Conflict(f"An operator with the e-mail address '{address}' exists.", target="email")
    operator = Operator(
        email=address,
        email_key=email_key(address),
        password_hash=None,
        instance_id=instance.id if instance is not None else None,
        created_at=ctx.now(),
        password_changed_at=None,
    )
    ctx.session.add(operator)
    ctx.session.flush()
    audit.record(
        ctx,
        "operator.create",
        f"operator/{operator.email}",
        {"service": instance.name if instance is not None else None},
    )
    return Issued(operator, issue_link(ctx, operator))


def issue_link(ctx: Context, operator: Operator) -> str:
    """A new set-password link for `operator`; earlier unused links stop working."""
    now = ctx.now()
    ctx.session.execute(
        update(OperatorLink)
        .where(OperatorLink.operator_id == operator.id, OperatorLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = tokens.new_token()
    ctx.session.add(
        OperatorLink(
            operator_id=operator.id,
            digest=tokens.digest(token),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
            used_at=None,
        )
    )
    ctx.session.flush()
    return f"{ctx.runtime.settings.public_url}{LINK_PAGE}?token={token}"


def _open_link_or_raise(ctx: Context, token: str, *, lock: bool = False) -> OperatorLink:
    if not token or len(token) > 200:
        raise LinkUnusable()
    query = select(OperatorLink).where(OperatorLink.digest == tokens.digest(token))
    link = ctx.session.scalars(query.with_for_update() if lock else query).first()
    if link is None or link.used_at is not None or link.expires_at <= ctx.now():
        raise LinkUnusable()
    return link


def link_holder_or_raise(ctx: Context, token: str) -> Operator:
    """The operator a working set-password link belongs to."""
    link = _open_link_or_raise(ctx, token)
    operator = ctx.session.get(Operator, link.operator_id)
    assert operator is not None  # links go with their operator
    return operator


def set_password(ctx: Context, token: str, password: PreparedPassword) -> Operator:
    """Use the link once: the password is set and every other session of the operator ends."""
    link = _open_link_or_raise(ctx, token, lock=True)
    operator = ctx.session.get(Operator, link.operator_id)
    assert operator is not None
    now = ctx.now()
    link.used_at = now
    operator.password_hash = password.hashed
    operator.password_changed_at = now
    end_sessions(ctx, operator)
    audit.record(ctx, "operator.setPassword", f"operator/{operator.email}")
    ctx.session.flush()
    return operator


def remove(ctx: Context, email: str) -> Operator:
    """Remove an operator; their sessions and links go with them, at once."""
    operator = find_or_raise(ctx, email)
    end_sessions(ctx, operator)
    ctx.session.execute(delete(OperatorLink).where(OperatorLink.operator_id == operator.id))
    ctx.session.delete(operator)
    audit.record(ctx, "operator.remove", f"operator/{operator.email}")
    ctx.session.flush()
    return operator


def end_sessions(ctx: Context, operator: Operator) -> int:
    result = ctx.session.execute(
        delete(OperatorSession).where(OperatorSession.operator_id == operator.id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def first_operator(ctx: Context) -> Issued | None:
    """On a deployment without operators: one for the publisher's address, who may manage
    every instance, with a link to set a password. None once any operator exists."""
    exclusive(ctx.session, STARTUP)
    if any_exist(ctx):
        return None
    settings = ctx.runtime.settings
    default = instances.find_by_name(ctx, settings.default_service_name)
    address = default.publisher_email if default is not None else settings.default_publisher_email
    return create(ctx, address, None)


def may_manage_operators(operator: Operator) -> bool:
    """Only an operator of every instance manages operators: one limited to an instance
    could otherwise make an operator of all of them."""
    return operator.instance_id is None


def removable_by(ctx: Context, acting: Operator, email: str) -> Operator:
    """The operator `remove_by` would remove, or the error it would raise, with nothing
    changed: the console asks before it removes."""
    if not may_manage_operators(acting):
        raise Forbidden("Only an operator of every service manages operators.")
    if email_key(email.strip()) == acting.email_key:
        raise Invalid.field("email", "You cannot remove yourself; another operator or the CLI can.")
    return find_or_raise(ctx, email)


def remove_by(ctx: Context, acting: Operator, email: str) -> Operator:
    """`remove`, asked for by an operator in the console."""
    removable_by(ctx, acting, email)
    return remove(ctx, email)


def invite_by(
    ctx: InstanceContext, acting: Operator, email: str, limited: Instance | None
) -> Issued:
    """`create`, asked for by an operator in the console of `ctx`'s instance: the invitee
    gets the one-time link by e-mail, through that instance's outbox, in this transaction."""
    if not may_manage_operators(acting):
        raise Forbidden("Only an operator of every service manages operators.")
    issued = create(ctx, email, limited)
    outbox.to_operator(
        ctx,
        issued.operator.email,
        publisher.OPERATOR_INVITATION,
        {
            "InvitedBy": acting.email,
            "Scope": f"the service {limited.name}" if limited else "every service",
            "ConfirmUrl": issued.link,
            "OrganizationName": ctx.instance.publisher_name,
        },
    )
    return issued


def change_scope(ctx: Context, email: str, instance: Instance | None) -> tuple[Operator, bool]:
    """Give an operator every instance (`instance` None) or only one. A change ends their
    sessions at once, so a narrowed operator keeps nothing they may no longer see. Returns
    the operator and whether anything changed."""
    target = find_or_raise(ctx, email.strip())
    wanted = instance.id if instance is not None else None
    if target.instance_id == wanted:
        return target, False
    target.instance_id = wanted
    end_sessions(ctx, target)
    audit.record(
        ctx,
        "operator.scope",
        f"operator/{target.email}",
        {"service": instance.name if instance is not None else None},
    )
    ctx.session.flush()
    return target, True


def limit_by(
    ctx: Context, acting: Operator, email: str, instance: Instance | None
) -> tuple[Operator, bool]:
    """`change_scope`, asked for by an operator in the console."""
    if not may_manage_operators(acting):
        raise Forbidden("Only an operator of every service manages operators.")
    if email_key(email.strip()) == acting.email_key:
        raise Invalid.field("service", "You cannot change your own services; another operator can.")
    return change_scope(ctx, email, instance)
