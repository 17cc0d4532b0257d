"""E-mail templates (reference §2.5, §3.9, §4.8), driven through Azure's own SDK against a live
`apidesk serve`: reading them, customizing and restoring them. Invalid saves and what an edit
does to the next e-mail are in test_template_edits_sdk.py."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    EmailTemplateParametersContractProperties,
    EmailTemplateUpdateParameters,
)
from support.sdk import client_for
from support.server import LiveServer, ServiceRef, create_service
from support.templates import (
    CUSTOM_BODY,
    RESET,
    RESET_SUBJECT,
    TEMPLATE_NAMES,
    Recorder,
    V,
    customize,
    etag_of,
    refused,
)

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
