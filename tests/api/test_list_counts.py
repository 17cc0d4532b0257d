"""Lists past `COUNT_LIMIT` matches: the page and its nextLink as always, `count` exact up to
the limit and left out beyond it, so a request never counts more than that many entries.
Seeded through the management API's own import with 10,001 users (plus the administrator)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from support.sdk import client_for
from support.server import LiveServer, ServiceRef, cli, create_service

from apidesk.query import COUNT_LIMIT

V = {"api-version": "2024-05-01"}


@pytest.fixture(scope="module")
def crowded(server: LiveServer) -> ServiceRef:
    """c00000 ... c10000: 10,001 users, of which 10,000 start with c0 (read only, so the
    module's tests share it)."""
    assert COUNT_LIMIT == 10_000
    lines = [f"c{n:05d},c{n:05d}@example.com,C,{n}" for n in range(COUNT_LIMIT + 1)]
    body = "id,email,first_name,last_name\n" + "\n".join(lines) + "\n"
    with server.client() as http:
        service = create_service(http)
        answer = http.post(
            service.url("/users/import"),
            params=V,
            content=body,
            headers={"Content-Type": "text/csv"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == COUNT_LIMIT + 1, answer.json()["errors"][:3]
    return service


def listed(http: httpx.Client, service: ServiceRef, **params: Any) -> dict[str, Any]:
    answer = http.get(service.url("/users"), params={**V, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_count_is_exact_up_to_the_limit_and_absent_beyond(
    http: httpx.Client, crowded: ServiceRef
) -> None:
    at_limit = listed(http, crowded, **{"$filter": "startswith(name,'c0')", "$top": 10})
    assert at_limit["count"] == COUNT_LIMIT
    assert [user["name"] for user in at_limit["value"]][:2] == ["c00000", "c00001"]
    assert at_limit["nextLink"]

    beyond = listed(http, crowded, **{"$filter": "startswith(name,'c')", "$top": 10})
    assert "count" not in beyond and len(beyond["value"]) == 10 and beyond["nextLink"]

    everyone = listed(http, crowded)
    assert "count" not in everyone and len(everyone["value"]) == 100 and everyone["nextLink"]

    few = listed(http, crowded, **{"$filter": "startswith(name,'c1')"})
    assert few["count"] == 1 and not few.get("nextLink")


def test_the_last_page_knows_its_total_and_past_the_end_is_empty(
    http: httpx.Client, crowded: ServiceRef
) -> None:
    last = listed(http, crowded, **{"$skip": COUNT_LIMIT, "$top": 100})
    assert last["count"] == COUNT_LIMIT + 2  # the administrator and c00000 ... c10000
    assert [user["name"] for user in last["value"]] == ["c09999", "c10000"]
    assert not last.get("nextLink")

    past = listed(http, crowded, **{"$skip": 3 * COUNT_LIMIT})
    assert past["value"] == [] and "count" not in past and not past.get("nextLink")

    small_past = listed(http, crowded, **{"$filter": "startswith(name,'c1')", "$skip": 5})
    assert small_past == {"value": [], "count": 1, "nextLink": None}


def test_the_sdk_pages_through_everyone_without_a_count(
    server: LiveServer, crowded: ServiceRef
) -> None:
    sdk = client_for(server.url, server.token, crowded.subscription_id)
    pages = sdk.user.list_by_service(crowded.resource_group, crowded.name, top=1000).by_page()
    names = [user.name for page in pages for user in page]
    assert len(names) == COUNT_LIMIT + 2 and len(set(names)) == len(names)
    assert names[0] == "1" and names[-1] == "c10000"


def test_the_cli_says_more_than_the_limit_and_counts_a_group_exactly(
    server: LiveServer, crowded: ServiceRef
) -> None:
    listed = cli(server.env, "users", "list", "--service", crowded.name)
    assert listed.returncode == 0, listed.stderr
    assert "100 users shown of more than 10,000; raise --limit for more." in listed.stdout
    shown = cli(server.env, "groups", "show", "developers", "--service", crowded.name)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["members"] == COUNT_LIMIT + 2
