"""The console's Products pages: what developers subscribe to. + Add product, a product's
page with its settings (publish, terms, approval, limit), the groups that may see it and the
APIs it holds, and Delete after a question. Rules are the domain's
(apidesk.domain.products)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.console.base import PATH, Console, checkbox, choice, field, not_found_in, see_other
from apidesk.console.wording import PRODUCT_LABELS, refusal_status, said
from apidesk.domain import numbers
from apidesk.domain.apis import service as apis
from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.groups import service as groups
from apidesk.domain.products import links
from apidesk.domain.products import service as products
from apidesk.errors import DomainError, NotFound
from apidesk.query import ListQuery
from apidesk.storage.models import Operator, Product
from apidesk.web.paths import path

Handler = Callable[[Console, Request, FormData | None], Response]
ALL = ListQuery(top=1000)
# The states the Publish and Unpublish buttons send.
STATES = ("published", "notPublished")


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    base = "/{service}/products"
    return [
        Route(base, page(list_page), methods=["GET"]),
        Route(f"{base}/new", page(new_page), methods=["GET"]),
        Route(f"{base}/new", page(create), methods=["POST"]),
        Route(f"{base}/{{product}}", page(product_page), methods=["GET"]),
        Route(f"{base}/{{product}}", page(save), methods=["POST"]),
        Route(f"{base}/{{product}}/state", page(publish), methods=["POST"]),
        Route(f"{base}/{{product}}/delete", page(remove), methods=["POST"]),
        Route(f"{base}/{{product}}/groups", page(link_group), methods=["POST"]),
        Route(f"{base}/{{product}}/groups/remove", page(unlink_group), methods=["POST"]),
        Route(f"{base}/{{product}}/apis", page(add_api), methods=["POST"]),
        Route(f"{base}/{{product}}/apis/remove", page(remove_api), methods=["POST"]),
    ]


def _scope(console: Console, request: Request, ctx: Context) -> tuple[Operator, InstanceContext]:
    operator = console.operator_or_raise(request, ctx)
    return operator, console.instance(ctx, operator, request.path_params["service"])


def _product(ictx: InstanceContext, request: Request) -> Product:
    try:
        return products.get_or_raise(ictx, request.path_params["product"])
    except NotFound:
        name = request.path_params["product"]
        raise not_found_in(ictx, "product", name, "products", "Products") from None


def _fields(form: FormData, *, new: bool) -> products.ProductFields:
    """What the form says. The limit goes to the domain as typed when it is not a number it
    can hold (`numbers.whole`: no `int()` of thousands of digits), so the domain's own
    message explains what it takes."""
    limit_text = field(form, "subscriptions_limit").strip()
    limit = numbers.whole(limit_text, 0, products.FIELDS["subscriptions_limit"].maximum)
    read: dict[str, Any] = {
        "display_name": field(form, "display_name").strip(),
        "description": field(form, "description").strip() or None,
        "terms": field(form, "terms").strip() or None,
        "subscription_required": checkbox(form, "subscription_required"),
        "approval_required": checkbox(form, "approval_required"),
        "subscriptions_limit": (None if not limit_text else limit_text if limit is None else limit),
    }
    if new:
        read["state"] = "published" if checkbox(form, "published") else "notPublished"
    return products.ProductFields(**read)  # type: ignore[typeddict-item]


def _values(product: Product | None) -> dict[str, Any]:
    if product is None:
        return {"subscription_required": True}
    names = ("display_name", "description", "terms", "subscription_required")
    values = {name: getattr(product, name) for name in names}
    values["approval_required"] = product.approval_required
    values["subscriptions_limit"] = product.subscriptions_limit
    values["published"] = product.state == "published"
    return values


def list_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        every = products.list_products(ictx, ALL).items
        return console.render(
            request,
            ictx,
            "products/list.html",
            operator=operator,
            instance=ictx.instance,
            section="products",
            products=sorted(every, key=lambda item: item.display_name.lower()),
        )


def _new(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Operator,
    status: int = 200,
    **values: Any,
) -> Response:
    return console.render(
        request,
        ictx,
        "products/new.html",
        status,
        operator=operator,
        instance=ictx.instance,
        section="products",
        **values,
    )


def new_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        return _new(console, request, ictx, operator, values=_values(None))


def create(console: Console, request: Request, form: FormData | None) -> Response:
    typed: dict[str, Any] = {}
    try:
        with console.unit(write=True) as ctx:
            _, ictx = _scope(console, request, ctx)
            form = console.checked(request, form)
            fields = _fields(form, new=True)
            typed = {**fields, "published": fields.get("state") == "published"}
            product = products.create(ictx, fields)
            target = f"{PATH}/{ictx.instance.name}/products/{path(product.name)}"
            return see_other(target, "product-created")
    except DomainError as error:
        with console.unit(write=False) as ctx:
            operator, ictx = _scope(console, request, ctx)
            return _new(
                console,
                request,
                ictx,
                operator,
                refusal_status(error),
                values=typed,
                error=said(error, PRODUCT_LABELS),
            )


def _show(
    console: Console,
    request: Request,
    ictx: InstanceContext,
    operator: Operator,
    product: Product,
    status: int = 200,
    **values: Any,
) -> Response:
    linked_groups = links.product_groups(ictx, product.name, ALL).items
    linked_apis = links.product_apis(ictx, product.name, ALL).items
    group_ids = {group.id for group in linked_groups}
    api_ids = {api.id for api in linked_apis}
    values.setdefault("values", _values(product))
    return console.render(
        request,
        ictx,
        "products/product.html",
        status,
        operator=operator,
        instance=ictx.instance,
        section="products",
        product=product,
        subscriptions=products.subscription_count(ictx, product),
        linked_groups=linked_groups,
        linked_apis=linked_apis,
        other_groups=[g for g in groups.list_groups(ictx, ALL).items if g.id not in group_ids],
        other_apis=[a for a in apis.list_apis(ictx, ALL).items if a.id not in api_ids],
        **values,
    )


def product_page(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        return _show(console, request, ictx, operator, _product(ictx, request))


def _fail(console: Console, request: Request, error: DomainError, **values: Any) -> Response:
    with console.unit(write=False) as ctx:
        operator, ictx = _scope(console, request, ctx)
        product = _product(ictx, request)
        return _show(
            console,
            request,
            ictx,
            operator,
            product,
            refusal_status(error),
            error=said(error, PRODUCT_LABELS),
            **values,
        )


def _act(
    console: Console,
    request: Request,
    form: FormData | None,
    action: Callable[[InstanceContext, Product, FormData], str],
) -> Response:
    """Check the form, run `action` on the product in one unit of work, and show the
    product with the status message `action` names; a refusal shows the page with it."""
    try:
        with console.unit(write=True) as ctx:
            _, ictx = _scope(console, request, ctx)
            product = _product(ictx, request)
            checked = console.checked(request, form)
            done = action(ictx, product, checked)
            return see_other(f"{PATH}/{ictx.instance.name}/products/{path(product.name)}", done)
    except DomainError as error:
        return _fail(console, request, error)


def save(console: Console, request: Request, form: FormData | None) -> Response:
    typed: dict[str, Any] = {}
    try:
        with console.unit(write=True) as ctx:
            _, ictx = _scope(console, request, ctx)
            product = _product(ictx, request)
            form = console.checked(request, form)
            fields = _fields(form, new=False)
            typed = {**fields, "published": product.state == "published"}
            products.update(ictx, product.name, fields, expected_etag=field(form, "etag") or "*")
            return see_other(f"{PATH}/{ictx.instance.name}/products/{path(product.name)}", "saved")
    except DomainError as error:
        return _fail(console, request, error, values=typed)


def publish(console: Console, request: Request, form: FormData | None) -> Response:
    def act(ictx: InstanceContext, product: Product, form: FormData) -> str:
        wanted = choice(form, "state", STATES, "Choose to publish or to unpublish the product.")
        products.update(ictx, product.name, {"state": wanted})
        return "product-published" if wanted == "published" else "product-unpublished"

    return _act(console, request, form, act)


def remove(console: Console, request: Request, form: FormData | None) -> Response:
    try:
        with console.unit(write=True) as ctx:
            operator, ictx = _scope(console, request, ctx)
            product = _product(ictx, request)
            form = console.checked(request, form)
            if field(form, "confirm") != "yes":
                return _show(console, request, ictx, operator, product, confirm_delete=True)
            products.delete(
                ictx,
                product.name,
                delete_subscriptions=checkbox(form, "delete_subscriptions"),
            )
            return see_other(f"{PATH}/{ictx.instance.name}/products", "product-deleted")
    except DomainError as error:
        return _fail(console, request, error)


def link_group(console: Console, request: Request, form: FormData | None) -> Response:
    def act(ictx: InstanceContext, product: Product, form: FormData) -> str:
        added = links.link_group(ictx, product.name, field(form, "group"))[2]
        return "group-linked" if added else "unchanged"

    return _act(console, request, form, act)


def unlink_group(console: Console, request: Request, form: FormData | None) -> Response:
    def act(ictx: InstanceContext, product: Product, form: FormData) -> str:
        removed = links.unlink_group(ictx, product.name, field(form, "group"))
        return "group-unlinked" if removed else "unchanged"

    return _act(console, request, form, act)


def add_api(console: Console, request: Request, form: FormData | None) -> Response:
    def act(ictx: InstanceContext, product: Product, form: FormData) -> str:
        added = links.add_api(ictx, product.name, field(form, "api"))[1]
        return "api-linked" if added else "unchanged"

    return _act(console, request, form, act)


def remove_api(console: Console, request: Request, form: FormData | None) -> Response:
    def act(ictx: InstanceContext, product: Product, form: FormData) -> str:
        removed = links.remove_api(ictx, product.name, field(form, "api"))
        return "api-unlinked" if removed else "unchanged"

    return _act(console, request, form, act)
