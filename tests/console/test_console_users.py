"""The console's Users pages, over HTTP as a browser without JavaScript uses them: the list,
+ Add, + Invite, and the actions of a user's page, each ending with a status message."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
from support import catalog
from support.console import PASSWORD, Person, signed_in_operator
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.server import ServiceRef

from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.instances import service as instances
from apidesk.domain.users import admin as user_admin

V = {"api-version": "2024-05-01"}


def add(person: Person, shop: ServiceRef, **fields: str) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/add-user")
    assert page.status_code == 200
    return person.submit(page, f"/console/{shop.name}/add-user", **fields)


def user_id_of(response: httpx.Response) -> str:
    return urlsplit(response.headers["location"]).path.rsplit("/", 1)[1]


def wire(admin: httpx.Client, shop: ServiceRef, user_id: str) -> httpx.Response:
    return admin.get(shop.url(f"/users/{user_id}"), params=V)


def act(
    person: Person, shop: ServiceRef, user_id: str, action: str, **fields: str
) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/users/{user_id}")
    done = person.submit(page, f"/console/{shop.name}/users/{user_id}/{action}", **fields)
    assert done.status_code == 303, done.text
    return person.follow(done)


def status_of(page: httpx.Response) -> str:
    match = re.search(r'role="status">([^<]+)<', page.text)
    assert match, page.text
    return match.group(1)


def test_add_makes_an_active_developer(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    added = add(
        person, shop, email="ada@example.com", first_name="Ada", last_name="Added", note="VIP"
    )
    assert added.status_code == 303
    user_id = user_id_of(added)
    page = person.follow(added)
    assert status_of(page) == "The user was added."
    assert "Developers" in page.text and "VIP" in page.text
    properties = wire(admin, shop, user_id).json()["properties"]
    assert properties["state"] == "active" and properties["email"] == "ada@example.com"
    groups = admin.get(shop.url(f"/users/{user_id}/groups"), params=V).json()["value"]
    assert [group["name"] for group in groups] == ["developers"]


def test_add_with_a_password_lets_the_user_sign_in_to_the_portal(
    app: InProcessServer, shop: ServiceRef, person: Person, other_person: Person
) -> None:
    signed_in_operator(app, person)
    added = add(
        person, shop, email="pat@example.com", first_name="Pat", last_name="P", password=PASSWORD
    )
    assert added.status_code == 303
    page = other_person.get(f"/portal/{shop.name}/signin")
    signed = other_person.submit(
        page, f"/portal/{shop.name}/signin", email="pat@example.com", password=PASSWORD
    )
    assert signed.status_code == 303


def test_a_bad_form_comes_back_with_its_values_and_the_reason(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    refused = add(person, shop, email="not an address", first_name="Bo", last_name="B")
    assert refused.status_code == 400
    # The error summary links the refusal to the field it names.
    assert '<li><a href="#email">Email is not a valid address' in refused.text
    assert 'value="Bo"' in refused.text
    # A refusal names the form's labels, not the API's field names.
    empty = add(person, shop, email="", first_name="", last_name="")
    assert empty.status_code == 400
    for said in ("Email is required.", "First name is required.", "Last name is required."):
        assert said in empty.text
    assert "'email'" not in empty.text and "firstName" not in empty.text
    weak = add(person, shop, email="bo@example.com", first_name="Bo", last_name="B", password="bo")
    assert weak.status_code == 400 and 'value="bo@example.com"' in weak.text


def test_invite_sends_the_invitation_and_the_user_waits_pending(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, mailbox: Mailbox, person: Person
) -> None:
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/invite-user")
    invited = person.submit(
        page,
        f"/console/{shop.name}/invite-user",
        email="ivy@example.com",
        first_name="Ivy",
        last_name="Invitee",
    )
    assert invited.status_code == 303
    user_id = user_id_of(invited)
    shown = person.follow(invited)
    assert (
        status_of(shown) == "The invitation e-mail is queued to be sent."
        and "Resend invitation" in shown.text
    )
    [mail] = mailbox.wait_for(to="ivy@example.com", subject="invited")
    first_link = mail.link("invitation")
    assert wire(admin, shop, user_id).json()["properties"]["state"] == "pending"
    again = act(person, shop, user_id, "invitation")
    assert status_of(again).startswith("A new invitation e-mail is queued to be sent")
    [second] = mailbox.wait_for(2, to="ivy@example.com", subject="invited")[1:]
    assert second.link("invitation") != first_link
    assert (
        person.get(urlsplit(first_link).path + "?" + urlsplit(first_link).query).status_code == 410
    )


def test_block_and_activate(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    user_id = user_id_of(
        add(person, shop, email="bee@example.com", first_name="Bee", last_name="B")
    )
    blocked = act(person, shop, user_id, "block")
    assert status_of(blocked) == "The user is blocked." and ">Activate</button>" in blocked.text
    assert wire(admin, shop, user_id).json()["properties"]["state"] == "blocked"
    active = act(person, shop, user_id, "activate")
    assert status_of(active) == "The user is active." and ">Block</button>" in active.text
    assert wire(admin, shop, user_id).json()["properties"]["state"] == "active"


def test_blocking_the_built_in_administrator_asks_first_and_it_cannot_be_deleted(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    here = f"/console/{shop.name}/users/1"
    page = person.get(here)
    assert f'<a class="button secondary" href="{here}/block">Block</a>' in page.text
    assert f'href="{here}/delete"' not in page.text and "cannot be deleted" in page.text
    # A Block sent without the question answered changes nothing.
    refused = person.submit(page, f"{here}/block")
    assert refused.status_code == 400 and "confirmed on its own page" in refused.text
    assert wire(admin, shop, "1").json()["properties"]["state"] == "active"
    asking = person.get(f"{here}/block")
    assert "This is the built-in administrator." in asking.text
    assert ">Block</button>" in asking.text and ">Cancel</a>" in asking.text
    done = person.submit(asking, f"{here}/block", confirm="yes")
    assert done.status_code == 303
    assert status_of(person.follow(done)) == "The user is blocked."
    assert wire(admin, shop, "1").json()["properties"]["state"] == "blocked"
    active = act(person, shop, "1", "activate")
    assert status_of(active) == "The user is active."
    # Anyone else's Block is one click, as before; their page offers Delete.
    other = user_id_of(add(person, shop, email="cee@example.com", first_name="C", last_name="C"))
    theirs = person.get(f"/console/{shop.name}/users/{other}")
    assert ">Block</button>" in theirs.text and f"users/{other}/delete" in theirs.text


def test_reset_password_asks_then_sends_the_mail(
    app: InProcessServer, shop: ServiceRef, mailbox: Mailbox, person: Person
) -> None:
    signed_in_operator(app, person)
    user_id = user_id_of(
        add(
            person,
            shop,
            email="rex@example.com",
            first_name="Rex",
            last_name="R",
            password=PASSWORD,
        )
    )
    asking = person.get(f"/console/{shop.name}/users/{user_id}/reset-password")
    assert "Send a password reset e-mail to rex@example.com?" in asking.text
    assert '<button type="submit" class="danger">Send reset e-mail</button>' in asking.text
    assert ">Cancel</a>" in asking.text and ">Yes<" not in asking.text
    done = person.submit(asking, f"/console/{shop.name}/users/{user_id}/reset-password")
    assert status_of(person.follow(done)) == "A password reset e-mail is queued to be sent."
    [mail] = mailbox.wait_for(to="rex@example.com")
    assert "reset-password?token=" in mail.text


def test_delete_with_subscriptions(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    user_id = user_id_of(
        add(person, shop, email="del@example.com", first_name="Del", last_name="D")
    )
    asking = person.get(f"/console/{shop.name}/users/{user_id}/delete")
    assert "Delete subscriptions" in asking.text and "Send notification" in asking.text
    done = person.submit(
        asking, f"/console/{shop.name}/users/{user_id}/delete", delete_subscriptions="on"
    )
    listed = person.follow(done)
    assert status_of(listed) == "The user was deleted."
    assert "del@example.com" not in listed.text
    assert wire(admin, shop, user_id).status_code == 404
    assert person.get(f"/console/{shop.name}/users/{user_id}").status_code == 404


def test_script_in_names_is_shown_as_text(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    evil = "<script>alert(1)</script>"
    added = add(person, shop, email="xss@example.com", first_name=evil, last_name="<b>x</b>")
    page = person.follow(added)
    assert evil not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    listed = person.get(f"/console/{shop.name}/users", search="xss")
    assert evil not in listed.text and "&lt;b&gt;x&lt;/b&gt;" in listed.text


def _fill(app: InProcessServer, shop: ServiceRef, count: int, prefix: str) -> None:
    with app.runtime.database.unit_of_work() as session:
        ctx = Context(app.runtime, session, "tests")
        instance = instances.find_by_name(ctx, shop.name)
        assert instance is not None
        ictx = InstanceContext.of(ctx, instance)
        for n in range(count):
            fields = user_admin.fields_to_add(
                email=f"{prefix}{n:03}@example.com", first_name=f"{prefix}{n:03}", last_name="L"
            )
            user_admin.add(ictx, fields)


def emails_on(page: httpx.Response) -> list[str]:
    return re.findall(r"<td[^>]*>([a-z0-9]+@example\.com)</td>", page.text)


def range_on(page: httpx.Response) -> str:
    found = re.search(r'<p class="range">([^<]*)</p>', page.text)
    assert found, "no range"
    return found.group(1).replace("\N{EN DASH}", "-")  # "1-25 of 60" in the tests


def link(page: httpx.Response, name: str) -> str:
    found = re.search(rf'href="(\?[^"]+)">{name}<', page.text)
    assert found, f"no {name} link"
    return found.group(1).replace("&amp;", "&")


def test_search_filter_sort_and_paging(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    _fill(app, shop, 60, "page")
    base = f"/console/{shop.name}/users"
    first = person.get(base, sort="email", order="asc")
    emails = emails_on(first)
    assert emails == [f"page{n:03}@example.com" for n in range(25)]
    next_href = re.search(r'href="\?([^"]+)">Next<', first.text)
    assert next_href and ">Previous<" not in first.text
    second = person.get(f"{base}?{next_href.group(1).replace('&amp;', '&')}")
    assert emails_on(second) == [f"page{n:03}@example.com" for n in range(25, 50)]
    back = re.search(r'href="\?([^"]+)">Previous<', second.text)
    assert back
    again = person.get(f"{base}?{back.group(1).replace('&amp;', '&')}")
    assert emails_on(again) == emails
    backwards = person.get(base, sort="email", order="desc")
    assert emails_on(backwards)[0] == "page059@example.com"
    found = person.get(base, search="PAGE04")
    assert sorted(emails_on(found)) == [f"page04{n}@example.com" for n in range(10)]
    assert ">Next<" not in found.text
    assert range_on(found) == "1-10 of 10"
    # Where each page stands, forward and back, counted among the search's matches.
    searched = person.get(base, search="page", sort="email", order="asc")
    assert range_on(searched) == "1-25 of 60"
    middle = person.get(base + link(searched, "Next"))
    assert range_on(middle) == "26-50 of 60"
    last = person.get(base + link(middle, "Next"))
    assert range_on(last) == "51-60 of 60" and ">Next<" not in last.text
    assert range_on(person.get(base + link(last, "Previous"))) == "26-50 of 60"
    nothing = person.get(base, search="page", state="blocked")
    assert "No user matches this search." in nothing.text


def test_groups_are_added_and_removed_from_the_users_page(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    admin.put(
        shop.url("/groups/partners"), params=V, json={"properties": {"displayName": "Partners"}}
    ).raise_for_status()
    signed_in_operator(app, person)
    user_id = user_id_of(
        add(person, shop, email="gus@example.com", first_name="Gus", last_name="G")
    )
    joined = act(person, shop, user_id, "groups", group="partners")
    assert status_of(joined) == "The user was added to the group."
    names = [
        g["name"] for g in admin.get(shop.url(f"/users/{user_id}/groups"), params=V).json()["value"]
    ]
    assert sorted(names) == ["developers", "partners"]
    assert 'aria-label="Remove from Partners"' in joined.text
    assert 'aria-label="Remove from Developers"' not in joined.text  # system groups stay
    left = act(person, shop, user_id, "groups/partners/remove")
    assert status_of(left) == "The user was removed from the group."
    names = [
        g["name"] for g in admin.get(shop.url(f"/users/{user_id}/groups"), params=V).json()["value"]
    ]
    assert names == ["developers"]


def test_the_list_shows_where_invitations_stand_and_resends_them(
    app: InProcessServer, shop: ServiceRef, mailbox: Mailbox, person: Person
) -> None:
    from datetime import timedelta

    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/invite-user")
    person.submit(
        page,
        f"/console/{shop.name}/invite-user",
        email="nia@example.com",
        first_name="Nia",
        last_name="N",
    )
    mailbox.wait_for(to="nia@example.com", subject="invited")
    listed = person.get(f"/console/{shop.name}/users", search="nia")
    # The Pending badge says the invitation waits; the row does not say it twice.
    assert ">pending</span>" in listed.text and "Invitation pending" not in listed.text
    assert "Resend invitation" in listed.text
    app.clock.advance(timedelta(hours=49))
    signed_in_operator(app, person)  # the session of two days ago is over
    listed = person.get(f"/console/{shop.name}/users", search="nia")
    assert "Invitation expired" in listed.text
    resent = person.submit(
        listed,
        re.findall(r'<form method="post" action="([^"]+/invitation)"', listed.text)[0],
        back="list",
    )
    assert resent.status_code == 303 and "/users?done=reinvited" in resent.headers["location"]
    again = person.follow(resent)
    assert status_of(again).startswith("A new invitation e-mail is queued to be sent")
    again_listed = person.get(f"/console/{shop.name}/users", search="nia").text
    assert "Invitation expired" not in again_listed and "Resend invitation" in again_listed
    mailbox.wait_for(2, to="nia@example.com", subject="invited")


def test_the_users_page_lists_subscriptions_with_state_and_creation_date(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    user_id = user_id_of(
        add(person, shop, email="subs@example.com", first_name="Sub", last_name="S")
    )
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo")
    catalog.subscription(admin, shop, "subs-gold", "/products/gold", owner=user_id)
    page = person.get(f"/console/{shop.name}/users/{user_id}").text
    link = f'<a href="/console/{shop.name}/subscriptions/subs-gold">subs-gold</a>'
    row = re.search(rf"<tr><td>{re.escape(link)}</td>.*?</tr>", page)
    assert row, page
    assert "active" in row.group(0)
    assert app.clock.now().strftime("%Y-%m-%d") in row.group(0)


def test_edit_saves_the_profile_and_does_not_undo_a_change_made_meanwhile(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    user_id = user_id_of(add(person, shop, email="ed@example.com", first_name="Ed", last_name="E"))
    form = person.get(f"/console/{shop.name}/users/{user_id}/edit")
    assert 'value="ed@example.com"' in form.text
    saved = person.submit(
        form,
        f"/console/{shop.name}/users/{user_id}/edit",
        etag=re.search(r'name="etag" value="([^"]+)"', form.text).group(1),  # type: ignore[union-attr]
        email="edward@example.com",
        first_name="Edward",
        last_name="E",
        note="Renamed",
    )
    assert status_of(person.follow(saved)) == "The changes were saved."
    properties = wire(admin, shop, user_id).json()["properties"]
    assert properties["firstName"] == "Edward" and properties["email"] == "edward@example.com"
    assert properties["note"] == "Renamed"
    # Someone changes the user while the form is open: saving it does not undo that.
    stale = person.get(f"/console/{shop.name}/users/{user_id}/edit")
    admin.patch(
        shop.url(f"/users/{user_id}"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"lastName": "Elsewhere"}},
    ).raise_for_status()
    refused = person.submit(
        stale,
        f"/console/{shop.name}/users/{user_id}/edit",
        etag=re.search(r'name="etag" value="([^"]+)"', stale.text).group(1),  # type: ignore[union-attr]
        email="edward@example.com",
        first_name="Edward",
        last_name="E",
        note="Renamed",
    )
    assert refused.status_code == 409 and "changed since you opened the page" in refused.text
    assert wire(admin, shop, user_id).json()["properties"]["lastName"] == "Elsewhere"
