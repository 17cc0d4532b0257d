"""`POST .../users/import` on a running `apidesk serve`: the per-row report in JSON, and
APIM's error shape for requests that cannot be read at all."""

from __future__ import annotations

import json

import httpx
import pytest
from support.portal import Browser
from support.server import LiveServer, ServiceRef

V = {"api-version": "2024-05-01"}
CSV = {"Content-Type": "text/csv"}
PASSWORD = "correct horse battery staple"


def test_a_csv_body_is_imported_and_bad_rows_come_back_with_line_and_field(
    http: httpx.Client, service: ServiceRef
) -> None:
    body = (
        "id,email,first_name,last_name,state\n"
        "api1,api1@example.com,Api,One,\n"
        "api2,broken,Api,Two,\n"
        "api3,api3@example.com,Api,Three,sleeping\n"
    )
    response = http.post(service.url("/users/import"), params=V, content=body, headers=CSV)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["failed"], report["dryRun"]) == (1, 2, False)
    assert [(e["line"], e["target"], e["code"]) for e in report["errors"]] == [
        (3, "email", "ValidationError"),
        (4, "state", "ValidationError"),
    ]
    assert http.get(service.url("/users/api1"), params=V).status_code == 200


def test_a_dry_run_over_the_api_writes_nothing(http: httpx.Client, service: ServiceRef) -> None:
    body = json.dumps({"id": "dry", "email": "dry@example.com", "firstName": "D", "lastName": "R"})
    response = http.post(
        service.url("/users/import"),
        params={**V, "dryRun": "true", "format": "jsonl"},
        content=body,
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1 and response.json()["dryRun"] is True
    assert http.get(service.url("/users/dry"), params=V).status_code == 404


def test_unreadable_requests_get_an_arm_error(http: httpx.Client, service: ServiceRef) -> None:
    url = service.url("/users/import")
    no_type = http.post(url, params=V, content="id\nx\n", headers={"Content-Type": "text/plain"})
    assert no_type.status_code == 400
    assert no_type.json()["error"]["details"][0]["target"] == "Content-Type"
    header = http.post(url, params=V, content="colour,email\nred,a@b.com\n", headers=CSV)
    assert header.status_code == 400
    assert "colour" in header.json()["error"]["details"][0]["message"]
    rate = http.post(url, params={**V, "inviteRate": "fast"}, content="id\n", headers=CSV)
    assert rate.status_code == 400 and rate.json()["error"]["code"] == "ValidationError"
    huge = http.post(url, params=V, content=b"id\n" + b"x" * (2 << 20), headers=CSV)
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "RequestEntityTooLarge"


def _signed_in_browser(server: LiveServer, service: ServiceRef, email: str) -> Browser:
    browser = Browser(httpx.Client(base_url=server.url, headers={"Origin": server.url}))
    page = browser.get(f"/portal/{service.name}/signin")
    answer = browser.submit(page, f"/portal/{service.name}/signin", email=email, password=PASSWORD)
    assert answer.status_code == 303, answer.text
    assert "You are signed in" in browser.get(f"/portal/{service.name}/").text
    return browser


@pytest.mark.parametrize(
    ("column", "value"),
    [("state", "blocked"), ("passwordHash", "pbkdf2_sha256$1000$salt$" + "A" * 43 + "=")],
)
def test_an_import_that_blocks_a_user_or_replaces_the_password_ends_their_sessions(
    http: httpx.Client, server: LiveServer, service: ServiceRef, column: str, value: str
) -> None:
    email = f"lapse-{column.lower()}@example.com"
    http.put(
        service.url("/users/lapse"),
        params=V,
        json={
            "properties": {
                "email": email,
                "firstName": "La",
                "lastName": "Pse",
                "password": PASSWORD,
            }
        },
    ).raise_for_status()
    browser = _signed_in_browser(server, service, email)
    body = f"id,email,first_name,last_name,{column}\nlapse,{email},La,Pse,{value}\n"
    report = http.post(service.url("/users/import"), params=V, content=body, headers=CSV)
    assert report.status_code == 200 and report.json()["updated"] == 1, report.text
    http.patch(
        service.url("/users/lapse"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"state": "active"}},
    ).raise_for_status()
    assert "You are signed in" not in browser.get(f"/portal/{service.name}/").text
