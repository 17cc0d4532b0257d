"""E-mail confirmation of a self-registered account: pending until its link is opened and the
password of its sign-up given."""

from __future__ import annotations

from datetime import timedelta

import httpx
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.portal import Browser, path_of
from support.server import ServiceRef

from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.flows import signup
from apidesk.domain.instances import service as instances
from apidesk.domain.users import repository

V = {"api-version": "2024-05-01"}
PASSWORD = "pending pat's passphrase"


def register(app: InProcessServer, admin: httpx.Client, shop: ServiceRef, user_id: str) -> str:
    """A pending account with a password, then the confirmation e-mail: what the portal's
    sign-up did before its links carried the sign-up's password (such links still work)."""
    email = f"{user_id}@example.com"
    body = {
        "properties": {
            "email": email,
            "firstName": "Pat",
            "lastName": "Pending",
            "password": PASSWORD,
            "state": "pending",
        }
    }
    admin.put(shop.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()
    with app.runtime.database.unit_of_work() as session:
        ctx = Context(app.runtime, session, "test")
        instance = instances.find_by_name(ctx, shop.name)
        assert instance is not None
        ictx = InstanceContext.of(ctx, instance)
        user = repository.find(ictx, user_id)
        assert user is not None
        signup.request_confirmation(ictx, user)
    return email


def test_confirming_activates_welcomes_and_signs_in(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    email = register(app, admin, shop, "pat")
    [mail] = mailbox.wait_for(to=email, subject="confirm")
    link = mail.link("confirm-email")
    page = browser.get(path_of(link))
    assert page.status_code == 200
    assert admin.get(shop.url("/users/pat"), params=V).json()["properties"]["state"] == "pending"
    token = link.rsplit("=", 1)[1]
    wrong = browser.submit(
        page, f"/portal/{shop.name}/confirm-email", token=token, password="not the password"
    )
    assert wrong.status_code == 400 and 'aria-invalid="true"' in wrong.text
    assert "not the password chosen" in wrong.text
    assert admin.get(shop.url("/users/pat"), params=V).json()["properties"]["state"] == "pending"
    done = browser.submit(
        wrong, f"/portal/{shop.name}/confirm-email", token=token, password=PASSWORD
    )
    assert done.status_code == 303
    assert admin.get(shop.url("/users/pat"), params=V).json()["properties"]["state"] == "active"
    assert "signed in" in browser.get(f"/portal/{shop.name}/").text
    mailbox.wait_for(to=email, subject="Welcome")
    assert browser.get(path_of(link)).status_code == 410


def test_the_confirmation_link_expires(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox, browser: Browser
) -> None:
    email = register(app, admin, shop, "slowpat")
    link = mailbox.wait_for(to=email)[0].link("confirm-email")
    app.clock.advance(timedelta(hours=48, seconds=1))
    assert browser.get(path_of(link)).status_code == 410
