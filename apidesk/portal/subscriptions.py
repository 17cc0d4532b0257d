"""A signed-in developer's subscriptions: the list, one subscription with its keys hidden until
asked for, and regenerating a key (confirmed first). Only the user's own subscriptions: any
other id is the 404 page. Signed-out (or blocked) visitors are sent to sign in."""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from apidesk.domain.context import InstanceContext
from apidesk.domain.subscriptions import keys, own
from apidesk.errors import Invalid, NotFound
from apidesk.portal.base import PageNotFound, Portal, refusal_status
from apidesk.portal.base import form_field as _field
from apidesk.portal.base import problem_text as _problem
from apidesk.portal.products import DONE
from apidesk.storage.models import User

SLOT_NAMES = {"primary": "primary key", "secondary": "secondary key"}


def _user(portal: Portal, request: Request, ctx: InstanceContext) -> User | RedirectResponse:
    user = portal.signed_in(request, ctx)
    if user is None:
        return portal.to_signin(request)
    ctx.actor = f"user:{user.name}"
    return user


def _owned(ctx: InstanceContext, user: User, sid: str) -> own.Owned:
    try:
        return own.get_owned(ctx, user, sid)
    except NotFound:
        raise PageNotFound() from None


def list_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        user = _user(portal, request, ctx)
        if isinstance(user, Response):
            return user
        owned = own.list_owned(ctx, user)
        return portal.render(request, ctx, "subscriptions.html", user=user, owned=owned)


def detail_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        user = _user(portal, request, ctx)
        if isinstance(user, Response):
            return user
        owned = _owned(ctx, user, request.path_params["sid"])
        done = DONE.get(request.query_params.get("done", ""))
        return portal.render(
            request, ctx, "subscription.html", user=user, owned=owned, status_message=done
        )


def keys_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    """Show the keys (audited). The answer must not be kept by any cache."""
    with portal.unit(request, write=True) as ctx:
        user = _user(portal, request, ctx)
        if isinstance(user, Response):
            return user
        owned = _owned(ctx, user, request.path_params["sid"])
        try:
            portal.checked(request, form)
            revealed = own.reveal(ctx, user, owned.subscription.name)
        except Invalid as error:
            return _refused(portal, request, ctx, user, owned, error)
        response = portal.render(
            request, ctx, "subscription.html", user=user, owned=owned, revealed=revealed
        )
        response.headers["Cache-Control"] = "no-store"
        return response


def regenerate_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    """Ask before regenerating: the old key stops working at once."""
    with portal.unit(request, write=False) as ctx:
        user = _user(portal, request, ctx)
        if isinstance(user, Response):
            return user
        owned = _owned(ctx, user, request.path_params["sid"])
        slot = request.query_params.get("key", "")
        if slot not in keys.SLOTS:
            raise PageNotFound()
        if not owned.keys_offered:
            # The page says why its keys are not offered.
            target = f"{portal.base_path(request)}/subscriptions/{quote(owned.subscription.name)}"
            return RedirectResponse(target, status_code=303)
        return portal.render(
            request,
            ctx,
            "regenerate.html",
            user=user,
            owned=owned,
            slot=slot,
            slot_name=SLOT_NAMES[slot],
        )


def regenerate_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=True) as ctx:
        user = _user(portal, request, ctx)
        if isinstance(user, Response):
            return user
        owned = _owned(ctx, user, request.path_params["sid"])
        try:
            checked = portal.checked(request, form)
            slot = _field(checked, "key")
            own.regenerate(ctx, user, owned.subscription.name, slot)
        except Invalid as error:
            return _refused(portal, request, ctx, user, owned, error)
        return portal.render(
            request,
            ctx,
            "subscription.html",
            user=user,
            owned=owned,
            status_message=f"A new {SLOT_NAMES[slot]} was made; the old one no longer works.",
        )


def _refused(
    portal: Portal,
    request: Request,
    ctx: InstanceContext,
    user: User,
    owned: own.Owned,
    error: Invalid,
) -> Response:
    return portal.render(
        request,
        ctx,
        "subscription.html",
        refusal_status(error),
        user=user,
        owned=owned,
        error=f"{_problem(error)} Nothing was changed.",
    )
