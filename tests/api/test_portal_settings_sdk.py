"""Developer-portal settings (sign-in, sign-up, delegation) through Azure's own SDK and raw
HTTP against a live `apidesk serve`, on both databases."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    PortalDelegationSettings,
    PortalSigninSettings,
    PortalSignupSettings,
    RegistrationDelegationSettingsProperties,
    SubscriptionsDelegationSettingsProperties,
    TermsOfServiceProperties,
)
from sqlalchemy import select
from support.sdk import with_headers
from support.server import ServiceRef, create_service

from apidesk.domain.context import Runtime
from apidesk.storage.models import AuditEvent, Instance, PortalSetting

V = {"api-version": "2024-05-01"}
SETTINGS_TYPE = "Microsoft.ApiManagement/service/portalsettings"


def status_of(pipeline_response: Any, deserialized: Any, headers: Any) -> tuple[int, Any]:
    return pipeline_response.http_response.status_code, headers


def a_key(size: int = 64) -> str:
    return base64.b64encode(os.urandom(size)).decode("ascii")


def test_a_new_service_lists_the_three_settings_with_their_defaults(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    listed = sdk.portal_settings.list_by_service(service.resource_group, service.name)
    assert listed.count == 3
    by_name = {item.name: item for item in listed.value}
    assert list(by_name) == ["delegation", "signin", "signup"]
    for name, item in by_name.items():
        assert item.type == SETTINGS_TYPE
        assert item.id == f"{service.path}/portalsettings/{name}"
    assert by_name["signin"].enabled is False
    assert by_name["signup"].enabled is True
    assert by_name["signup"].terms_of_service.enabled is False
    assert by_name["signup"].terms_of_service.consent_required is False
    assert by_name["delegation"].subscriptions.enabled is False
    assert by_name["delegation"].user_registration.enabled is False
    assert by_name["delegation"].url is None
    assert by_name["delegation"].validation_key is None


def test_get_and_head_carry_the_same_etag(sdk: ApiManagementClient, service: ServiceRef) -> None:
    rg, name = service.resource_group, service.name
    for operations in (sdk.sign_in_settings, sdk.sign_up_settings, sdk.delegation_settings):
        _, got = operations.get(rg, name, cls=with_headers)
        _, head = operations.get_entity_tag(rg, name, cls=status_of)
        assert got["ETag"] and got["ETag"] == head["ETag"]


def test_sign_up_settings_are_set_by_put_and_read_back(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    terms = TermsOfServiceProperties(
        text="Be kind to the API.", enabled=True, consent_required=True
    )
    answer = sdk.sign_up_settings.create_or_update(
        rg, name, PortalSignupSettings(enabled=True, terms_of_service=terms)
    )
    assert answer.name == "signup"
    assert answer.terms_of_service.text == "Be kind to the API."
    got = sdk.sign_up_settings.get(rg, name)
    assert got.enabled is True
    assert got.terms_of_service.enabled is True
    assert got.terms_of_service.consent_required is True
    assert got.id == f"{service.path}/portalsettings/signup"


def test_patch_changes_only_what_it_names_and_moves_the_etag(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    sdk.sign_up_settings.create_or_update(
        rg,
        name,
        PortalSignupSettings(
            enabled=True, terms_of_service=TermsOfServiceProperties(text="T", enabled=True)
        ),
    )
    _, before = sdk.sign_up_settings.get(rg, name, cls=with_headers)
    sdk.sign_up_settings.update(rg, name, before["ETag"], PortalSignupSettings(enabled=False))
    _, after = sdk.sign_up_settings.get(rg, name, cls=with_headers)
    got = sdk.sign_up_settings.get(rg, name)
    assert got.enabled is False
    assert got.terms_of_service.text == "T" and got.terms_of_service.enabled is True
    assert after["ETag"] != before["ETag"]


def test_sign_in_settings_follow_put_and_patch(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    assert sdk.sign_in_settings.create_or_update(
        rg, name, PortalSigninSettings(enabled=True)
    ).enabled
    assert sdk.sign_in_settings.get(rg, name).enabled is True
    sdk.sign_in_settings.update(rg, name, "*", PortalSigninSettings(enabled=False))
    assert sdk.sign_in_settings.get(rg, name).enabled is False


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(
    http: httpx.Client, sdk: ApiManagementClient, service: ServiceRef, method: str
) -> None:
    rg, name = service.resource_group, service.name
    _, old = sdk.sign_in_settings.get(rg, name, cls=with_headers)
    sdk.sign_in_settings.update(rg, name, old["ETag"], PortalSigninSettings(enabled=True))
    response = http.request(
        method,
        service.url("/portalsettings/signin"),
        params=V,
        headers={"If-Match": old["ETag"]},
        json={"properties": {"enabled": False}},
    )
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "PreconditionFailed"
    assert sdk.sign_in_settings.get(rg, name).enabled is True


def test_the_sdk_surfaces_a_stale_etag_as_412(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    _, old = sdk.delegation_settings.get(rg, name, cls=with_headers)
    sdk.delegation_settings.update(
        rg, name, "*", PortalDelegationSettings(url="https://publisher.example.com/delegate")
    )
    with pytest.raises(HttpResponseError) as caught:
        sdk.delegation_settings.update(
            rg, name, old["ETag"], PortalDelegationSettings(url="https://other.example.com/")
        )
    assert caught.value.status_code == 412
    assert sdk.delegation_settings.get(rg, name).url == "https://publisher.example.com/delegate"


def test_patch_without_if_match_is_a_validation_error(
    http: httpx.Client, service: ServiceRef
) -> None:
    response = http.patch(
        service.url("/portalsettings/signup"), params=V, json={"properties": {"enabled": False}}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ValidationError"


def test_delegation_keeps_the_validation_key_write_only(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    rg, name = service.resource_group, service.name
    key = a_key()
    answer = sdk.delegation_settings.create_or_update(
        rg,
        name,
        PortalDelegationSettings(
            url="https://publisher.example.com/delegate",
            validation_key=key,
            subscriptions=SubscriptionsDelegationSettingsProperties(enabled=True),
            user_registration=RegistrationDelegationSettingsProperties(enabled=True),
        ),
    )
    assert answer.validation_key is None
    assert answer.url == "https://publisher.example.com/delegate"
    assert answer.subscriptions.enabled is True and answer.user_registration.enabled is True
    for raw in (
        http.get(service.url("/portalsettings/delegation"), params=V).text,
        http.get(service.url("/portalsettings"), params=V).text,
    ):
        assert key not in raw and "validationKey" not in raw
    assert sdk.delegation_settings.list_secrets(rg, name).validation_key == key


def test_the_validation_key_is_encrypted_at_rest_and_not_logged(
    sdk: ApiManagementClient, service: ServiceRef, runtime: Runtime
) -> None:
    rg, name = service.resource_group, service.name
    key = a_key()
    sdk.delegation_settings.create_or_update(rg, name, PortalDelegationSettings(validation_key=key))
    with runtime.database.unit_of_work(write=False) as session:
        instance = session.scalars(select(Instance).where(Instance.name == name)).one()
        row = session.scalars(
            select(PortalSetting).where(
                PortalSetting.instance_id == instance.id, PortalSetting.name == "delegation"
            )
        ).one()
        assert row.validation_key and key not in row.validation_key
        assert key not in json.dumps(row.values)
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.instance_name == name,
                AuditEvent.target == "portalsettings/delegation",
            )
        ).all()
    assert [event.action for event in events] == ["portalsettings.delegation.update"]
    assert events[0].changes == {"validationKey": "[redacted]"}
    assert all(key not in json.dumps(event.changes) for event in events)


def test_turning_delegation_on_without_a_key_creates_one(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    sdk.delegation_settings.create_or_update(
        rg,
        name,
        PortalDelegationSettings(
            url="https://publisher.example.com/delegate",
            user_registration=RegistrationDelegationSettingsProperties(enabled=True),
        ),
    )
    first = sdk.delegation_settings.list_secrets(rg, name).validation_key
    assert len(base64.b64decode(first, validate=True)) == 64
    assert sdk.delegation_settings.list_secrets(rg, name).validation_key == first


def test_list_secrets_creates_a_key_when_none_is_set(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    key = sdk.delegation_settings.list_secrets(rg, name).validation_key
    assert len(base64.b64decode(key, validate=True)) == 64
    assert sdk.delegation_settings.list_secrets(rg, name).validation_key == key


def test_each_service_has_its_own_settings(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    sdk.sign_in_settings.create_or_update(
        service.resource_group, service.name, PortalSigninSettings(enabled=True)
    )
    key = sdk.delegation_settings.list_secrets(service.resource_group, service.name)
    other = create_service(http)
    assert sdk.sign_in_settings.get(other.resource_group, other.name).enabled is False
    other_key = sdk.delegation_settings.list_secrets(other.resource_group, other.name)
    assert other_key.validation_key != key.validation_key


BAD_BODIES = [
    ("signin", {"properties": {"enabled": "yes"}}, "enabled"),
    ("signup", {"properties": {"termsOfService": {"consentRequired": 1}}}, "consentRequired"),
    ("signup", {"properties": {"termsOfService": {"enabled": True, "text": "  "}}}, "text"),
    ("signup", {"properties": {"termsOfService": {"consentRequired": True}}}, "consentRequired"),
    ("signup", {"properties": {"termsOfService": {"text": "a\x00b"}}}, "text"),
    ("delegation", {"properties": {"url": "ftp://publisher.example.com/"}}, "url"),
    ("delegation", {"properties": {"url": "/delegate"}}, "url"),
    ("delegation", {"properties": {"url": "https://u:p@publisher.example.com/"}}, "url"),
    ("delegation", {"properties": {"url": "https://publisher.example.com:99999/"}}, "url"),
    ("delegation", {"properties": {"url": "https://publisher.example.com/#top"}}, "url"),
    ("delegation", {"properties": {"url": "https://publisher.example.com\\delegate"}}, "url"),
    ("delegation", {"properties": {"url": "https://publisher..example.com/"}}, "url"),
    ("delegation", {"properties": {"url": "https://publisher.example.com/a b"}}, "url"),
    ("delegation", {"properties": {"validationKey": "not base64!"}}, "validationKey"),
    ("delegation", {"properties": {"validationKey": "c2hvcnQ="}}, "validationKey"),
    ("delegation", {"properties": {"userRegistration": {"enabled": True}}}, "url"),
    ("delegation", {"properties": {"subscriptions": {"enabled": "true"}}}, "enabled"),
    ("delegation", {"properties": []}, "properties"),
]


@pytest.mark.parametrize(("name", "body", "target"), BAD_BODIES)
def test_bad_settings_are_refused_in_the_arm_shape_and_change_nothing(
    http: httpx.Client, service: ServiceRef, name: str, body: Any, target: str
) -> None:
    path = service.url(f"/portalsettings/{name}")
    before = http.get(path, params=V)
    for method in ("PUT", "PATCH"):
        response = http.request(method, path, params=V, headers={"If-Match": "*"}, json=body)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "ValidationError"
        assert any(target in (detail.get("target") or "") for detail in error["details"]), error
    after = http.get(path, params=V)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


def test_a_cleared_url_turns_delegation_off_only_together(
    http: httpx.Client, sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    sdk.delegation_settings.create_or_update(
        rg,
        name,
        PortalDelegationSettings(
            url="https://publisher.example.com/delegate",
            subscriptions=SubscriptionsDelegationSettingsProperties(enabled=True),
        ),
    )
    path = service.url("/portalsettings/delegation")
    refused = http.patch(
        path, params=V, headers={"If-Match": "*"}, json={"properties": {"url": ""}}
    )
    assert refused.status_code == 400
    cleared = http.patch(
        path,
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"url": "", "subscriptions": {"enabled": False}}},
    )
    assert cleared.status_code == 204
    got = sdk.delegation_settings.get(rg, name)
    assert got.url is None and got.subscriptions.enabled is False


def test_unknown_settings_are_not_found(http: httpx.Client, service: ServiceRef) -> None:
    response = http.get(service.url("/portalsettings/signout"), params=V)
    assert response.status_code == 404
    assert response.json()["error"]["code"]
