"""A real browser for the web pages: Debian's chromium driven by Playwright (never a
downloaded browser), and axe-core from the npm registry to check accessibility."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from support.console import PASSWORD
from support.server import LiveServer, cli

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
AXE_DIR = ROOT / ".cache" / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"


def _required() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _unavailable(why: str) -> None:
    if _required():
        pytest.fail(why)
    pytest.skip(why)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium; the tests skip (fail under CI) where it is not installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium for the module (tests/console and tests/portal load this fixture in
    their conftest.py)."""
    with chromium() as running:
        yield running


def operator_link(live: LiveServer, email: str | None = None) -> str:
    """The one-time link of a new deployment-wide operator made with `apidesk operator
    create` (at a made-up address unless `email` is given)."""
    made = cli(live.env, "operator", "create", email or f"ops-{uuid.uuid4().hex[:6]}@example.com")
    assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[-1]


def set_operator_password(page: Any, password: str = PASSWORD) -> None:
    """Set the password on the console's set-password page, open in `page` (an operator's
    one-time link), which signs the operator in."""
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password, again").fill(password)
    page.get_by_role("button", name="Set password").click()


@contextmanager
def operator_console(
    browser: Any, live: LiveServer, email: str | None = None, **context_options: Any
) -> Iterator[Any]:
    """A page of a new browser context (`context_options` for `new_context`) signed in to
    the console as a new operator (see `operator_link`), who has just set their password;
    the context is closed on the way out."""
    link = operator_link(live, email)
    context = browser.new_context(base_url=live.url, **context_options)
    try:
        page = context.new_page()
        page.goto(link)
        set_operator_password(page)
        yield page
    finally:
        context.close()


def axe_source() -> str:
    """axe-core's script, installed from the npm registry into .cache/axe when missing."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is missing: cannot install axe-core")
        done = subprocess.run(
            [str(npm), "install", "--silent", "--prefix", str(AXE_DIR), "axe-core"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 or not AXE.exists():
            _unavailable(f"npm install axe-core failed: {done.stderr[-500:]}")
    return AXE.read_text()


def serious_violations(page: Any, axe: str) -> list[str]:
    """What axe-core finds serious or critical on the page, one line each. The script is
    added through the DevTools protocol, which the page's CSP does not govern."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe)
    results = page.evaluate("async () => await window.axe.run(document)")
    found = []
    for violation in results["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


def checked(page: Any, name: str | None = None) -> None:
    """axe-core finds nothing serious or critical on the page; then, given a `name`, the
    page's screenshot (see `screenshot`)."""
    found = serious_violations(page, axe_source())
    assert not found, (page.url, found)
    if name:
        screenshot(page, name)


def screenshot(page: Any, name: str) -> None:
    """Save a screenshot when APIDESK_SCREENSHOTS names a folder (docs/screenshots)."""
    folder = os.environ.get("APIDESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
