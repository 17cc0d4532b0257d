"""E-mail template edits through Azure's own SDK against a live `apidesk serve`: an invalid
save is refused, names the field and changes nothing, and a saved edit changes the next
e-mail, read back from the outbox (reference §2.5, §4.8)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    EmailTemplateParametersContractProperties,
    UserCreateParameters,
)
from sqlalchemy import select
from support.server import ServiceRef
from support.templates import (
    CUSTOM_BODY,
    RESET,
    RESET_BY_ADMIN,
    V,
    customize,
    etag_of,
    refused,
    targets,
)

from apidesk.domain.context import Context, Runtime
from apidesk.domain.notifications import outbox
from apidesk.domain.notifications.outbox import Envelope
from apidesk.storage.models import Instance

# --------------------------------------------------------------------------------------------
# Validation: an invalid save is refused, names the field and changes nothing


@pytest.mark.parametrize(
    ("fields", "target"),
    [
        ({"body": "<p>unclosed"}, "body"),
        ({"body": "<html><body><p>Hi</p></body>"}, "body"),
        ({"body": "<html><body><p>#if ($x</p></body></html>"}, "body"),
        ({"body": "<html><body><p>$DevFirstName.upper()</p></body></html>"}, "body"),
        ({"body": "<html><body><p>${DevFirstName.upper()}</p></body></html>"}, "body"),
        ({"body": "<html><body><p>$DevFirstName.__class__</p></body></html>"}, "body"),
        ({"body": "<html><body><p>$__builtins__</p></body></html>"}, "body"),
        ({"body": "<html><body><p>$_x.__class__</p></body></html>"}, "body"),
        (
            {"body": "<html><body><p>$_x.__class__.__base__.__subclasses__()</p></body></html>"},
            "body",
        ),
        ({"subject": "Hi ${_x.__class__.__name__}"}, "subject"),
        ({"body": '<html><body><p>#include("x")</p></body></html>'}, "body"),
        ({"body": '<html><body><p>#parse("x.vm")</p></body></html>'}, "body"),
        ({"subject": "Hello $DevFirstName.upper()"}, "subject"),
        ({"subject": '#include("x") hi'}, "subject"),
        ({"subject": "Hello #if ($x"}, "subject"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 1001}, "subject"),
        ({"body": f"<html><body><p>#set($x = {'9' * 4301})</p></body></html>"}, "body"),
        ({"subject": f"Hi #if($DevFirstName == {'9' * 4301})x#end"}, "subject"),
        ({"parameters": [{"name": "bad name"}]}, "parameters[0].name"),
        ({"parameters": [{"name": "ok"}, {"name": "b@d"}]}, "parameters[1].name"),
        ({"parameters": [{"name": ""}]}, "parameters[0].name"),
    ],
    ids=[
        "unclosed-tag",
        "unbalanced-document",
        "velocity-syntax",
        "method-call",
        "braced-method-call",
        "dunder-property",
        "dunder-name",
        "underscore-name-dunder-property",
        "underscore-name-subclasses-call",
        "subject-underscore-name-dunder",
        "include",
        "parse",
        "subject-method-call",
        "subject-include",
        "subject-velocity-syntax",
        "empty-subject",
        "long-subject",
        "number-too-long-to-read",
        "subject-number-too-long-to-read",
        "parameter-space",
        "parameter-at-sign",
        "parameter-empty",
    ],
)
def test_invalid_saves_are_refused_and_change_nothing(
    sdk: ApiManagementClient,
    service: ServiceRef,
    http: httpx.Client,
    fields: dict[str, Any],
    target: str,
) -> None:
    rg, name = service.resource_group, service.name
    before = sdk.email_template.get(rg, name, RESET)
    before_etag = etag_of(sdk, service, RESET)
    url = service.url(f"/templates/{RESET}")

    put = http.put(url, params=V, json={"properties": fields})
    assert put.status_code == 400, put.text
    error = put.json()["error"]
    assert error["code"] == "ValidationError"
    assert target in [d["target"] for d in error["details"] or []], error

    patch = http.patch(url, params=V, headers={"If-Match": "*"}, json={"properties": fields})
    assert patch.status_code == 400, patch.text
    assert target in [d["target"] for d in patch.json()["error"]["details"] or []]

    after = sdk.email_template.get(rg, name, RESET)
    assert after.is_default is True
    assert (after.subject, after.body) == (before.subject, before.body)
    assert etag_of(sdk, service, RESET) == before_etag


def test_invalid_save_keeps_an_earlier_customization(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    customize(sdk, service, RESET, subject="Kept subject", body=CUSTOM_BODY)
    etag = etag_of(sdk, service, RESET)
    error = refused(lambda: customize(sdk, service, RESET, body="<p>unclosed"))
    assert targets(error) == ["body"]
    error = refused(
        lambda: customize(
            sdk,
            service,
            RESET,
            subject="Also bad",
            parameters=[EmailTemplateParametersContractProperties(name="has space")],
        )
    )
    assert "parameters[0].name" in targets(error)
    kept = sdk.email_template.get(rg, name, RESET)
    assert (kept.subject, kept.body, kept.is_default) == ("Kept subject", CUSTOM_BODY, False)
    assert etag_of(sdk, service, RESET) == etag


def test_html_anchors_and_colours_are_not_directives(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    body = (
        '<html><body><p style="color:#ff0000">Hi $DevFirstName</p>'
        '<a href="#top">top</a> #if ($DevFirstName)known#end</body></html>'
    )
    saved = customize(sdk, service, RESET, body=body)
    assert saved.body == body


# --------------------------------------------------------------------------------------------
# A template edit changes the next e-mail


def developer_messages(runtime: Runtime, service: ServiceRef) -> list[Envelope]:
    """Every password-reset message an administrator sent in the service, oldest first."""
    with runtime.database.unit_of_work() as session:
        ctx = Context(runtime, session, "test")
        instance = session.scalars(select(Instance).where(Instance.name == service.name)).one()
        rows = outbox.list_messages(ctx, instance_id=instance.id, limit=500)
        found = [(row.template, outbox.open_message(ctx, row)) for row in reversed(rows)]
    return [
        envelope
        for template, envelope in found
        if template == "PasswordResetByAdminNotificationMessage"
    ]


def test_edited_template_shapes_the_next_email_until_reset(
    sdk: ApiManagementClient, service: ServiceRef, runtime: Runtime
) -> None:
    rg, name = service.resource_group, service.name
    sdk.user.create_or_update(
        rg,
        name,
        "ada",
        UserCreateParameters(email="ada@example.com", first_name="Ada <b>&", last_name="King"),
    )
    # An administrator's reset sends PasswordResetByAdminNotificationMessage.
    customize(
        sdk,
        service,
        RESET_BY_ADMIN,
        subject="Password help for $DevFirstName",
        body=CUSTOM_BODY,
    )
    sdk.user_confirmation_password.send(rg, name, "ada")

    [custom] = developer_messages(runtime, service)
    assert custom.to_address == "ada@example.com"
    assert custom.subject == "Password help for Ada <b>&"
    assert "Dear Ada &lt;b&gt;&amp;, choose a new password here" in custom.html
    assert "<b>&" not in custom.html
    assert "Regards, the Example Publisher team" in custom.html
    link = f"/portal/{name}/reset-password?token="
    assert link in custom.html
    assert "Dear Ada <b>&, choose a new password here" in custom.text
    assert link in custom.text
    url = next(word for word in custom.text.split() if link in word)
    assert url.startswith("http")
    assert "Hello Ada" not in custom.html

    sdk.email_template.delete(rg, name, RESET_BY_ADMIN, if_match="*")
    sdk.user_confirmation_password.send(rg, name, "ada")

    custom_again, default = developer_messages(runtime, service)
    assert custom_again == custom
    assert default.subject == "Your password was reset"
    assert "Hello Ada &lt;b&gt;&amp; King" in default.html
    assert "choose a new password here" not in default.html
    assert link in default.text
