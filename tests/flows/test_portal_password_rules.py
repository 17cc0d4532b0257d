"""Every portal form that sets a password states the policy before anyone is refused by it:
under the field, as its description (aria-describedby), in the words of
`apidesk.web.wording.password_rules` for the deployment's policy. Fields that ask for the
current password say nothing of the rules."""

from __future__ import annotations

import html
import re

import httpx
from support import catalog
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.portal import Browser, open_signup, path_of
from support.server import ServiceRef

from apidesk.web.wording import password_rules

V = {"api-version": "2024-05-01"}
PASSWORD = "violet tractor harbour lamp"


def described(page: httpx.Response, field: str) -> str | None:
    """The text of the hint the field named `field` is described by, if any."""
    tag = re.search(rf'<input id="{field}"[^>]*>', page.text)
    assert tag, f"no field {field}"
    by = re.search(r'aria-describedby="([^"]+)"', tag.group(0))
    if by is None:
        return None
    hint = re.search(rf'<p class="hint" id="{by.group(1)}">([^<]*)</p>', page.text)
    assert hint, f"{field} is described by {by.group(1)}, which the page lacks"
    return html.unescape(hint.group(1))


def test_the_forms_that_set_a_password_state_the_rules(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    rules = password_rules(app.runtime.policy)
    assert str(app.runtime.policy.min_length) in rules
    open_signup(admin, shop)
    signup = browser.get(f"/portal/{shop.name}/signup")
    assert described(signup, "password") == rules

    catalog.user(admin, shop, "dev", password=PASSWORD)
    form = browser.get(f"/portal/{shop.name}/signin")
    assert described(form, "password") is None  # the current password: no rules
    signed = browser.submit(
        form, f"/portal/{shop.name}/signin", email="dev@example.com", password=PASSWORD
    )
    assert signed.status_code == 303
    profile = browser.get(f"/portal/{shop.name}/profile")
    assert described(profile, "password") == rules
    assert described(profile, "current_password") is None


def test_the_pages_of_e_mailed_links_state_the_rules(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    rules = password_rules(app.runtime.policy)
    catalog.user(admin, shop, "dev", password=PASSWORD)
    sent = admin.post(shop.url("/users/dev/confirmations/password/send"), params=V)
    assert sent.status_code == 204, sent.text
    reset = mailbox.wait_for(to="dev@example.com", subject="password")[0].link("reset-password")
    assert described(browser.get(path_of(reset)), "password") == rules

    catalog.invite(admin, shop, "ivy", "ivy@example.com")
    link = mailbox.wait_for(to="ivy@example.com", subject="invited")[0].link("invitation")
    assert described(browser.get(path_of(link)), "password") == rules
