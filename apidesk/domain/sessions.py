"""Developer-portal sessions: a random token in a cookie, its digest in the database.

A session is honoured only while it is unexpired and its user is active. A new password, a
new e-mail address or a block deletes every session of the user (`apidesk.domain.users.
credentials`), so none comes back when the user is activated again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from sqlalchemy import bindparam, delete, insert, select

from apidesk.domain.context import InstanceContext
from apidesk.security import tokens
from apidesk.storage.models import PortalSession, User, UserSummary

_INSERT = insert(PortalSession)
# Built once: every page a signed-in developer opens looks its session up.
_USER_OF = (
    select(PortalSession.expires_at, User)
    .join(User, User.id == PortalSession.user_id)
    .where(
        PortalSession.digest == bindparam("digest"),
        PortalSession.instance_id == bindparam("instance"),
    )
)


def start(ctx: InstanceContext, user: UserSummary) -> str:
    """A new session of `user`, written at once; the token for the browser's cookie."""
    token = tokens.new_token()
    now = ctx.now()
    ctx.session.connection().execute(
        _INSERT,
        {
            "instance_id": ctx.instance.id,
            "user_id": user.id,
            "digest": tokens.digest(token),
            "created_at": now,
            "expires_at": now + timedelta(hours=ctx.runtime.settings.session_hours),
        },
    )
    return token


def user_of(ctx: InstanceContext, token: str | None) -> User | None:
    if not token or len(token) > 200:
        return None
    values = {"digest": tokens.digest(token), "instance": ctx.instance.id}
    row = ctx.session.execute(_USER_OF, values).first()
    if row is None:
        return None
    expires_at, user = row
    if expires_at <= ctx.now() or user.state != "active":
        return None
    return user


def end(ctx: InstanceContext, token: str | None) -> None:
    if token:
        ctx.session.execute(
            delete(PortalSession).where(
                PortalSession.digest == tokens.digest(token),
                PortalSession.instance_id == ctx.instance.id,
            )
        )


def end_all(ctx: InstanceContext, user: User) -> int:
    return end_all_of(ctx, [user.id])


def end_all_of(ctx: InstanceContext, user_ids: Collection[int]) -> int:
    """End every session of these users; how many there were."""
    if not user_ids:
        return 0
    result = ctx.session.execute(
        delete(PortalSession).where(
            PortalSession.instance_id == ctx.instance.id, PortalSession.user_id.in_(user_ids)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
