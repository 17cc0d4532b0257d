"""The audit log in words: every action code the domain records has words in the console
(apidesk.console.audit_words), and a user's page shows its trail in them."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

import apidesk
from apidesk.console.audit_words import ACTIONS, AREAS, action_words, actor_words

DOMAIN = Path(apidesk.__file__).parent / "domain"
# An action code as the domain writes it: an area, a dot, the rest (a slot or a settings
# name in braces where it is formatted in).
CODE = re.compile(rf'f?"((?:{"|".join(AREAS)})\.[A-Za-z][\w.{{}}-]*)"')
# What the formatted codes take: a key's slot, a portal settings' name.
FILLED = {"slot": ("primary", "secondary"), "row.name": ("signin", "signup", "delegation")}


def recorded_codes() -> set[str]:
    codes: set[str] = set()
    for source in DOMAIN.rglob("*.py"):
        text = source.read_text()
        if "audit" not in text:
            continue
        for code in CODE.findall(text):
            hole = re.search(r"\{([^}]+)\}", code)
            if hole is None:
                codes.add(code)
            else:
                codes.update(code.replace(hole.group(0), value) for value in FILLED[hole.group(1)])
    return codes


def test_every_action_the_domain_records_has_words() -> None:
    codes = recorded_codes()
    assert {"user.create", "subscription.reveal-primary-key", "token.create"} <= codes
    assert sorted(codes - ACTIONS.keys()) == []


def test_actions_and_actors_in_words() -> None:
    assert action_words("user.create") == "User created"
    assert action_words("user.create", own=True) == "Created"
    assert action_words("user.someday") == "user.someday"
    assert actor_words("console:ops@example.com") == "ops@example.com (console)"
    assert actor_words("token:tests-1") == "token tests-1 (API)"
    assert actor_words("user:ada") == "user ada (portal)"
    assert actor_words("system") == "Apidesk"
    assert actor_words("who:knows") == "who:knows"


def test_a_users_page_shows_its_trail_and_subscriptions_in_words(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    from support import catalog

    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo", displayName="Gold plan")
    catalog.user(admin, shop, "ada", email="ada@example.com")
    catalog.put(
        admin,
        shop,
        "/subscriptions/ada-gold",
        {
            "scope": "/products/gold",
            "ownerId": "/users/ada",
            "state": "active",
            "displayName": "Ada",
        },
    )
    email = signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/users/ada")
    assert page.status_code == 200
    text = page.text
    trail = text[text.index('id="trail"') :]
    assert "<td>Created</td>" in trail and "user.create" not in trail
    assert re.search(r"<td>token [^<]+ \(API\)</td>", trail), trail
    subscriptions = text[text.index('id="subscriptions"') : text.index('id="trail"')]
    assert '<th scope="col">Product</th>' in subscriptions
    assert "<td>Gold plan</td>" in subscriptions
    # The state is the heading's badge, said once.
    assert "<dt>State</dt>" not in text and '<span class="badge active">active</span>' in text
    assert email  # signed in as this operator
