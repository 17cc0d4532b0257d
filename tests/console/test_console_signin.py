"""Operators sign in to the console; developers, strangers and forged forms do not get in."""

from __future__ import annotations

from datetime import timedelta

import httpx
from support.console import (
    PASSWORD,
    Person,
    new_operator,
    operator_address,
    set_password,
    sign_in,
    signed_in_operator,
)
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.domain import audit
from apidesk.domain.context import Context
from apidesk.domain.operators import service as operators

V = {"api-version": "2024-05-01"}


def test_the_root_leads_to_the_console(app: InProcessServer) -> None:
    answer = httpx.get(f"{app.url}/", follow_redirects=False)
    assert answer.status_code == 307 and answer.headers["location"] == "/console/"
    page = httpx.get(f"{app.url}/console/")
    assert page.status_code == 200
    assert 'for="email">Email<' in page.text and 'for="password">Password<' in page.text
    assert ">Sign in</button>" in page.text


def test_the_link_sets_a_password_signs_in_and_works_once(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    email = operator_address()
    link = new_operator(app, email)
    landed = set_password(person, link)
    assert landed.status_code == 303
    cookie = landed.headers["set-cookie"]
    assert "apidesk_console=" in cookie and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Path=/console" in cookie and "Secure" not in cookie
    home = person.follow(landed)
    assert home.status_code == 303 and "/users?done=password-set" in home.headers["location"]
    users = person.follow(home)
    assert users.status_code == 200 and email in users.text
    assert '<p class="notice ok" role="status">Your password is set' in users.text
    assert person.get(link).status_code == 410


def test_an_expired_link_does_not_open(app: InProcessServer, person: Person) -> None:
    link = new_operator(app, operator_address())
    app.clock.advance(timedelta(hours=1, seconds=1))
    assert person.get(link).status_code == 410


def test_sign_in_rotates_the_session_and_sign_out_ends_it(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    email = signed_in_operator(app, person)
    before = person.client.cookies.get("apidesk_console", path="/console")
    page = person.get("/console/")  # signed in: sent on to the first instance
    assert page.status_code == 303
    signed = sign_in(person, email)
    assert signed.status_code == 303
    after = signed.cookies.get("apidesk_console")
    assert after and after != before
    # The session of before the sign-in is over.
    with httpx.Client(base_url=app.url, cookies={"apidesk_console": before or ""}) as old:
        assert old.get(f"/console/{shop.name}/users", follow_redirects=False).status_code == 303
    users = person.get(f"/console/{shop.name}/users")
    assert users.status_code == 200
    out = person.submit(users, "/console/signout")
    assert out.status_code == 303
    # Signed out, a page sends to sign-in, which leads back to it (test_console_signin_return).
    back = f"/console/signin?returnUrl=%2Fconsole%2F{shop.name}%2Fusers"
    assert person.get(f"/console/{shop.name}/users").headers["location"] == back


def test_wrong_passwords_and_developers_get_the_same_refusal(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    email = signed_in_operator(app, person)
    developer = f"dev-{shop.name}@example.com"
    body = {
        "properties": {"email": developer, "firstName": "D", "lastName": "V", "password": PASSWORD}
    }
    admin.put(shop.url("/users/dev"), params=V, json=body).raise_for_status()
    wrong = sign_in(person, email, "not the password")
    as_developer = sign_in(person, developer, PASSWORD)
    stranger = sign_in(person, "nobody@example.com", PASSWORD)
    assert wrong.status_code == as_developer.status_code == stranger.status_code == 400
    message = "The e-mail address or the password is wrong."
    assert message in wrong.text and message in as_developer.text and message in stranger.text
    assert "apidesk_console=" not in as_developer.headers.get("set-cookie", "")


def test_failed_sign_ins_are_held_back_with_growing_waits_and_audited(
    app: InProcessServer, person: Person
) -> None:
    email = signed_in_operator(app, person)
    for _ in range(6):
        assert sign_in(person, email, "guess").status_code == 400
    held = sign_in(person, email, PASSWORD)
    assert held.status_code == 429 and "Try again in" in held.text
    app.clock.advance(timedelta(seconds=2))
    assert sign_in(person, email, PASSWORD).status_code == 303
    with app.runtime.database.unit_of_work(write=False) as session:
        events = audit.search(
            Context(app.runtime, session, "tests"),
            audit.AuditQuery(target=f"operator/{email}", limit=20),
        )
    actions = [event.action for event in events]
    assert actions.count("operator.signIn.failed") == 6 and "operator.signIn" in actions


def test_an_operator_of_one_instance_never_sees_another(
    app: InProcessServer, person: Person
) -> None:
    mine = app.new_service(f"mine-{id(person) % 100000}")
    theirs = app.new_service(f"theirs-{id(person) % 100000}")
    signed_in_operator(app, person, mine.name)
    page = person.get(f"/console/{mine.name}/users")
    assert page.status_code == 200
    assert theirs.name not in page.text  # not even in the switcher
    assert person.get(f"/console/{theirs.name}/users").status_code == 404
    assert person.get("/console/switch", service=theirs.name).status_code == 404
    assert person.get(f"/console/{theirs.name}/add-user").status_code == 404
    refused = person.submit(page, f"/console/{theirs.name}/add-user", email="x@example.com")
    assert refused.status_code == 404


def test_a_form_without_its_token_or_from_another_site_is_refused(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    data = {"email": "forged@example.com", "first_name": "F", "last_name": "G"}
    without = person.client.post(f"/console/{shop.name}/add-user", data=data)
    assert without.status_code == 403 and "expired" in without.text
    page = person.get(f"/console/{shop.name}/add-user")
    foreign = person.client.post(
        f"/console/{shop.name}/add-user",
        data={**data, "csrf": page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403 and "another site" in foreign.text
    listed = person.get(f"/console/{shop.name}/users", search="forged")
    assert "forged@example.com" not in listed.text
    assert "Form not accepted" in foreign.text and "<nav" in foreign.text  # the operator's page
    # A forged sign-out leads home and signs nobody out.
    out = person.client.post("/console/signout", data={"csrf": "forged"})
    assert out.status_code == 303 and out.headers["location"] == "/console/"
    assert person.get(f"/console/{shop.name}/users").status_code == 200


def test_removing_an_operator_ends_their_sessions_at_once(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    email = signed_in_operator(app, person)
    assert person.get(f"/console/{shop.name}/users").status_code == 200
    with app.runtime.database.unit_of_work() as session:
        operators.remove(Context(app.runtime, session, "tests"), email)
    assert person.get(f"/console/{shop.name}/users").status_code == 303


def test_console_pages_carry_the_security_headers(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/users")
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert "<style" not in page.text and " style=" not in page.text
