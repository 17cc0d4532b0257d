"""The console's Groups pages over HTTP: + Add group (custom and external), edit, members,
delete after a question; system groups read-only; what the console saves is what the
management API reads."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.orm.exc import StaleDataError
from support import catalog
from support.console import Person, logged, signed_in_operator
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.domain.groups import service as group_service

V = {"api-version": "2024-05-01"}


def create(person: Person, shop: ServiceRef, **fields: str) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/groups/new")
    assert page.status_code == 200, page.text
    return person.submit(page, f"/console/{shop.name}/groups/new", **fields)


def members(admin: httpx.Client, shop: ServiceRef, group: str) -> list[str]:
    answer = admin.get(shop.url(f"/groups/{group}/users"), params=V)
    assert answer.status_code == 200, answer.text
    return sorted(user["name"] for user in answer.json()["value"])


def counted(person: Person, shop: ServiceRef, shown: str) -> int:
    """The Members column of the group's row in the Groups list."""
    listed = person.get(f"/console/{shop.name}/groups").text
    row = re.search(rf">{re.escape(shown)}</a></td>\s*<td>.*?</td>\s*<td>(\d+)</td>", listed)
    assert row is not None, listed
    return int(row.group(1))


def test_a_custom_group_with_members(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    listed = person.get(f"/console/{shop.name}/groups").text
    for name in ("Administrators", "Developers", "Guests"):
        assert name in listed
    made = create(person, shop, display_name="Beta testers", description="Early", type="custom")
    assert made.status_code == 303, made.text
    group = urlsplit(made.headers["location"]).path.rsplit("/", 1)[1]
    assert group == "beta-testers"
    page = person.follow(made)
    assert 'role="status">The group was added.' in page.text and "No members yet" in page.text
    wire = admin.get(shop.url(f"/groups/{group}"), params=V).json()["properties"]
    assert (wire["displayName"], wire["description"], wire["type"]) == (
        "Beta testers",
        "Early",
        "custom",
    )

    catalog.user(admin, shop, "ada", email="ada@example.com")
    catalog.user(admin, shop, "bob", email="bob@example.com")
    by_mail = person.submit(
        page, f"/console/{shop.name}/groups/{group}/members", user="ADA@example.com"
    )
    assert "The user was added to the group." in person.follow(by_mail).text
    by_id = person.submit(page, f"/console/{shop.name}/groups/{group}/members", user="bob")
    assert by_id.status_code == 303
    assert members(admin, shop, group) == ["ada", "bob"]
    assert counted(person, shop, "Beta testers") == 2
    again = person.submit(page, f"/console/{shop.name}/groups/{group}/members", user="bob")
    assert "Nothing needed to change" in person.follow(again).text
    nobody = person.submit(page, f"/console/{shop.name}/groups/{group}/members", user="zed@x.org")
    assert nobody.status_code == 400 and "There is no user" in nobody.text
    assert 'value="zed@x.org"' in nobody.text
    gone = person.submit(page, f"/console/{shop.name}/groups/{group}/members/remove", user="ada")
    assert "removed from the group" in person.follow(gone).text
    assert members(admin, shop, group) == ["bob"]
    assert counted(person, shop, "Beta testers") == 1
    assert counted(person, shop, "Guests") == 0

    renamed = person.submit(
        page, f"/console/{shop.name}/groups/{group}", display_name="Beta", description=""
    )
    assert renamed.status_code == 303
    wire = admin.get(shop.url(f"/groups/{group}"), params=V).json()["properties"]
    assert (wire["displayName"], wire["description"]) == ("Beta", None)
    audit = person.get(f"/console/{shop.name}/audit", action="group.").text
    assert logged("group.member-add") in audit and logged("group.update") in audit


def test_an_external_group_needs_its_external_id(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    refused = create(person, shop, display_name="Partners <x>", type="external", external_id="")
    assert refused.status_code == 400
    assert "An external group needs its External ID." in refused.text
    assert "externalId" not in refused.text
    assert 'value="Partners &lt;x&gt;"' in refused.text
    made = create(
        person,
        shop,
        display_name="Partners",
        type="external",
        external_id="aad://contoso.onmicrosoft.com/groups/42",
    )
    assert made.status_code == 303
    wire = admin.get(shop.url("/groups/partners"), params=V).json()["properties"]
    assert (wire["type"], wire["externalId"]) == (
        "external",
        "aad://contoso.onmicrosoft.com/groups/42",
    )
    groups = [g["name"] for g in admin.get(shop.url("/groups"), params=V).json()["value"]]
    assert sorted(groups) == ["administrators", "developers", "guests", "partners"]


def test_system_groups_are_read_only_and_delete_asks_first(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/groups/developers")
    assert page.status_code == 200 and "kept by the system" in page.text
    assert "+ Add member" not in page.text and ">Delete</button>" not in page.text
    forced = person.submit(page, f"/console/{shop.name}/groups/developers/delete", confirm="yes")
    assert forced.status_code == 400 and "system group" in forced.text
    forced_member = person.submit(page, f"/console/{shop.name}/groups/developers/members", user="1")
    assert forced_member.status_code == 400
    assert admin.get(shop.url("/groups/developers"), params=V).status_code == 200

    create(person, shop, display_name="Temp", type="custom")
    temp = person.get(f"/console/{shop.name}/groups/temp")
    asked = person.submit(temp, f"/console/{shop.name}/groups/temp/delete")
    assert asked.status_code == 200 and "Delete the group Temp?" in asked.text
    assert admin.get(shop.url("/groups/temp"), params=V).status_code == 200
    done = person.submit(asked, f"/console/{shop.name}/groups/temp/delete", confirm="yes")
    assert "The group was deleted." in person.follow(done).text
    assert admin.get(shop.url("/groups/temp"), params=V).status_code == 404
    assert person.get(f"/console/{shop.name}/groups/temp").status_code == 404


def test_forms_need_their_token_and_the_right_operator(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    other_person: Person,
) -> None:
    signed_in_operator(app, person)
    person.get(f"/console/{shop.name}/groups/new")
    forged = person.client.post(
        f"/console/{shop.name}/groups/new", data={"display_name": "F", "type": "custom"}
    )
    assert forged.status_code == 403
    assert admin.get(shop.url("/groups/f"), params=V).status_code == 404
    elsewhere = app.new_service(f"{shop.name}-g")
    signed_in_operator(app, other_person, elsewhere.name)
    assert other_person.get(f"/console/{shop.name}/groups").status_code == 404
    assert other_person.get(f"/console/{shop.name}/groups/developers").status_code == 404


def test_a_change_that_loses_a_race_gets_the_409_page(
    app: InProcessServer, shop: ServiceRef, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should another change of the same row win at the commit, the page says so (409) rather
    than failing with a 500."""
    signed_in_operator(app, person)
    create(person, shop, display_name="Racy", type="custom")
    page = person.get(f"/console/{shop.name}/groups/racy")

    def lost(*args: object, **kwargs: object) -> None:
        raise StaleDataError("UPDATE statement on table 'groups' expected to update 1 row(s)")

    monkeypatch.setattr(group_service, "update", lost)
    answer = person.submit(page, f"/console/{shop.name}/groups/racy", display_name="New")
    assert answer.status_code == 409 and "Changed meanwhile" in answer.text
