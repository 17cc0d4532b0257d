"""Deleting a product link by an id that could never have been created is bad input (400),
not "nothing to delete" (204): schemathesis found the API links answering 204."""

from __future__ import annotations

import httpx
import pytest
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}


@pytest.mark.parametrize("kind", ["apiLinks", "groupLinks"])
def test_a_malformed_link_id_is_refused_on_delete(
    http: httpx.Client, service: ServiceRef, kind: str
) -> None:
    url = service.url(f"/products/starter/{kind}/bad%04id.")
    response = http.delete(url, params=V)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "ValidationError"
    fine = http.delete(service.url(f"/products/starter/{kind}/no-such-link"), params=V)
    assert fine.status_code == 204, fine.text
