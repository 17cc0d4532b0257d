"""Sign-in leads back to the console page an operator opened signed out (`returnUrl`), and
nowhere else: another site, another part of this server, or out of /console by a dot segment
or an encoded slash, however spelled, lands on the console's home. The sign-in page speaks to
a person, not to the command line."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support.console import PASSWORD, Person, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef


def _return_field(page: str) -> str | None:
    found = re.search(r'name="returnUrl" value="([^"]*)"', page)
    return html.unescape(found[1]) if found else None


def _sign_in_from(person: Person, signin_url: str, email: str, **extra: str) -> str:
    """Sign in on the page at `signin_url` (with what it carries back); where it lands."""
    page = person.get(signin_url)
    assert page.status_code == 200, page.text
    back = _return_field(page.text)
    fields = {"email": email, "password": PASSWORD, **({"returnUrl": back} if back else {})}
    done = person.submit(page, "/console/signin", **{**fields, **extra})
    assert done.status_code == 303, done.text
    return done.headers["location"]


def test_a_page_opened_signed_out_is_where_sign_in_lands(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    email = signed_in_operator(app, person)
    person.submit(person.get(f"/console/{shop.name}/users"), "/console/signout")
    asked = f"/console/{shop.name}/users?state=blocked&search=a b"
    sent = person.client.get(asked)
    assert sent.status_code == 303
    target = urlsplit(sent.headers["location"])
    assert target.path == "/console/signin"
    (back,) = parse_qs(target.query)["returnUrl"]
    assert back == f"/console/{shop.name}/users?state=blocked&search=a%20b"
    landed = _sign_in_from(person, sent.headers["location"], email)
    assert landed == back
    page = person.get(landed)
    assert page.status_code == 200 and 'value="a b"' in page.text
    # A wrong password keeps the way back for the next try.
    person.submit(page, "/console/signout")
    refused = person.submit(
        person.get(sent.headers["location"]),
        "/console/signin",
        email=email,
        password="not the password",
        returnUrl=back,
    )
    assert refused.status_code == 400 and _return_field(refused.text) == back


def test_a_form_sent_signed_out_and_the_home_page_have_no_way_back(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    for path in ("/console/", "/console/signin"):
        sent = person.client.get(path)
        assert sent.status_code == 200 and _return_field(sent.text) is None
    posted = person.client.post(f"/console/{shop.name}/add-user", data={"csrf": "x"})
    assert posted.status_code == 303 and posted.headers["location"] == "/console/"


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/console/x",
        "//evil.example/console/",
        "/\\evil.example/console/",
        "/console/\\..\\..\\portal",
        "/console\\@evil.example",
        "/console/../portal/x/",
        "/console/%2e%2e/portal/x/",
        "/console/%2E%2e/%2e%2E/evil",
        "/console/x%2F..%2F..%2Fportal",
        "/console/x%5c..%5c..%5cportal",
        "/console/x/..%2f..%2fportal",
        "%2F%2Fevil.example/console/",
        "/%2Fevil.example/console/",
        "/consolex/evil",
        "/portal/shop/",
        "javascript:alert(1)//console/",
        "/console/\r\nLocation: https://evil.example/",
        "/console/\tx",
    ],
)
def test_sign_in_never_leads_elsewhere(
    app: InProcessServer, shop: ServiceRef, person: Person, hostile: str
) -> None:
    email = signed_in_operator(app, person)
    person.submit(person.get(f"/console/{shop.name}/users"), "/console/signout")
    # Asked for in the link: the page does not carry it.
    page = person.get("/console/signin", returnUrl=hostile)
    assert page.status_code == 200 and _return_field(page.text) is None
    # Sent in the form all the same: home.
    landed = _sign_in_from(person, "/console/signin", email, returnUrl=hostile)
    assert landed == "/console/"


def test_the_sign_in_page_asks_a_person_to_ask_for_an_account(app: InProcessServer) -> None:
    page = httpx.get(f"{app.url}/console/")
    assert page.status_code == 200
    assert "apidesk operator" not in page.text and "<code>" not in page.text
    assert "Ask an administrator of this deployment to invite you." in page.text
