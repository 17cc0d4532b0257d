"""One-time links: 256 random bits in the link, only a digest stored, used once, expiring.

Issuing a link closes the user's earlier open links of the same purpose. Redeeming is one
conditional UPDATE, so two racing redemptions cannot both succeed. A change that makes a
user's open links point at the wrong person or the wrong state (a new e-mail address, a block)
voids them all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update

from apidesk.domain.context import InstanceContext
from apidesk.errors import DomainError
from apidesk.security import tokens
from apidesk.storage.models import OneTimeLink, User


class Purpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password-reset"  # noqa: S105 - a purpose, not a password
    SIGNUP = "signup"
    EMAIL_CHANGE = "email-change"
    SSO = "sso"


class LinkState(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    USED = "used"
    REPLACED = "replaced"
    VOIDED = "voided"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Lookup:
    state: LinkState
    link: OneTimeLink | None = None
    user: User | None = None


def issue(
    ctx: InstanceContext,
    user: User,
    purpose: Purpose,
    lifetime: timedelta,
    payload: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    replace: bool = True,
) -> str:
    """A new link for `user`: a fresh random token, or `token` when the caller made one (a
    signed sign-on token). With `replace`, earlier open links for the same purpose stop
    working."""
    now = ctx.now()
    if replace:
        ctx.session.execute(
            update(OneTimeLink)
            .where(
                OneTimeLink.user_id == user.id,
                OneTimeLink.purpose == purpose.value,
                OneTimeLink.closed_at.is_(None),
            )
            .values(closed_at=now, outcome=LinkState.REPLACED.value)
        )
    token = token or tokens.new_token()
    ctx.session.add(
        OneTimeLink(
            instance_id=ctx.instance.id,
            user_id=user.id,
            purpose=purpose.value,
            digest=tokens.digest(token),
            created_at=now,
            expires_at=now + lifetime,
            payload=payload or {},
        )
    )
    ctx.session.flush()
    return token


def void_all(ctx: InstanceContext, user: User) -> int:
    """Close every open link of `user`, whatever it is for; how many were open."""
    return void_all_of(ctx, [user.id])


def void_all_of(ctx: InstanceContext, user_ids: Collection[int]) -> int:
    """Close every open link of these users; how many were open."""
    if not user_ids:
        return 0
    result = ctx.session.execute(
        update(OneTimeLink)
        .where(
            OneTimeLink.instance_id == ctx.instance.id,
            OneTimeLink.user_id.in_(user_ids),
            OneTimeLink.closed_at.is_(None),
        )
        .values(closed_at=ctx.now(), outcome=LinkState.VOIDED.value)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def is_latest(ctx: InstanceContext, link: OneTimeLink) -> bool:
    """Whether no link of the same purpose was issued to the user after `link`."""
    newer = ctx.session.scalar(
        select(OneTimeLink.id)
        .where(
            OneTimeLink.user_id == link.user_id,
            OneTimeLink.purpose == link.purpose,
            OneTimeLink.id > link.id,
        )
        .limit(1)
    )
    return newer is None


def look_up(ctx: InstanceContext, token: str, purpose: Purpose) -> Lookup:
    """What a link is, without using it (to show the right page)."""
    if not token or len(token) > 200:
        return Lookup(LinkState.UNKNOWN)
    link = ctx.session.scalars(
        select(OneTimeLink).where(
            OneTimeLink.digest == tokens.digest(token),
            OneTimeLink.instance_id == ctx.instance.id,
            OneTimeLink.purpose == purpose.value,
        )
    ).first()
    if link is None:
        return Lookup(LinkState.UNKNOWN)
    user = ctx.session.get(User, link.user_id)
    if link.closed_at is not None:
        closed = {
            LinkState.REPLACED.value: LinkState.REPLACED,
            LinkState.VOIDED.value: LinkState.VOIDED,
        }
        return Lookup(closed.get(link.outcome or "", LinkState.USED), link, user)
    if link.expires_at <= ctx.now():
        return Lookup(LinkState.EXPIRED, link, user)
    return Lookup(LinkState.OPEN, link, user)


def redeem(ctx: InstanceContext, token: str, purpose: Purpose) -> Lookup:
    """Use the link: succeeds for exactly one caller while it is open and unexpired."""
    found = look_up(ctx, token, purpose)
    if found.state is not LinkState.OPEN or found.link is None:
        return found
    now = ctx.now()
    result = ctx.session.execute(
        update(OneTimeLink)
        .where(
            OneTimeLink.id == found.link.id,
            OneTimeLink.closed_at.is_(None),
            OneTimeLink.expires_at > now,
        )
        .values(closed_at=now, outcome=LinkState.USED.value)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return Lookup(LinkState.USED, found.link, found.user)
    return found


class LinkUnusable(DomainError):
    """The link is expired, used, replaced or unknown; `state` says which."""

    code = "LinkUnusable"

    def __init__(self, state: LinkState, user: User | None = None) -> None:
        super().__init__(f"The link cannot be used: it is {state.value}.")
        self.state = state
        self.user = user


def open_or_raise(ctx: InstanceContext, token: str, purpose: Purpose) -> Lookup:
    found = look_up(ctx, token, purpose)
    if found.state is not LinkState.OPEN:
        raise LinkUnusable(found.state, found.user)
    return found


def redeem_or_raise(ctx: InstanceContext, token: str, purpose: Purpose) -> User:
    found = redeem(ctx, token, purpose)
    if found.state is not LinkState.OPEN or found.user is None:
        raise LinkUnusable(found.state if found.state is not LinkState.OPEN else LinkState.USED)
    return found.user
