"""`/health`, `/ready` and `/metrics` on a real `apidesk serve`, on both databases."""

from __future__ import annotations

import httpx
import pytest
from support.metrics import samples, total
from support.portal import Browser
from support.server import API_VERSION, LiveServer, ServiceRef, create_service


def scrape(server: LiveServer) -> str:
    response = httpx.get(f"{server.url}/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_health_answers_while_the_process_runs(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert httpx.post(f"{server.url}/health").status_code == 405
    assert httpx.get(f"{server.url}/health/deeper").status_code == 404


def test_ready_names_the_schema_revision(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready" and body["database"] == "ok"
    assert body["schema"] == "current"
    assert body["revision"] == body["release"] and body["revision"]


def test_metrics_count_requests_per_door_and_key_check_reasons(
    server: LiveServer, http: httpx.Client
) -> None:
    service: ServiceRef = create_service(http)
    before = scrape(server)
    for _ in range(3):
        assert http.get(service.url("/users"), params={"api-version": API_VERSION}).is_success
    reasons = set()
    for _ in range(2):
        refused = httpx.get(
            f"{server.url}/gateway/{service.name}/check",
            headers={"X-Original-URI": "/echo"},
        )
        assert refused.status_code in (401, 403)
        reasons.add(refused.headers["x-apidesk-reason"])
    (reason,) = reasons
    after = scrape(server)

    requests = "apidesk_http_requests_total"
    grown = total(after, requests, door="management", method="GET", status="200") - total(
        before, requests, door="management", method="GET", status="200"
    )
    assert grown >= 3
    refusals = "apidesk_gateway_decisions_total"
    assert total(after, refusals, outcome="refused", reason=reason) - total(
        before, refusals, outcome="refused", reason=reason
    ) == pytest.approx(2)
    latency = "apidesk_http_request_duration_seconds_count"
    assert total(after, latency, door="gateway") - total(before, latency, door="gateway") >= 2
    # The outbox is read from the database at each scrape: every status has a sample.
    for status in ("queued", "sending", "sent", "failed"):
        assert ("apidesk_outbox_messages", (("status", status),)) in samples(after)
    assert total(after, "apidesk_outbox_oldest_waiting_seconds") >= 0


def test_metrics_show_password_hashing_its_wait_and_its_cpu(
    server: LiveServer, http: httpx.Client
) -> None:
    service = create_service(http)
    before = scrape(server)
    body = {"email": "hasher@example.com", "firstName": "H", "lastName": "Ash"}
    created = http.put(
        service.url("/users/hasher"),
        params={"api-version": API_VERSION},
        json={"properties": {**body, "password": "a long and quiet harbour"}},
    )
    assert created.status_code == 201, created.text
    with httpx.Client(base_url=server.url) as client:
        browser = Browser(client)
        signin = f"/portal/{service.name}/signin"
        answer = browser.submit(
            browser.get(signin), signin, email=body["email"], password="a long and quiet harbour"
        )
        assert answer.status_code == 303, answer.text
    after = scrape(server)

    def grown(name: str, work: str) -> float:
        return total(after, name, work=work) - total(before, name, work=work)

    for work in ("hash", "verify"):
        assert grown("apidesk_password_hashing_seconds_count", work) >= 1
        assert grown("apidesk_password_hashing_wait_seconds_count", work) >= 1
        assert grown("apidesk_password_hashing_seconds_sum", work) > 0
        assert grown("apidesk_password_hashing_cpu_seconds_total", work) > 0
