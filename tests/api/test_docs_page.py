"""/docs is Swagger UI from an installed package: no CDN, no inline script or style, and it
renders the operation list in a real browser that may reach nothing but the server."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
from playwright.sync_api import Route
from support.browser import chromium
from support.server import LiveServer


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text += data.strip()


def directives(policy: str) -> dict[str, list[str]]:
    parts = [part.split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_docs_page_uses_only_local_assets_under_a_strict_policy(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]

    page = Tags()
    page.feed(response.text)
    assert page.script_text == "", "an inline script"
    assert not [tag for tag, _ in page.tags if tag == "style"]
    assert not [attrs for _, attrs in page.tags if "style" in attrs]
    assert not [attrs for _, attrs in page.tags if any(k.startswith("on") for k in attrs)]
    links = [
        value
        for _, attrs in page.tags
        for name, value in attrs.items()
        if name in ("src", "href") and value
    ]
    assert len(links) == 5
    assert all(link.startswith("/docs/assets/") for link in links), links
    for link in links:
        asset = httpx.get(f"{server.url}{link}")
        assert asset.status_code == 200, link
        assert asset.content
        assert "script-src 'self'" in asset.headers["content-security-policy"]
    bundle = httpx.get(f"{server.url}/docs/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text
    assert (
        httpx.get(f"{server.url}/docs/assets/swagger-ui.css")
        .headers["content-type"]
        .startswith("text/css")
    )


def test_unknown_asset_is_not_found_and_package_files_stay_private(server: LiveServer) -> None:
    for name in ("index.html", "swagger-initializer.js", "..%2F__init__.py", "nothing.js"):
        response = httpx.get(f"{server.url}/docs/assets/{name}")
        assert response.status_code == 404, name
    assert httpx.get(f"{server.url}/redoc").status_code == 404


def test_swagger_ui_renders_the_operations_offline(server: LiveServer) -> None:
    outside: list[str] = []
    problems: list[str] = []
    with chromium() as browser:
        page = browser.new_page()

        def only_the_server(route: Route) -> None:
            url = route.request.url
            if url.startswith(server.url + "/") or url.startswith("data:"):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        page.route("**/*", only_the_server)
        page.on(
            "console",
            lambda message: problems.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(f"{server.url}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=60_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        title = page.locator(".info .title").inner_text()
    assert "Apidesk management API" in title
    assert any(re.search(r"/users/\{userId\}$", path) for path in paths), paths[:5]
    assert len(paths) > 50
    assert outside == []
    assert [p for p in problems if "Content Security Policy" in p] == []
    assert problems == []
