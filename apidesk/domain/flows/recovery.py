"""Password recovery: a request that results in a password-reset e-mail."""

from __future__ import annotations

from apidesk.domain import audit, validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.notifications import outbox
from apidesk.domain.users.service import APP_TYPES, get_or_raise
from apidesk.errors import Collection

TEMPLATE = "PasswordResetIdentityDefault"


def request(ctx: InstanceContext, user_id: str, *, app_type: str = "portal") -> None:
    problems = Collection()
    app_type = validation.choice(problems, "appType", app_type, APP_TYPES) or "portal"
    problems.raise_if_any()
    user = get_or_raise(ctx, user_id)
    outbox.enqueue(ctx, TEMPLATE, user, {"appType": app_type})
    audit.record(ctx, "user.password-reset-requested", f"users/{user.name}", {"appType": app_type})
    ctx.session.flush()
