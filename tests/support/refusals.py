"""The management API refusing a bad body: a 400 in APIM's error shape that names the field,
with nothing created or changed."""

from __future__ import annotations

from typing import Any

import httpx

V = {"api-version": "2024-05-01"}


def refused_naming(
    response: httpx.Response, target: str, *, code: str | None = "ValidationError"
) -> None:
    """A 400 whose error (of `code`, unless None) names `target` in its details."""
    assert response.status_code == 400, (response.request.method, response.text)
    error = response.json()["error"]
    if code is not None:
        assert error["code"] == code, error
    assert target in [detail["target"] for detail in error["details"]], error


def create_is_refused(
    http: httpx.Client, url: str, properties: dict[str, Any], target: str
) -> None:
    """A PUT of `properties` at `url`, where nothing is, is refused naming `target`, and nothing
    is there after it."""
    refused_naming(http.put(url, params=V, json={"properties": properties}), target)
    assert http.get(url, params=V).status_code == 404


def updates_are_refused(
    http: httpx.Client, url: str, properties: dict[str, Any], target: str
) -> None:
    """A PUT and a PATCH of `properties` at `url` are each refused naming `target`, and the
    resource and its ETag are as they were."""
    before = http.get(url, params=V)
    for method in ("PUT", "PATCH"):
        response = http.request(
            method, url, params=V, json={"properties": properties}, headers={"If-Match": "*"}
        )
        refused_naming(response, target, code=None)
    after = http.get(url, params=V)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]
