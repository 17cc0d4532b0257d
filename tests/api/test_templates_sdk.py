"""E-mail templates (reference §2.5, §3.9, §4.8), driven through Azure's own SDK against a live
`apidesk serve`, and the e-mails they produce, read back from the outbox."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    EmailTemplateParametersContractProperties,
    EmailTemplateUpdateParameters,
    UserCreateParameters,
)
from sqlalchemy import select
from support.sdk import client_for
from support.server import LiveServer, ServiceRef, create_service

from apidesk.domain.context import Context, Runtime
from apidesk.domain.notifications import outbox
from apidesk.domain.notifications.outbox import Envelope
from apidesk.storage.models import Instance

V = {"api-version": "2024-05-01"}
# Name -> the start of its title (§4.8; newer services add "(deprecated)" to some).
TEMPLATE_NAMES = {
    "AccountClosedDeveloper": "Developer farewell letter",
    "ApplicationApprovedNotificationMessage": "Application gallery submission approved",
    "ConfirmSignUpIdentityDefault": "New developer account confirmation",
    "EmailChangeIdentityDefault": "Email change confirmation",
    "InviteUserNotificationMessage": "Invite user",
    "NewCommentNotificationMessage": "New comment added to an issue",
    "NewDeveloperNotificationMessage": "Developer welcome letter",
    "NewIssueNotificationMessage": "New issue received",
    "PasswordResetByAdminNotificationMessage": "Password reset by",
    "PasswordResetIdentityDefault": "Password change confirmation",
    "PurchaseDeveloperNotificationMessage": "New subscription activated",
    "QuotaLimitApproachingDeveloperNotificationMessage": (
        "Developer quota limit approaching notification"
    ),
    "RejectDeveloperNotificationMessage": "Subscription request declined",
    "RequestDeveloperNotificationMessage": "Subscription request received",
}
RESET = "passwordResetIdentityDefault"
RESET_SUBJECT = "Your password change request"
RESET_BY_ADMIN = "passwordResetByAdminNotificationMessage"
CUSTOM_BODY = (
    "<!DOCTYPE html>\n<html><head><title>Reset</title></head><body>"
    "<p>Dear $DevFirstName, choose a new password here: "
    '<a href="$ConfirmUrl">$ConfirmUrl</a></p>'
    "<p>Regards, the $OrganizationName team</p></body></html>"
)


class Recorder:
    """An SDK `cls` callback that keeps each response's status code and headers."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.etags: list[str | None] = []

    def __call__(self, pipeline_response: Any, deserialized: Any, headers: Any) -> Any:
        response = pipeline_response.http_response
        self.statuses.append(response.status_code)
        self.etags.append(response.headers.get("ETag"))
        return deserialized


def etag_of(sdk: ApiManagementClient, service: ServiceRef, name: str) -> str:
    _, headers = sdk.email_template.get(
        service.resource_group, service.name, name, cls=lambda _r, d, h: (d, h)
    )
    return str(headers["ETag"])


def customize(sdk: ApiManagementClient, service: ServiceRef, name: str, **fields: Any) -> Any:
    return sdk.email_template.create_or_update(
        service.resource_group, service.name, name, EmailTemplateUpdateParameters(**fields)
    )


def refused(call: Any) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        call()
    assert caught.value.status_code == 400, caught.value.message
    return caught.value


def targets(error: HttpResponseError) -> list[str]:
    return [detail.target for detail in (error.error.details or [])]


# --------------------------------------------------------------------------------------------
# Reading


def test_fresh_service_lists_the_14_default_templates(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    listed = list(sdk.email_template.list_by_service(service.resource_group, service.name))
    assert {t.name for t in listed} == set(TEMPLATE_NAMES)
    assert len(listed) == 14
    for template in listed:
        assert template.id.endswith(f"/service/{service.name}/templates/{template.name}")
        assert template.type == "Microsoft.ApiManagement/service/templates"
        assert template.is_default is True
        assert template.subject and template.body and template.parameters
        assert template.title.startswith(TEMPLATE_NAMES[template.name])
    reset = next(t for t in listed if t.name == "PasswordResetIdentityDefault")
    assert reset.subject == RESET_SUBJECT
    assert {p.name for p in reset.parameters} >= {"DevFirstName", "ConfirmUrl", "ConfirmQuery"}
    confirm_url = next(p for p in reset.parameters if p.name == "ConfirmUrl")
    assert confirm_url.title == "Developer new password instruction URL"


@pytest.mark.parametrize(
    "spelling",
    [
        "passwordResetIdentityDefault",
        "PasswordResetIdentityDefault",
        "PASSWORDRESETIDENTITYDEFAULT",
    ],
)
def test_get_by_any_case_returns_the_pascal_case_name(
    sdk: ApiManagementClient, service: ServiceRef, spelling: str
) -> None:
    template = sdk.email_template.get(service.resource_group, service.name, spelling)
    assert template.name == "PasswordResetIdentityDefault"
    assert template.id.endswith("/templates/PasswordResetIdentityDefault")
    assert template.subject == RESET_SUBJECT
    assert template.is_default is True
    assert sdk.email_template.get_entity_tag(service.resource_group, service.name, spelling)
    _, headers = sdk.email_template.get_entity_tag(
        service.resource_group, service.name, spelling, cls=lambda _r, d, h: (d, h)
    )
    assert headers["ETag"] == etag_of(sdk, service, RESET)


def test_unknown_template_is_not_found(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    rg, name = service.resource_group, service.name
    with pytest.raises(ResourceNotFoundError):
        sdk.email_template.get(rg, name, "noSuchTemplate")
    with pytest.raises(ResourceNotFoundError):
        sdk.email_template.get_entity_tag(rg, name, "noSuchTemplate")
    with pytest.raises(ResourceNotFoundError):
        customize(sdk, service, "noSuchTemplate", subject="Hello")
    with pytest.raises(ResourceNotFoundError):
        sdk.email_template.update(
            rg, name, "noSuchTemplate", "*", EmailTemplateUpdateParameters(subject="Hello")
        )
    with pytest.raises(ResourceNotFoundError):
        sdk.email_template.delete(rg, name, "noSuchTemplate", if_match="*")
    assert len(list(sdk.email_template.list_by_service(rg, name))) == 14


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("name eq 'passwordResetIdentityDefault'", {"PasswordResetIdentityDefault"}),
        (
            "contains(name,'PasswordReset')",
            {"PasswordResetIdentityDefault", "PasswordResetByAdminNotificationMessage"},
        ),
        (
            "startswith(name,'new')",
            {
                "NewCommentNotificationMessage",
                "NewDeveloperNotificationMessage",
                "NewIssueNotificationMessage",
            },
        ),
        (
            "endswith(name,'IdentityDefault')",
            {
                "ConfirmSignUpIdentityDefault",
                "EmailChangeIdentityDefault",
                "PasswordResetIdentityDefault",
            },
        ),
        ("substringof('Closed', name)", {"AccountClosedDeveloper"}),
        (
            "name ne 'AccountClosedDeveloper' and startswith(name,'A')",
            {"ApplicationApprovedNotificationMessage"},
        ),
        ("name eq 'nothing'", set()),
    ],
)
def test_filter_on_name(
    sdk: ApiManagementClient, service: ServiceRef, expression: str, expected: set[str]
) -> None:
    found = {
        t.name
        for t in sdk.email_template.list_by_service(
            service.resource_group, service.name, filter=expression
        )
    }
    assert found == expected


@pytest.mark.parametrize(
    "expression", ["subject eq 'Your password change request'", "isDefault eq true", "title eq 'x'"]
)
def test_filter_on_other_fields_is_refused(
    sdk: ApiManagementClient, service: ServiceRef, expression: str
) -> None:
    error = refused(
        lambda: list(
            sdk.email_template.list_by_service(
                service.resource_group, service.name, filter=expression
            )
        )
    )
    assert error.error.code == "ValidationError"


def test_paging_with_top_skip_and_next_link(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    pager = sdk.email_template.list_by_service(
        service.resource_group, service.name, top=5
    ).by_page()
    pages = [[t.name for t in page] for page in pager]
    assert [len(page) for page in pages] == [5, 5, 4]
    flat = [name for page in pages for name in page]
    assert sorted(flat) == sorted(TEMPLATE_NAMES)

    body = http.get(service.url("/templates"), params={**V, "$top": 4, "$skip": 10}).json()
    assert body["count"] == 14
    assert [t["name"] for t in body["value"]] == flat[10:14]
    assert not body.get("nextLink")

    first = http.get(service.url("/templates"), params={**V, "$top": 3, "$skip": 2}).json()
    assert [t["name"] for t in first["value"]] == flat[2:5]
    link = urlparse(first["nextLink"])
    assert link.scheme == "http" and link.netloc
    assert parse_qs(link.query)["$skip"] == ["5"]
    assert parse_qs(link.query)["$top"] == ["3"]
    filtered = http.get(
        service.url("/templates"),
        params={**V, "$top": 1, "$filter": "startswith(name,'new')"},
    ).json()
    assert filtered["count"] == 3
    assert parse_qs(urlparse(filtered["nextLink"]).query)["$filter"] == ["startswith(name,'new')"]


# --------------------------------------------------------------------------------------------
# Customizing and restoring


def test_put_with_only_a_subject_customizes_and_keeps_the_default_body(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    default = sdk.email_template.get(rg, name, RESET)
    default_etag = etag_of(sdk, service, RESET)
    record = Recorder()
    first = sdk.email_template.create_or_update(
        rg, name, RESET, EmailTemplateUpdateParameters(subject="Reset your password"), cls=record
    )
    assert first.name == "PasswordResetIdentityDefault"
    assert first.subject == "Reset your password"
    assert first.body == default.body
    assert first.title == default.title
    assert [p.name for p in first.parameters] == [p.name for p in default.parameters]
    assert first.is_default is False
    customized_etag = etag_of(sdk, service, RESET)
    assert customized_etag != default_etag

    with pytest.raises(HttpResponseError) as caught:
        sdk.email_template.create_or_update(
            rg, name, RESET, EmailTemplateUpdateParameters(subject="Stale"), if_match=default_etag
        )
    assert caught.value.status_code == 412
    second = sdk.email_template.create_or_update(
        rg,
        name,
        RESET,
        EmailTemplateUpdateParameters(subject="Reset it again"),
        if_match=customized_etag,
        cls=record,
    )
    assert record.statuses == [201, 200]
    assert second.subject == "Reset it again"
    assert second.is_default is False
    assert etag_of(sdk, service, RESET) not in (default_etag, customized_etag)

    fetched = sdk.email_template.get(rg, name, "PasswordResetIdentityDefault")
    assert (fetched.subject, fetched.body, fetched.is_default) == (
        "Reset it again",
        default.body,
        False,
    )
    listed = {t.name: t for t in sdk.email_template.list_by_service(rg, name)}
    assert listed["PasswordResetIdentityDefault"].is_default is False
    assert sum(1 for t in listed.values() if t.is_default) == 13


def test_put_replaces_body_title_description_and_parameters(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    saved = customize(
        sdk,
        service,
        RESET,
        body=CUSTOM_BODY,
        title="My reset mail",
        description="Our own words",
        parameters=[
            EmailTemplateParametersContractProperties(
                name="DevFirstName", title="First name", description="first.name"
            ),
            EmailTemplateParametersContractProperties(name="ConfirmUrl", title="Link"),
            EmailTemplateParametersContractProperties(name="OrganizationName", title="Org"),
        ],
    )
    assert saved.subject == RESET_SUBJECT
    assert saved.body == CUSTOM_BODY
    assert (saved.title, saved.description) == ("My reset mail", "Our own words")
    assert [(p.name, p.title, p.description) for p in saved.parameters] == [
        ("DevFirstName", "First name", "first.name"),
        ("ConfirmUrl", "Link", None),
        ("OrganizationName", "Org", None),
    ]
    fetched = sdk.email_template.get(service.resource_group, service.name, RESET)
    assert fetched.body == CUSTOM_BODY
    assert fetched.is_default is False


def test_patch_needs_a_matching_if_match(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    rg, name = service.resource_group, service.name
    url = service.url(f"/templates/{RESET}")
    missing = http.patch(url, params=V, json={"properties": {"subject": "No header"}})
    assert missing.status_code == 400, missing.text
    assert missing.json()["error"]["code"] == "ValidationError"

    etag = etag_of(sdk, service, RESET)
    record = Recorder()
    patched = sdk.email_template.update(
        rg, name, RESET, etag, EmailTemplateUpdateParameters(subject="Patched once"), cls=record
    )
    assert patched.subject == "Patched once"
    assert patched.is_default is False
    assert record.etags[0] and record.etags[0] != etag
    assert record.etags[0] == etag_of(sdk, service, RESET)

    with pytest.raises(HttpResponseError) as caught:
        sdk.email_template.update(
            rg, name, RESET, etag, EmailTemplateUpdateParameters(subject="Stale write")
        )
    assert caught.value.status_code == 412
    assert caught.value.error.code == "PreconditionFailed"
    assert sdk.email_template.get(rg, name, RESET).subject == "Patched once"

    starred = sdk.email_template.update(
        rg, name, RESET, "*", EmailTemplateUpdateParameters(subject="Patched with star")
    )
    assert starred.subject == "Patched with star"
    assert sdk.email_template.get(rg, name, RESET).subject == "Patched with star"


def test_delete_restores_the_default(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    rg, name = service.resource_group, service.name
    default = sdk.email_template.get(rg, name, RESET)
    default_etag = etag_of(sdk, service, RESET)
    customize(sdk, service, RESET, subject="Custom subject", body=CUSTOM_BODY)
    url = service.url(f"/templates/{RESET}")

    missing = http.delete(url, params=V)
    assert missing.status_code == 400, missing.text
    with pytest.raises(HttpResponseError) as caught:
        sdk.email_template.delete(rg, name, RESET, if_match=default_etag)
    assert caught.value.status_code == 412
    assert sdk.email_template.get(rg, name, RESET).subject == "Custom subject"

    record = Recorder()
    sdk.email_template.delete(rg, name, RESET, if_match=etag_of(sdk, service, RESET), cls=record)
    restored = sdk.email_template.get(rg, name, RESET)
    assert restored.is_default is True
    assert restored.subject == RESET_SUBJECT
    assert restored.body == default.body
    assert restored.title == default.title

    sdk.email_template.delete(rg, name, RESET, if_match="*", cls=record)
    assert record.statuses == [200, 204]
    assert sdk.email_template.get(rg, name, RESET).is_default is True


def test_template_changes_are_per_service(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, server: LiveServer
) -> None:
    other = create_service(http)
    other_sdk = client_for(server.url, server.token, other.subscription_id)
    try:
        customize(sdk, service, RESET, subject="Only in the first service")
        theirs = other_sdk.email_template.get(other.resource_group, other.name, RESET)
        assert theirs.is_default is True
        assert theirs.subject == RESET_SUBJECT
        record = Recorder()
        other_sdk.email_template.create_or_update(
            other.resource_group,
            other.name,
            RESET,
            EmailTemplateUpdateParameters(subject="Second service"),
            cls=record,
        )
        assert record.statuses == [201]
        assert sdk.email_template.get(service.resource_group, service.name, RESET).subject == (
            "Only in the first service"
        )
    finally:
        other_sdk.close()


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
