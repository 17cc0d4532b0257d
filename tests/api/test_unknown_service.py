"""An unknown service in any front door's URL is answered in that door's own shape: a styled
404 page on every portal page and form, the key check's JSON, the management API's ARM error."""

from __future__ import annotations

import httpx
import pytest
from starlette.routing import Route
from support.server import LiveServer, ServiceRef

from apidesk.domain.context import Runtime
from apidesk.portal.app import create_app as create_portal

V = {"api-version": "2024-05-01"}
UNKNOWN = "no-such-service-anywhere"


def portal_routes(runtime: Runtime) -> list[tuple[str, str]]:
    found = []
    for route in create_portal(runtime).routes:
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, route.path.replace("{service}", UNKNOWN)))
    return found


def test_every_portal_page_of_an_unknown_service_is_a_styled_404(
    server: LiveServer, runtime: Runtime
) -> None:
    routes = portal_routes(runtime)
    assert len(routes) > 10
    for method, path in routes:
        response = httpx.request(
            method,
            f"{server.url}/portal{path}",
            params={"token": "anything"},
            headers={"Origin": server.url},
            data={"email": "a@example.com"} if method == "POST" else None,
        )
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.headers["content-type"].startswith("text/html"), (method, path)
        assert "<main>" in response.text and "Not found" in response.text, (method, path)
        assert "default-src 'none'" in response.headers["content-security-policy"]


def test_the_key_check_of_an_unknown_service_answers_in_its_json(server: LiveServer) -> None:
    response = httpx.get(
        f"{server.url}/gateway/{UNKNOWN}/check",
        headers={"X-Original-URI": "/echo/x", "Ocp-Apim-Subscription-Key": "k" * 32},
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["reason"] == "unknown-service"


@pytest.mark.parametrize("suffix", ["", "/users", "/users/ada", "/groups"])
def test_the_management_api_of_an_unknown_service_answers_an_arm_404(
    http: httpx.Client, service: ServiceRef, suffix: str
) -> None:
    path = service.url(suffix).replace(f"/service/{service.name}", f"/service/{UNKNOWN}")
    response = http.get(path, params=V)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] in {"ResourceNotFound", "NotFound"}


@pytest.mark.parametrize(
    ("path", "mark"),
    [
        (f"/portal/{UNKNOWN}/static/apidesk.0123456789ab.css", "Developer portal"),
        ("/console/static/apidesk.0123456789ab.css", "console"),
    ],
)
def test_an_unknown_static_file_of_a_web_door_is_its_styled_404(
    server: LiveServer, path: str, mark: str
) -> None:
    response = httpx.get(f"{server.url}{path}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<main" in response.text and mark.lower() in response.text.lower()
    assert "default-src 'none'" in response.headers["content-security-policy"]
