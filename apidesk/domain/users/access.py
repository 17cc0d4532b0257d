"""Signed access for users: shared-access tokens and single sign-on URLs.

Both are APIM's `{userId}&{expiry}&{signature}` tokens, signed with the instance's `access` key
and bound to the account's stamp, so that a token of a deleted user never speaks for a later
user with the same id. A sign-on URL also works only once: its token is recorded as a one-time
link, redeemed when the portal signs the user in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from apidesk.domain import audit, tenant
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import links
from apidesk.domain.flows.links import LinkState, Purpose
from apidesk.domain.notifications.values import portal_base_url
from apidesk.domain.users import repository
from apidesk.domain.users.service import get_or_raise
from apidesk.errors import Invalid
from apidesk.security import sas
from apidesk.storage.models import User

MAX_TOKEN_LIFETIME = timedelta(days=30)


def shared_access_token(
    ctx: InstanceContext, user_id: str, *, key_type: str, expiry: datetime
) -> str:
    user = get_or_raise(ctx, user_id)
    now = ctx.now()
    if expiry <= now:
        raise Invalid.field("expiry", "'expiry' must be in the future.")
    if expiry > now + MAX_TOKEN_LIFETIME:
        raise Invalid.field("expiry", "'expiry' must be at most 30 days from now.")
    if key_type not in ("primary", "secondary"):
        raise Invalid.field("keyType", "'keyType' must be 'primary' or 'secondary'.")
    key = tenant.signing_key(ctx, "primary" if key_type == "primary" else "secondary")
    audit.record(ctx, "user.token", f"users/{user.name}", {"keyType": key_type, "expiry": expiry})
    return sas.create(key, user.name, expiry, user.stamp)


def sso_url(ctx: InstanceContext, user_id: str) -> str:
    user = get_or_raise(ctx, user_id)
    lifetime = timedelta(minutes=ctx.runtime.settings.sso_token_minutes)
    # The expiry in the token is whole minutes: the link expires with the token.
    expiry = (ctx.now() + lifetime).replace(second=0, microsecond=0)
    key = tenant.signing_key(ctx, "primary")
    token = sas.create(key, user.name, expiry, user.stamp)
    # Two links made in the same minute would be the same token, and a used one must stay
    # used: the later link lives a minute longer instead.
    while links.look_up(ctx, token, Purpose.SSO).state is not LinkState.UNKNOWN:
        expiry += timedelta(minutes=1)
        token = sas.create(key, user.name, expiry, user.stamp)
    # Several sign-on links of one user may be open at once (two browsers signing in).
    links.issue(ctx, user, Purpose.SSO, expiry - ctx.now(), token=token, replace=False)
    audit.record(ctx, "user.sso", f"users/{user.name}")
    return f"{portal_base_url(ctx)}/signin-sso?token={quote(token, safe='')}"


def verify_token(ctx: InstanceContext, token: str) -> User | None:
    """The user a shared-access token speaks for, if it is genuine, current and was issued to
    this very account."""
    parsed = sas.parse(token)
    if parsed is None:
        return None
    user = repository.find(ctx, parsed.user_id)
    if user is None or not sas.verify(parsed, tenant.verification_keys(ctx), ctx.now(), user.stamp):
        return None
    return user


def sign_on(ctx: InstanceContext, token: str) -> User | None:
    """Use a sign-on token from `sso_url`: the active user it was issued to, once; None for
    anything else (forged, expired, used, for another account, or a user no longer active)."""
    user = verify_token(ctx, token)
    if user is None:
        return None
    redeemed = links.redeem(ctx, token, Purpose.SSO)
    if redeemed.state is not LinkState.OPEN or redeemed.user is None:
        return None
    if redeemed.user.id != user.id or user.state != "active":
        return None
    return user
