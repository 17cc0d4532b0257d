"""The console's Subscriptions pages: the subscriptions of an instance, filtered and paged; a
subscription's page where an operator approves or rejects a request (with a reason the
developer is told), suspends, activates or cancels, and shows, copies or regenerates its keys.
Keys stay hidden until asked for, each look is audited, and no page with a key is cached. The
rules are the domain's (apidesk.domain.subscriptions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.console.base import PATH, Console, choice, field, not_found_in, see_other
from apidesk.console.wording import SUBSCRIPTION_LABELS, refusal_status, said
from apidesk.domain import numbers
from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.products import service as products
from apidesk.domain.subscriptions import browse, keys
from apidesk.domain.subscriptions import service as subscriptions
from apidesk.errors import DomainError, Invalid, NotFound
from apidesk.query import ListQuery
from apidesk.storage.models import Operator, Subscription
from apidesk.web.paths import path

Handler = Callable[[Console, Request, FormData | None], Response]

# What each button asks for, and the status message that follows it.
ACTIONS = {
    "approve": ("active", "approved"),
    "reject": ("rejected", "rejected"),
    "suspend": ("suspended", "suspended"),
    "activate": ("active", "subscription-activated"),
    "cancel": ("cancelled", "cancelled"),
}
# The actions that cannot be undone, asked again before they are done.
CONFIRMED = ("cancel", "reject")
# What the buttons of a key send: Show, or Regenerate (after a question).
KEY_ACTS = ("show", "regenerate")
# Which buttons a state offers.
OFFERED = {
    "submitted": ("approve", "reject"),
    "active": ("suspend", "cancel"),
    "suspended": ("activate", "cancel"),
}


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    base = "/{service}/subscriptions"
    return [
        Route(base, page(list_page), methods=["GET"]),
        Route(f"{base}/{{sid}}", page(detail_page), methods=["GET"]),
        Route(f"{base}/{{sid}}/state", page(change_state), methods=["POST"]),
        Route(f"{base}/{{sid}}/keys", page(key_action), methods=["POST"]),
    ]


def _scope(console: Console, request: Request, ctx: Context) -> tuple[Operator, InstanceContext]:
    operator = console.operator_or_raise(request, ctx)
    return operator, console.instance(ctx, operator, request.path_params["service"])


def _subscription(ictx: InstanceContext, request: Request) -> Subscription:
    try:
        return subscriptions.get_or_raise(ictx, request.path_params["sid"])
    except NotFound:
        name = request.path_params["sid"]
        raise not_found_in(ictx, "subscription", name, "subscriptions", "Subscriptions") from None


def _cursor(value: str | None) -> int | None:
    """A paging position: the id of a row, or None for text that no row's id can be."""
    return numbers.record_id(value)


def list_page(console: Console, request: Request, form: FormData | None) -> Response:
    params = request.query_params
    asked = {name: params.get(name, "")[:300] for name in ("state", "product", "owner", "search")}
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        found = browse.browse(
            ictx,
            browse.Browse(
                state=asked["state"] or None,
                product=asked["product"] or None,
                owner=asked["owner"] or None,
                search=asked["search"],
                after=_cursor(params.get("after")),
                before=_cursor(params.get("before")),
            ),
        )
        return console.render(
            request,
            ictx,
            "subscriptions/list.html",
            operator=operator,
            instance=ictx.instance,
            section="subscriptions",
            asked=asked,
            page=found,
            states=browse.STATES,
            products=sorted(
                products.list_products(ictx, ListQuery(top=1000)).items,
                key=lambda item: item.display_name.lower(),
            ),
        )


def _show(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Operator,
    subscription: Subscription,
    status: int = 200,
    **values: Any,
) -> Response:
    row = browse.detail(ictx, subscription)
    return console.render(
        request,
        ictx,
        "subscriptions/detail.html",
        status,
        operator=operator,
        instance=ictx.instance,
        section="subscriptions",
        subscription=subscription,
        owner=row.owner,
        product=row.product,
        offered=OFFERED.get(subscription.state, ()),
        keys_live=subscriptions.keys_live(subscription),
        **values,
    )


def detail_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        return _show(console, request, ictx, operator, _subscription(ictx, request))


def _fail(console: Console, request: Request, error: DomainError, **values: Any) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        subscription = _subscription(ictx, request)
        return _show(
            console,
            request,
            ictx,
            operator,
            subscription,
            refusal_status(error),
            error=said(error, SUBSCRIPTION_LABELS),
            **values,
        )


def change_state(console: Console, request: Request, form: FormData | None) -> Response:
    reason = ""
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = _scope(console, request, ctx)
            subscription = _subscription(ictx, request)
            form = console.checked(request, form)
            action = field(form, "act")
            if action not in OFFERED.get(subscription.state, ()):
                raise Invalid.field(
                    "act", f"A {subscription.state} subscription cannot be changed that way."
                )
            reason = field(form, "reason").strip()
            state, done = ACTIONS[action]
            comment = (reason or None) if action == "reject" else None
            if action in CONFIRMED and field(form, "confirm") != "yes":
                subscriptions.check_state_change(state, comment=comment)
                return _show(
                    console, request, ictx, operator, subscription, confirm=action, reason=reason
                )
            subscriptions.set_state(ictx, subscription.name, state, comment=comment)
            target = f"{PATH}/{ictx.instance.name}/subscriptions/{path(subscription.name)}"
            return see_other(target, done)
    except DomainError as error:
        return _fail(console, request, error, reason=reason)


def key_action(console: Console, request: Request, form: FormData | None) -> Response:
    """Show one key (on this answer only, audited) or regenerate it after a question."""
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = _scope(console, request, ctx)
            subscription = _subscription(ictx, request)
            form = console.checked(request, form)
            slot = field(form, "slot")
            if slot not in keys.SLOTS:
                raise Invalid.field("slot", "Choose the primary or the secondary key.")
            chosen = cast(keys.Slot, slot)
            subscriptions.refuse_dead_keys(subscription)
            act = choice(form, "act", KEY_ACTS, "Choose to show or to regenerate the key.")
            if act == "regenerate":
                if field(form, "confirm") != "yes":
                    return _show(
                        console, request, ictx, operator, subscription, confirm_regenerate=chosen
                    )
                subscriptions.regenerate(ictx, subscription.name, chosen)
                target = f"{PATH}/{ictx.instance.name}/subscriptions/{path(subscription.name)}"
                return see_other(target, f"{chosen}-regenerated")
            _, key = subscriptions.reveal_key(ictx, subscription.name, chosen)
            return _show(console, request, ictx, operator, subscription, revealed={chosen: key})
    except DomainError as error:
        return _fail(console, request, error)
