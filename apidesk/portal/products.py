"""The portal's Products pages (what a visitor's groups may see, Guests for anyone not signed
in), subscribing to a product, and renaming or cancelling one's own subscription. While
subscriptions are delegated, Subscribe, Cancel and (for an expired subscription) Renew send
the browser to the publisher's site, signed. The rules are the domain's
(apidesk.domain.products.shelf, subscriptions.own)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from apidesk.domain.context import InstanceContext
from apidesk.domain.portal import settings as portal_settings
from apidesk.domain.portal.delegation import Operation
from apidesk.domain.products import shelf
from apidesk.domain.subscriptions import own
from apidesk.errors import DomainError, NotFound
from apidesk.portal.base import PageNotFound, Portal, refusal_status, refused
from apidesk.portal.base import form_field as _field
from apidesk.portal.delegated import hand_off
from apidesk.storage.models import Product, User
from apidesk.web.paths import path

Handler = Callable[[Portal, Request, FormData | None], Response]

DONE = {
    "subscribed": "You are subscribed: your keys are below.",
    "requested": "Your request is sent. The API team will approve it; you will get an e-mail.",
    "renamed": "The subscription was renamed.",
    "cancelled": "The subscription is cancelled; its keys no longer work.",
}


# The subscribe form's fields (their ids) for the domain's names of them, in its order.
SUBSCRIBE_FIELDS = {"name": "name", "terms": "consent"}


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    return [
        Route("/{service}/products", page(list_page), methods=["GET"]),
        Route("/{service}/products/{product}", page(product_page), methods=["GET"]),
        Route("/{service}/products/{product}/subscribe", page(subscribe), methods=["POST"]),
        Route("/{service}/subscriptions/{sid}/rename", page(rename), methods=["POST"]),
        Route("/{service}/subscriptions/{sid}/cancel", page(cancel_page), methods=["GET"]),
        Route("/{service}/subscriptions/{sid}/cancel", page(cancel), methods=["POST"]),
        Route("/{service}/subscriptions/{sid}/renew", page(renew), methods=["POST"]),
    ]


def _visitor(portal: Portal, request: Request, ctx: InstanceContext) -> User | None:
    user = portal.signed_in(request, ctx)
    if user is not None:
        ctx.actor = f"user:{user.name}"
    return user


def list_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        user = _visitor(portal, request, ctx)
        if user is None and portal_settings.signin_required(ctx):
            return portal.to_signin(request)
        shown = shelf.visible(ctx, user)
        return portal.render(request, ctx, "products.html", user=user, products=shown)


def _product(ctx: InstanceContext, user: User | None, product_id: str) -> Product:
    try:
        return shelf.visible_or_raise(ctx, user, product_id)
    except NotFound:
        raise PageNotFound() from None


def _show(
    portal: Portal,
    request: Request,
    ctx: InstanceContext,
    user: User | None,
    product: Product,
    status: int = 200,
    **values: Any,
) -> Response:
    # The subscriptions to this product the developer holds already, whatever their state.
    held = [] if user is None else own.list_owned(ctx, user)
    return portal.render(
        request,
        ctx,
        "product.html",
        status,
        user=user,
        product=product,
        apis=shelf.apis_of(ctx, product),
        held=[item for item in held if item.subscription.product_id == product.id],
        **values,
    )


def product_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        user = _visitor(portal, request, ctx)
        if user is None and portal_settings.signin_required(ctx):
            return portal.to_signin(request)
        return _show(
            portal, request, ctx, user, _product(ctx, user, request.path_params["product"])
        )


def subscribe(portal: Portal, request: Request, form: FormData | None) -> Response:
    typed = ""
    try:
        with portal.unit(request, write=True) as ctx:
            user = _visitor(portal, request, ctx)
            if user is None:
                return portal.to_signin(request)
            product = _product(ctx, user, request.path_params["product"])
            form = portal.checked(request, form)
            delegated = hand_off(
                ctx, Operation.SUBSCRIBE, status=303, productId=product.name, userId=user.name
            )
            if delegated is not None:
                return delegated
            typed = _field(form, "name")
            made = shelf.subscribe(
                ctx, user, product.name, typed, accepted_terms=_field(form, "consent") == "yes"
            )
            done = "requested" if made.state == "submitted" else "subscribed"
            target = f"{portal.base_path(request)}/subscriptions/{path(made.name)}?done={done}"
            return RedirectResponse(target, status_code=303)
    except DomainError as error:
        with portal.unit(request, write=False) as ctx:
            user = _visitor(portal, request, ctx)
            if user is None:
                return portal.to_signin(request)
            product = _product(ctx, user, request.path_params["product"])
            return _show(
                portal,
                request,
                ctx,
                user,
                product,
                refusal_status(error),
                **refused(error, SUBSCRIBE_FIELDS),
                typed=typed,
            )


def _owned_or_404(ctx: InstanceContext, user: User, sid: str) -> own.Owned:
    try:
        return own.get_owned(ctx, user, sid)
    except NotFound:
        raise PageNotFound() from None


def _subscription_page(
    portal: Portal,
    request: Request,
    ctx: InstanceContext,
    user: User,
    owned: own.Owned,
    error: DomainError,
    fields: dict[str, str] | None = None,
) -> Response:
    """The subscription's page again, with what was refused (at the `fields` it names)."""
    said = refused(error, fields or {})
    return portal.render(
        request,
        ctx,
        "subscription.html",
        refusal_status(error),
        user=user,
        owned=owned,
        error=f"{said['error']} Nothing was changed.",
        field_errors=said["field_errors"],
    )


def rename(portal: Portal, request: Request, form: FormData | None) -> Response:
    try:
        with portal.unit(request, write=True) as ctx:
            user = _visitor(portal, request, ctx)
            if user is None:
                return portal.to_signin(request)
            owned = _owned_or_404(ctx, user, request.path_params["sid"])
            form = portal.checked(request, form)
            own.rename(ctx, user, owned.subscription.name, _field(form, "name"))
            page = path(owned.subscription.name)
            target = f"{portal.base_path(request)}/subscriptions/{page}?done=renamed"
            return RedirectResponse(target, status_code=303)
    except DomainError as error:
        with portal.unit(request, write=False) as ctx:
            user = _visitor(portal, request, ctx)
            if user is None:
                return portal.to_signin(request)
            owned = _owned_or_404(ctx, user, request.path_params["sid"])
            return _subscription_page(portal, request, ctx, user, owned, error, {"name": "name"})


def cancel_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        user = _visitor(portal, request, ctx)
        if user is None:
            return portal.to_signin(request)
        owned = _owned_or_404(ctx, user, request.path_params["sid"])
        return portal.render(request, ctx, "cancel.html", user=user, owned=owned)


def cancel(portal: Portal, request: Request, form: FormData | None) -> Response:
    try:
        with portal.unit(request, write=True) as ctx:
            user = _visitor(portal, request, ctx)
            if user is None:
                return portal.to_signin(request)
            owned = _owned_or_404(ctx, user, request.path_params["sid"])
            form = portal.checked(request, form)
            delegated = hand_off(
                ctx, Operation.UNSUBSCRIBE, status=303, subscriptionId=owned.subscription.name
            )
            if delegated is not None:
                return delegated
            own.cancel(ctx, user, owned.subscription.name)
            page = path(owned.subscription.name)
            target = f"{portal.base_path(request)}/subscriptions/{page}?done=cancelled"
            return RedirectResponse(target, status_code=303)
    except DomainError as error:
        with portal.unit(request, write=False) as ctx:
            user = _visitor(portal, request, ctx)
            if user is None:
                return portal.to_signin(request)
            owned = _owned_or_404(ctx, user, request.path_params["sid"])
            return _subscription_page(portal, request, ctx, user, owned, error)


def renew(portal: Portal, request: Request, form: FormData | None) -> Response:
    """Renew an expired subscription: only ever handed to the publisher (APIM's Renew)."""
    try:
        with portal.unit(request, write=False) as ctx:
            user = _visitor(portal, request, ctx)
            if user is None:
                return portal.to_signin(request)
            owned = _owned_or_404(ctx, user, request.path_params["sid"])
            form = portal.checked(request, form)
            owned = own.renewable_or_raise(ctx, user, owned.subscription.name)
            delegated = hand_off(
                ctx, Operation.RENEW, status=303, subscriptionId=owned.subscription.name
            )
            if delegated is None:  # renewable means delegated: no other way here
                raise PageNotFound()
            return delegated
    except DomainError as error:
        with portal.unit(request, write=False) as ctx:
            user = _visitor(portal, request, ctx)
            if user is None:
                return portal.to_signin(request)
            owned = _owned_or_404(ctx, user, request.path_params["sid"])
            return _subscription_page(portal, request, ctx, user, owned, error)
