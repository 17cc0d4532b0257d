"""Ids may hold `%`, `&`, `:` and `'` (apidesk.domain.validation.ID_PATTERN). Every link and
every redirect of the console and the portal percent-encodes the id it carries, so such an id
leads to its own page, never to another one or to a 404. A scan of the templates keeps new
links from putting an id in a URL as it is."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote

import httpx
from jinja2 import nodes
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

import apidesk
from apidesk.console.base import PAGES

V = {"api-version": "2024-05-01"}
ODD = "50%41off&x:y'z"  # "%41" would turn into "A" if the id went into a URL unencoded


def put(admin: httpx.Client, shop: ServiceRef, path: str, properties: dict[str, object]) -> None:
    answer = admin.put(shop.url(path), params=V, json={"properties": properties})
    assert answer.status_code in (200, 201), answer.text


def hrefs(page: httpx.Response) -> set[str]:
    return {html.unescape(link) for link in re.findall(r'(?:href|action)="([^"]+)"', page.text)}


def test_odd_ids_lead_to_their_own_pages_and_back(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    put(admin, shop, f"/products/{quote(ODD, safe='')}", {"displayName": "Odd product"})
    put(admin, shop, f"/groups/{quote(ODD, safe='')}", {"displayName": "Odd group"})
    put(admin, shop, f"/apis/{quote(ODD, safe='')}", {"displayName": "Odd API", "path": "odd"})
    signed_in_operator(app, person)
    encoded = quote(ODD, safe="")
    for kind, shown in (("products", "Odd product"), ("groups", "Odd group"), ("apis", "Odd API")):
        listing = person.get(f"/console/{shop.name}/{kind}")
        here = f"/console/{shop.name}/{kind}/{encoded}"
        assert here in hrefs(listing), (kind, sorted(hrefs(listing)))
        page = person.get(here)
        assert page.status_code == 200 and shown in page.text, (kind, page.status_code)
        assert all(ODD not in link for link in hrefs(page)), (kind, "an id left unencoded")

    group_page = person.get(f"/console/{shop.name}/groups/{encoded}")
    saved = person.submit(
        group_page, f"/console/{shop.name}/groups/{encoded}", display_name="Renamed", description=""
    )
    assert saved.status_code == 303
    assert saved.headers["location"].startswith(f"/console/{shop.name}/groups/{encoded}?")
    assert "Renamed" in person.follow(saved).text
    wire = admin.get(shop.url(f"/groups/{encoded}"), params=V).json()["properties"]
    assert wire["displayName"] == "Renamed"


# Expressions that are safe in a URL as they are: the web base path, service names (letters,
# digits and hyphens), the built-in template and notification names, numeric ids, static asset
# paths, `here`, which each page that uses it builds with `urlencode`, and the portal's menu
# links and its sign-in link (`link.href`, `signin_href`: the portal's base path, a fixed page
# name and a quoted way back, apidesk.portal.header).
SAFE = re.compile(
    r"^(base|static|asset\('[\w.]+'\)|instance\.name|item\.name|message\.id|here|link\.href"
    r"|signin_href|.*\|\s*urlencode.*)$"
)


# The console's confirmation panel (macros.html) takes its two URLs as arguments: they are
# checked where it is called (the test after this one).
MACRO_URLS = {"console/templates/macros.html": {"action", "back"}}
MACRO_URL_ARGUMENTS = ("action", "back")


def test_no_template_puts_an_id_in_a_url_unencoded() -> None:
    root = Path(apidesk.__file__).parent
    found = []
    for template in sorted(root.glob("*/templates/**/*.html")):
        name = str(template.relative_to(root))
        for number, line in enumerate(template.read_text().splitlines(), 1):
            for attribute in re.finditer(r'(?:href|action|src)="([^"]*)"', line):
                for expression in re.findall(r"{{\s*(.*?)\s*}}", attribute.group(1)):
                    if not SAFE.match(expression) and expression not in MACRO_URLS.get(name, ()):
                        found.append(f"{name}:{number}: {expression}")
    assert not found, "\n".join(found)


def _unsafe_parts(node: nodes.Node) -> list[str]:
    """The parts of a URL expression that are neither text, nor safe as they are (SAFE), nor
    passed through `urlencode`."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return []
    if isinstance(node, nodes.Filter) and node.name == "urlencode":
        return []
    if isinstance(node, nodes.Concat):
        return [part for item in node.nodes for part in _unsafe_parts(item)]
    if isinstance(node, nodes.Name) and SAFE.match(node.name):
        return []
    if (
        isinstance(node, nodes.Getattr)
        and isinstance(node.node, nodes.Name)
        and SAFE.match(f"{node.node.name}.{node.attr}")
    ):
        return []
    return [type(node).__name__ if not isinstance(node, nodes.Name) else node.name]


def test_no_confirmation_panel_is_given_an_id_unencoded() -> None:
    """The URLs passed to `confirm_panel` (its action and its way back), and the `here` each
    of them is built on, hold ids only through `urlencode`."""
    root = Path(apidesk.__file__).parent / "console" / "templates"
    found, calls = [], 0
    for template in sorted(root.glob("**/*.html")):
        tree = PAGES.parse(template.read_text())
        for assigned in tree.find_all(nodes.Assign):
            if isinstance(assigned.target, nodes.Name) and assigned.target.name == "here":
                found += [f"{template.name}: here: {part}" for part in _unsafe_parts(assigned.node)]
        for call in tree.find_all(nodes.Call):
            if not (isinstance(call.node, nodes.Name) and call.node.name == "confirm_panel"):
                continue
            calls += 1
            named = [kw.value for kw in call.kwargs if kw.key in MACRO_URL_ARGUMENTS]
            urls = call.args[2:4] + named
            assert len(urls) == 2, f"{template.name}: confirm_panel without both URLs"
            for url in urls:
                found += [f"{template.name}:{call.lineno}: {part}" for part in _unsafe_parts(url)]
    assert calls >= 8, calls
    assert not found, "\n".join(found)
