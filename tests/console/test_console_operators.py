"""The console's Operators page: an operator of every service invites and removes others;
an operator of one service does not see the page."""

from __future__ import annotations

import html
import re

from support.console import (
    Person,
    operator_address,
    set_password,
    sign_in,
    signed_in_operator,
)
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.server import ServiceRef

from apidesk.domain import audit
from apidesk.domain.context import Context


def test_an_operator_invites_another_who_sets_a_password_and_signs_in(
    app: InProcessServer, shop: ServiceRef, person: Person, other_person: Person, mailbox: Mailbox
) -> None:
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/operators")
    assert page.status_code == 200 and "Invite an operator" in page.text
    # One's own row says its services as the others' choices do: "All services".
    own = re.search(r'<span class="hint">\(you\)</span></td>\s*<td>\s*([^<]*?)\s*</td>', page.text)
    assert own and own.group(1) == "All services"
    newcomer = operator_address()
    shown = person.submit(
        page, f"/console/{shop.name}/operators", email=newcomer, service=shop.name
    )
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    found = re.search(r'<code class="link">([^<]+)</code>', shown.text)
    assert found and f"{newcomer} is invited" in shown.text
    link = html.unescape(found.group(1))
    # The same link reaches the invitee by e-mail, from the instance the invitation came from.
    (mail,) = mailbox.wait_for(to=newcomer, subject="You are invited to run")
    assert mail.link("console/set-password") == link
    assert "for the service " + shop.name in mail.text and "works once" in mail.text
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
    # Removing cannot be undone: the page asks first, and nothing changes until the answer.
    asked = person.submit(page, f"/console/{shop.name}/operators/remove", email=them)
    assert asked.status_code == 200 and f"Remove the operator {them}?" in asked.text
    assert other_person.get(f"/console/{shop.name}/users").status_code == 200
    done = person.submit(asked, f"/console/{shop.name}/operators/remove", email=them, confirm="yes")
    assert done.status_code == 303
    assert 'role="status">The operator was removed' in person.follow(done).text
    assert other_person.get(f"/console/{shop.name}/users").status_code == 303
    for confirmed in ({}, {"confirm": "yes"}):
        refused = person.submit(
            page, f"/console/{shop.name}/operators/remove", email=me, **confirmed
        )
        assert refused.status_code == 400 and "cannot remove yourself" in refused.text
    unknown = person.submit(page, f"/console/{shop.name}/operators/remove", email=them)
    assert unknown.status_code == 400 and "No operator has the e-mail address" in unknown.text


def test_a_limited_operator_cannot_post_to_the_page(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person, shop.name)
    users = person.get(f"/console/{shop.name}/users")
    forged = person.submit(users, f"/console/{shop.name}/operators", email="x@example.com")
    assert forged.status_code == 404


def test_changing_an_operators_services_ends_their_sessions(
    app: InProcessServer, shop: ServiceRef, person: Person, other_person: Person
) -> None:
    other_shop = app.new_service(f"{shop.name}-other")
    me = signed_in_operator(app, person)
    them = signed_in_operator(app, other_person)
    assert other_person.get(f"/console/{other_shop.name}/users").status_code == 200
    page = person.get(f"/console/{shop.name}/operators")
    assert f'aria-label="Change the services of {me}"' not in page.text  # not one's own
    done = person.submit(
        page, f"/console/{shop.name}/operators/scope", email=them, service=shop.name
    )
    assert done.status_code == 303
    assert "services were changed" in person.follow(done).text
    # Their session ended at once; signed in again, they see only the one service.
    assert other_person.get(f"/console/{shop.name}/users").status_code == 303
    assert sign_in(other_person, them).status_code == 303
    assert other_person.get(f"/console/{shop.name}/users").status_code == 200
    assert other_person.get(f"/console/{other_shop.name}/users").status_code == 404
    with app.runtime.database.unit_of_work(write=False) as session:
        events = audit.search(
            Context(app.runtime, session, "tests"),
            audit.AuditQuery(action_prefix="operator.scope", target=f"operator/{them}"),
        )
        assert [(e.actor, e.changes) for e in events] == [(f"console:{me}", {"service": shop.name})]
    # The same choice again changes nothing and ends no session.
    again = person.submit(
        page, f"/console/{shop.name}/operators/scope", email=them, service=shop.name
    )
    assert "Nothing needed to change" in person.follow(again).text
    assert other_person.get(f"/console/{shop.name}/users").status_code == 200
    # Bad choices are refused with the page and change nothing.
    unknown = person.submit(
        page, f"/console/{shop.name}/operators/scope", email=them, service="no-such-service"
    )
    assert unknown.status_code == 400 and "no service named" in unknown.text
    mine = person.submit(page, f"/console/{shop.name}/operators/scope", email=me, service="")
    assert mine.status_code == 400 and "your own services" in mine.text
    nobody = person.submit(
        page, f"/console/{shop.name}/operators/scope", email="ghost@example.com", service=""
    )
    assert nobody.status_code in (400, 404)
    assert other_person.get(f"/console/{shop.name}/users").status_code == 200
