"""The console's Operators page: an operator of every service invites and removes others;
an operator of one service does not see the page."""

from __future__ import annotations

import html
import re

from support.console import Person, operator_address, set_password, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef


def test_an_operator_invites_another_who_sets_a_password_and_signs_in(
    app: InProcessServer, shop: ServiceRef, person: Person, other_person: Person
) -> None:
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/operators")
    assert page.status_code == 200 and "Invite an operator" in page.text
    newcomer = operator_address()
    shown = person.submit(
        page, f"/console/{shop.name}/operators", email=newcomer, service=shop.name
    )
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    found = re.search(r'<code class="link">([^<]+)</code>', shown.text)
    assert found and f"{newcomer} is invited" in shown.text
    link = html.unescape(found.group(1))
    landed = set_password(other_person, link)
    assert landed.status_code == 303
    # The newcomer is limited to the one service, and so does not manage operators.
    assert other_person.get(f"/console/{shop.name}/users").status_code == 200
    assert other_person.get(f"/console/{shop.name}/operators").status_code == 404
    assert "Operators</a>" not in other_person.get(f"/console/{shop.name}/users").text


def test_removing_an_operator_from_the_page_ends_their_session(
    app: InProcessServer, shop: ServiceRef, person: Person, other_person: Person
) -> None:
    me = signed_in_operator(app, person)
    them = signed_in_operator(app, other_person)
    assert other_person.get(f"/console/{shop.name}/users").status_code == 200
    page = person.get(f"/console/{shop.name}/operators")
    assert f'aria-label="Remove {me}"' not in page.text  # not oneself
    done = person.submit(page, f"/console/{shop.name}/operators/remove", email=them)
    assert done.status_code == 303
    assert 'role="status">The operator was removed' in person.follow(done).text
    assert other_person.get(f"/console/{shop.name}/users").status_code == 303
    refused = person.submit(page, f"/console/{shop.name}/operators/remove", email=me)
    assert refused.status_code == 400 and "cannot remove yourself" in refused.text


def test_a_limited_operator_cannot_post_to_the_page(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person, shop.name)
    users = person.get(f"/console/{shop.name}/users")
    forged = person.submit(users, f"/console/{shop.name}/operators", email="x@example.com")
    assert forged.status_code == 404
