"""The same console form sent many times at once (a double click, two tabs): on PostgreSQL the
writers really overlap. Each add makes its own record or is refused with the console's styled
409 page, never a 500 and never an overwrite of the record another one made; adding a link
that another request just added is the same success as adding it twice in a row."""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
from support import catalog
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.portal import open_signup
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
RACERS = 8
STYLED = '<link rel="stylesheet"'
SIGNUP_PASSWORD = "Some-Long-Passw0rd and more"


def race(app: InProcessServer, person: Person, action: str, **fields: str) -> list[httpx.Response]:
    """The form sent by RACERS copies of the operator's browser at once."""
    page = person.get(action.rsplit("/", 1)[0] if action.endswith("/new") else action)
    if page.status_code != 200:
        page = person.get("/".join(action.split("/")[:3]) + "/users")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text
    barrier = threading.Barrier(RACERS)
    clients = [app.portal(cookies=person.client.cookies) for _ in range(RACERS)]

    def fire(index: int) -> httpx.Response:
        barrier.wait()
        return clients[index].post(action, data={"csrf": match.group(1), **fields})

    try:
        with ThreadPoolExecutor(max_workers=RACERS) as pool:
            return list(pool.map(fire, range(RACERS)))
    finally:
        for client in clients:
            client.close()


def outcome(responses: list[httpx.Response], allowed: set[int]) -> Counter[int]:
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= allowed, [(r.status_code, r.text[:2000]) for r in responses]
    for response in responses:
        if response.status_code >= 400:
            assert STYLED in response.text, response.text
    return statuses


def names(admin: httpx.Client, shop: ServiceRef, collection: str, display_name: str) -> list[str]:
    answer = admin.get(shop.url(f"/{collection}"), params=V)
    assert answer.status_code == 200, answer.text
    return sorted(
        item["name"]
        for item in answer.json()["value"]
        if item["properties"]["displayName"] == display_name
    )


def made(responses: list[httpx.Response]) -> list[str]:
    """The ids the answers that said "added" name, one per answer."""
    return sorted(
        urlsplit(r.headers["location"]).path.rsplit("/", 1)[1]
        for r in responses
        if r.status_code == 303
    )


def test_racing_adds_of_one_group_product_and_api_never_overwrite(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    base = f"/console/{shop.name}"
    groups = race(
        app, person, f"{base}/groups/new", display_name="Dup Group", type="custom", description=""
    )
    outcome(groups, {303, 409})
    created = made(groups)
    assert created and len(set(created)) == len(created), created
    assert names(admin, shop, "groups", "Dup Group") == created

    products = race(
        app, person, f"{base}/products/new", display_name="Dup Prod", subscription_required="on"
    )
    outcome(products, {303, 409})
    created = made(products)
    assert created and len(set(created)) == len(created), created
    assert names(admin, shop, "products", "Dup Prod") == created

    apis = race(
        app,
        person,
        f"{base}/apis/new",
        display_name="Dup Api",
        path="dup",
        subscription_required="on",
    )
    # One API takes the path; any other is refused: the path is taken (400) or lost a race.
    statuses = outcome(apis, {303, 400, 409})
    assert statuses[303] == 1, statuses
    assert names(admin, shop, "apis", "Dup Api") == made(apis)


def test_racing_adds_of_one_link_all_succeed_once(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    base = f"/console/{shop.name}"
    catalog.user(admin, shop, "bob")
    catalog.put(admin, shop, "/groups/crew", {"displayName": "Crew"})
    catalog.put(admin, shop, "/groups/team", {"displayName": "Team"})
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold")

    outcome(race(app, person, f"{base}/groups/crew/members", user="bob@example.com"), {303})
    outcome(race(app, person, f"{base}/users/bob/groups", group="team"), {303})
    outcome(race(app, person, f"{base}/products/gold/groups", group="crew"), {303})
    outcome(race(app, person, f"{base}/products/gold/apis", api="echo"), {303})

    def count(path: str) -> int:
        answer = admin.get(shop.url(path), params=V)
        assert answer.status_code == 200, answer.text
        return len(answer.json()["value"])

    assert count("/groups/crew/users") == 1
    assert count("/groups/team/users") == 1
    assert count("/products/gold/groups") == 1
    assert count("/products/gold/apis") == 1


def test_racing_invites_of_one_operator_and_one_bcc_address_keep_one(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    invited = race(
        app, person, f"/console/{shop.name}/operators", email="twin@example.com", service=""
    )
    # The link is shown once, on the answer to the one invitation that was made.
    statuses = outcome(invited, {200, 400, 409})
    assert statuses[200] == 1, statuses
    listed = person.get(f"/console/{shop.name}/operators")
    assert listed.text.count('<td class="long">twin@example.com</td>') == 1, listed.text

    bcc = race(app, person, f"/console/{shop.name}/notifications/BCC/add", email="cc@example.com")
    catalog.user(admin, shop, "dev")
    developer = race(
        app, person, f"/console/{shop.name}/notifications/BCC/add", email="dev@example.com"
    )
    # Adding an address already there is a success, at once as in a row.
    outcome(bcc, {303})
    outcome(developer, {303})
    answer = admin.get(shop.url("/notifications/BCC/recipientUsers"), params=V)
    assert answer.status_code == 200 and len(answer.json()["value"]) == 1, answer.text
    answer = admin.get(shop.url("/notifications/BCC/recipientEmails"), params=V)
    assert answer.status_code == 200, answer.text
    listed = [item["properties"]["email"] for item in answer.json()["value"]]
    assert listed == ["cc@example.com"], listed


def test_racing_portal_sign_ups_with_one_address_make_one_account(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client
) -> None:
    """The portal's forms race the same way: one account, the others refused, none a 500."""
    open_signup(admin, shop)
    with app.portal() as visitor:
        page = visitor.get(f"/portal/{shop.name}/signup")
        assert page.status_code == 200, page.text
        racer = Person(visitor)
        answers = race(
            app,
            racer,
            f"/portal/{shop.name}/signup",
            email="twin@example.com",
            first_name="Twin",
            last_name="Racer",
            password=SIGNUP_PASSWORD,
            confirm=SIGNUP_PASSWORD,
        )
    # Sign-up answers alike whether the address was free or taken (it names no accounts).
    outcome(answers, {200, 409})
    found = admin.get(shop.url("/users"), params={**V, "$filter": "email eq 'twin@example.com'"})
    assert found.status_code == 200 and found.json()["count"] == 1, found.text
