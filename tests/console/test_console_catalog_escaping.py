"""Names typed into the console's Groups, Products and APIs forms are shown as text on every
page that lists or opens them (no markup runs), and each of those actions is in the audit log
with the operator as actor and the console as source."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.console.audit_words import action_words

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SHOWN = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def made(person: Person, shop: ServiceRef, page: str, **fields: str) -> str:
    form = person.get(f"/console/{shop.name}/{page}/new")
    assert form.status_code == 200, form.text
    answer = person.submit(form, f"/console/{shop.name}/{page}/new", **fields)
    assert answer.status_code == 303, answer.text
    return urlsplit(answer.headers["location"]).path.rsplit("/", 1)[1]


def inert(text: str) -> None:
    assert "<script>alert" not in text and "<img src=x" not in text
    assert SHOWN in text


def test_names_with_markup_are_text_and_every_action_is_audited(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    group = made(person, shop, "groups", display_name=EVIL, description=EVIL, type="custom")
    api = made(
        person,
        shop,
        "apis",
        display_name=EVIL,
        path="evil",
        service_url="",
        header_name="",
        query_name="",
        subscription_required="on",
    )
    product = made(
        person,
        shop,
        "products",
        display_name=EVIL,
        description=EVIL,
        terms=EVIL,
        subscription_required="on",
        subscriptions_limit="",
    )
    page = person.get(f"/console/{shop.name}/products/{product}")
    linked = person.submit(page, f"/console/{shop.name}/products/{product}/groups", group=group)
    assert linked.status_code == 303, linked.text
    added = person.submit(page, f"/console/{shop.name}/products/{product}/apis", api=api)
    assert added.status_code == 303, added.text

    for path in (
        "groups",
        f"groups/{group}",
        "apis",
        f"apis/{api}",
        "products",
        f"products/{product}",
    ):
        answer = person.get(f"/console/{shop.name}/{path}")
        assert answer.status_code == 200, path
        inert(answer.text)
    for path in (f"groups/{group}/delete", f"products/{product}/delete", f"apis/{api}/delete"):
        asked = person.submit(page, f"/console/{shop.name}/{path}")
        assert asked.status_code == 200, path
        inert(asked.text)

    audit = person.get(f"/console/{shop.name}/audit", target=group).text
    assert "<td>Group created</td>" in audit and " (console)</td>" in audit
    for action in ("group.create", "api.create", "product.create", "product.group-link"):
        rows = person.get(f"/console/{shop.name}/audit", action=action).text
        assert f"<td>{action_words(action)}</td>" in rows and " (console)</td>" in rows, action
