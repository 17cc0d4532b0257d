"""`POST .../users/import` on a running `apidesk serve`: the per-row report in JSON, and
APIM's error shape for requests that cannot be read at all."""

from __future__ import annotations

import json

import httpx
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
CSV = {"Content-Type": "text/csv"}


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
