"""Tenant access keys, the user tokens and management signatures they sign, driven through
Azure's own SDK (and raw HTTP for the `SharedAccessSignature` header) against a live
`apidesk serve`."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    AccessInformationCreateParameters,
    AccessInformationUpdateParameters,
    UserCreateParameters,
    UserTokenParameters,
)
from sqlalchemy import select
from support.sdk import Statuses, client_for, with_headers
from support.server import LiveServer, ServiceRef, create_service

from apidesk.domain.context import Runtime
from apidesk.security import sas
from apidesk.storage.models import Instance, User

V = {"api-version": "2024-05-01"}
FAR_FUTURE = "2030-01-01T00:00:00.0000000Z"
KEY_16 = "0123456789abcdef"


def secrets(sdk: ApiManagementClient, service: ServiceRef, name: str = "access") -> Any:
    return sdk.tenant_access.list_secrets(service.resource_group, service.name, name)


def etag_of(sdk: ApiManagementClient, service: ServiceRef, name: str = "access") -> str:
    _, headers = sdk.tenant_access.get(service.resource_group, service.name, name, cls=with_headers)
    return str(headers["ETag"])


def signature(key: str, uid: str = "integration", expiry: str = FAR_FUTURE) -> str:
    """APIM's management shared-access signature, as the header value."""
    mac = hmac.new(key.encode("utf-8"), f"{uid}\n{expiry}".encode(), hashlib.sha512)
    sn = base64.b64encode(mac.digest()).decode("ascii")
    return f"SharedAccessSignature uid={uid}&ex={expiry}&sn={sn}"


def list_users_with(http: httpx.Client, service: ServiceRef, authorization: str) -> httpx.Response:
    return http.get(service.url("/users"), params=V, headers={"Authorization": authorization})


@dataclass(frozen=True)
class UserToken:
    parsed: sas.ParsedToken
    stamp: str  # the account's own, which the signature covers


def user_token(
    runtime: Runtime, sdk: ApiManagementClient, service: ServiceRef, user_id: str, key_type: str
) -> UserToken:
    result = sdk.user.get_shared_access_token(
        service.resource_group,
        service.name,
        user_id,
        UserTokenParameters(key_type=key_type, expiry=datetime.now(UTC) + timedelta(days=1)),
    )
    parsed = sas.parse(result.value)
    assert parsed is not None
    with runtime.database.unit_of_work(write=False) as session:
        stamp = session.scalars(
            select(User.stamp)
            .join(Instance, Instance.id == User.instance_id)
            .where(Instance.name == service.name, User.name_key == user_id.lower())
        ).one()
    return UserToken(parsed, stamp)


def verifies(token: UserToken, keys: Any) -> bool:
    return sas.verify(
        token.parsed, [keys.primary_key, keys.secondary_key], datetime.now(UTC), token.stamp
    )


# --- Reading -----------------------------------------------------------------------------------


def test_list_shows_access_and_git_access_without_keys(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    entries = list(sdk.tenant_access.list_by_service(service.resource_group, service.name))
    assert [e.name for e in entries] == ["access", "gitAccess"]
    access = entries[0]
    assert access.id == f"{service.path}/tenant/access"
    assert access.type == "Microsoft.ApiManagement/service/tenant"
    assert access.id_properties_id == "access"
    assert access.principal_id == "integration"
    assert access.enabled is True
    body = http.get(service.url("/tenant"), params=V).text
    assert "primaryKey" not in body and "secondaryKey" not in body


@pytest.mark.parametrize("name", ["access", "gitAccess"])
def test_get_and_head_never_include_keys(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, name: str
) -> None:
    entry, headers = sdk.tenant_access.get(
        service.resource_group, service.name, name, cls=with_headers
    )
    assert entry.name == name
    assert sdk.tenant_access.get_entity_tag(service.resource_group, service.name, name) is True
    head = http.head(service.url(f"/tenant/{name}"), params=V)
    assert head.headers["ETag"] == headers["ETag"]
    body = http.get(service.url(f"/tenant/{name}"), params=V).text
    keys = secrets(sdk, service, name)
    assert keys.primary_key not in body
    assert keys.secondary_key not in body
    assert "primaryKey" not in body


def test_unknown_access_name_is_not_found(sdk: ApiManagementClient, service: ServiceRef) -> None:
    with pytest.raises(ResourceNotFoundError):
        sdk.tenant_access.get(service.resource_group, service.name, "ftpAccess")
    with pytest.raises(ResourceNotFoundError):
        sdk.tenant_access.list_secrets(service.resource_group, service.name, "ftpAccess")


def test_list_secrets_returns_the_principal_and_two_keys_with_an_etag(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    keys, headers = sdk.tenant_access.list_secrets(
        service.resource_group, service.name, "access", cls=with_headers
    )
    assert keys.id == "access"
    assert keys.principal_id == "integration"
    assert keys.enabled is True
    assert keys.primary_key and keys.secondary_key
    assert keys.primary_key != keys.secondary_key
    assert headers["ETag"] == etag_of(sdk, service)
    git = secrets(sdk, service, "gitAccess")
    assert {git.primary_key, git.secondary_key}.isdisjoint({keys.primary_key, keys.secondary_key})


def test_every_service_has_its_own_keys(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, server: LiveServer
) -> None:
    other = create_service(http)
    with client_for(server.url, server.token, other.subscription_id) as other_sdk:
        theirs = secrets(other_sdk, other)
        other_sdk.tenant_access.regenerate_primary_key(other.resource_group, other.name, "access")
    mine = secrets(sdk, service)
    assert {mine.primary_key, mine.secondary_key}.isdisjoint(
        {theirs.primary_key, theirs.secondary_key}
    )
    assert secrets(sdk, service).primary_key == mine.primary_key


# --- Regenerating keys -------------------------------------------------------------------------


@pytest.mark.parametrize(("slot", "other"), [("primary", "secondary"), ("secondary", "primary")])
def test_regenerating_a_key_changes_only_that_key_and_the_etag(
    sdk: ApiManagementClient, service: ServiceRef, slot: str, other: str
) -> None:
    before = secrets(sdk, service)
    etag = etag_of(sdk, service)
    regenerate = getattr(sdk.tenant_access, f"regenerate_{slot}_key")
    statuses = Statuses()
    regenerate(service.resource_group, service.name, "access", cls=statuses)
    assert statuses.seen == [204]
    after, headers = sdk.tenant_access.list_secrets(
        service.resource_group, service.name, "access", cls=with_headers
    )
    assert getattr(after, f"{slot}_key") != getattr(before, f"{slot}_key")
    assert getattr(after, f"{other}_key") == getattr(before, f"{other}_key")
    assert headers["ETag"] != etag
    assert etag_of(sdk, service) == headers["ETag"]


def test_regenerating_git_access_leaves_access_alone(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    access = secrets(sdk, service)
    git = secrets(sdk, service, "gitAccess")
    sdk.tenant_access.regenerate_primary_key(service.resource_group, service.name, "gitAccess")
    assert secrets(sdk, service, "gitAccess").primary_key != git.primary_key
    assert secrets(sdk, service).as_dict() == access.as_dict()


# --- Update (PATCH) and create (PUT) -----------------------------------------------------------


def test_update_disables_and_enables_access(sdk: ApiManagementClient, service: ServiceRef) -> None:
    first = etag_of(sdk, service)
    disabled, headers = sdk.tenant_access.update(
        service.resource_group,
        service.name,
        "access",
        if_match=first,
        parameters=AccessInformationUpdateParameters(enabled=False),
        cls=with_headers,
    )
    assert disabled.enabled is False
    assert headers["ETag"] != first
    assert sdk.tenant_access.get(service.resource_group, service.name, "access").enabled is False
    enabled = sdk.tenant_access.update(
        service.resource_group,
        service.name,
        "access",
        if_match=headers["ETag"],
        parameters=AccessInformationUpdateParameters(enabled=True),
    )
    assert enabled.enabled is True


def test_update_with_stale_etag_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    stale = etag_of(sdk, service)
    sdk.tenant_access.regenerate_secondary_key(service.resource_group, service.name, "access")
    with pytest.raises(HttpResponseError) as caught:
        sdk.tenant_access.update(
            service.resource_group,
            service.name,
            "access",
            if_match=stale,
            parameters=AccessInformationUpdateParameters(enabled=False),
        )
    assert caught.value.status_code == 412
    assert caught.value.error.code == "PreconditionFailed"
    assert sdk.tenant_access.get(service.resource_group, service.name, "access").enabled is True


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_writes_without_if_match_are_refused(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, method: str
) -> None:
    before = secrets(sdk, service).as_dict()
    response = http.request(
        method,
        service.url("/tenant/access"),
        params=V,
        json={"properties": {"enabled": False, "primaryKey": "k" * 32}},
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert [d["target"] for d in error["details"]] == ["If-Match"]
    assert secrets(sdk, service).as_dict() == before


def test_create_sets_principal_keys_and_enabled(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    first = etag_of(sdk, service)
    primary, secondary = "p" * 16, "s" * 256
    entry, headers = sdk.tenant_access.create(
        service.resource_group,
        service.name,
        "access",
        if_match=first,
        parameters=AccessInformationCreateParameters(
            principal_id="automation", primary_key=primary, secondary_key=secondary, enabled=False
        ),
        cls=with_headers,
    )
    assert entry.principal_id == "automation"
    assert entry.enabled is False
    assert headers["ETag"] != first
    keys = secrets(sdk, service)
    assert (keys.principal_id, keys.primary_key, keys.secondary_key, keys.enabled) == (
        "automation",
        primary,
        secondary,
        False,
    )


def test_create_with_only_one_key_keeps_the_rest(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    before = secrets(sdk, service)
    sdk.tenant_access.create(
        service.resource_group,
        service.name,
        "access",
        if_match="*",
        parameters=AccessInformationCreateParameters(secondary_key=KEY_16),
    )
    after = secrets(sdk, service)
    assert after.secondary_key == KEY_16
    assert after.primary_key == before.primary_key
    assert (after.principal_id, after.enabled) == ("integration", True)


def test_create_with_stale_etag_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    stale = etag_of(sdk, service)
    sdk.tenant_access.regenerate_primary_key(service.resource_group, service.name, "access")
    before = secrets(sdk, service).as_dict()
    with pytest.raises(HttpResponseError) as caught:
        sdk.tenant_access.create(
            service.resource_group,
            service.name,
            "access",
            if_match=stale,
            parameters=AccessInformationCreateParameters(primary_key=KEY_16),
        )
    assert caught.value.status_code == 412
    assert secrets(sdk, service).as_dict() == before


BAD_TENANT_BODIES = [
    ("primaryKey too short", {"primaryKey": "k" * 15}, "primaryKey"),
    ("secondaryKey too long", {"secondaryKey": "k" * 257}, "secondaryKey"),
    ("primaryKey as number", {"primaryKey": 1234567890123456789}, "primaryKey"),
    ("principalId too long", {"principalId": "p" * 101}, "principalId"),
    ("enabled as text", {"enabled": "maybe"}, "enabled"),
]


@pytest.mark.parametrize(
    ("case", "properties", "target"), BAD_TENANT_BODIES, ids=[c[0] for c in BAD_TENANT_BODIES]
)
def test_bad_tenant_bodies_are_refused_and_change_nothing(
    sdk: ApiManagementClient,
    http: httpx.Client,
    service: ServiceRef,
    case: str,
    properties: dict[str, Any],
    target: str,
) -> None:
    before = secrets(sdk, service).as_dict()
    etag = etag_of(sdk, service)
    # A valid field next to the bad one must not be applied either.
    body = {"properties": {"enabled": False, **properties}}
    response = http.put(
        service.url("/tenant/access"), params=V, json=body, headers={"If-Match": "*"}
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert target in [d["target"] for d in error["details"]], error
    assert secrets(sdk, service).as_dict() == before
    assert etag_of(sdk, service) == etag


# --- User tokens -------------------------------------------------------------------------------


def test_regenerating_the_primary_key_voids_user_tokens_signed_with_it(
    runtime: Runtime, sdk: ApiManagementClient, service: ServiceRef
) -> None:
    sdk.user.create_or_update(
        service.resource_group,
        service.name,
        "holder",
        UserCreateParameters(email="holder@example.com", first_name="Token", last_name="Holder"),
    )
    primary_token = user_token(runtime, sdk, service, "holder", "primary")
    secondary_token = user_token(runtime, sdk, service, "holder", "secondary")
    before = secrets(sdk, service)
    assert verifies(primary_token, before)
    assert verifies(secondary_token, before)

    sdk.tenant_access.regenerate_primary_key(service.resource_group, service.name, "access")
    after = secrets(sdk, service)
    assert not verifies(primary_token, after)
    assert verifies(secondary_token, after)
    # A fresh primary token is signed with the new key.
    assert verifies(user_token(runtime, sdk, service, "holder", "primary"), after)


def test_user_tokens_follow_a_key_set_by_create(
    runtime: Runtime, sdk: ApiManagementClient, service: ServiceRef
) -> None:
    sdk.tenant_access.create(
        service.resource_group,
        service.name,
        "access",
        if_match="*",
        parameters=AccessInformationCreateParameters(primary_key="chosen-primary-key"),
    )
    token = user_token(runtime, sdk, service, "1", "primary")
    assert sas.verify(token.parsed, ["chosen-primary-key"], datetime.now(UTC), token.stamp)


# --- Management shared-access signatures -------------------------------------------------------


@pytest.mark.parametrize("slot", ["primary", "secondary"])
def test_management_signature_authenticates_calls_to_its_service(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, slot: str
) -> None:
    key = getattr(secrets(sdk, service), f"{slot}_key")
    response = list_users_with(http, service, signature(key))
    assert response.status_code == 200, response.text
    assert [u["name"] for u in response.json()["value"]] == ["1"]


def test_management_signature_is_refused_for_another_service(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    # The signature names no service: checked against the other service's keys, it is simply
    # not genuine there, so the answer is 401 rather than 403.
    header = signature(secrets(sdk, service).primary_key)
    other = create_service(http)
    response = list_users_with(http, other, header)
    assert response.status_code == 401, response.text
    assert list_users_with(http, service, header).status_code == 200


def test_management_signature_dies_with_a_regenerated_key(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    old = secrets(sdk, service)
    sdk.tenant_access.regenerate_primary_key(service.resource_group, service.name, "access")
    response = list_users_with(http, service, signature(old.primary_key))
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"]
    # The untouched secondary key still signs.
    assert list_users_with(http, service, signature(old.secondary_key)).status_code == 200


def test_management_signature_is_refused_while_access_is_disabled(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    header = signature(secrets(sdk, service).primary_key)
    sdk.tenant_access.update(
        service.resource_group,
        service.name,
        "access",
        if_match="*",
        parameters=AccessInformationUpdateParameters(enabled=False),
    )
    assert list_users_with(http, service, header).status_code == 401
    sdk.tenant_access.update(
        service.resource_group,
        service.name,
        "access",
        if_match="*",
        parameters=AccessInformationUpdateParameters(enabled=True),
    )
    assert list_users_with(http, service, header).status_code == 200


def test_management_signature_names_the_current_principal(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    key = secrets(sdk, service).primary_key
    sdk.tenant_access.create(
        service.resource_group,
        service.name,
        "access",
        if_match="*",
        parameters=AccessInformationCreateParameters(principal_id="automation"),
    )
    assert list_users_with(http, service, signature(key, uid="automation")).status_code == 200
    assert list_users_with(http, service, signature(key, uid="integration")).status_code == 401


def test_expired_management_signature_is_refused(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    key = secrets(sdk, service).primary_key
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
    assert list_users_with(http, service, signature(key, expiry=past)).status_code == 401


@pytest.mark.parametrize("expiry", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_an_expiry_beyond_the_calendar_is_401_without_a_trace(
    server: LiveServer,
    sdk: ApiManagementClient,
    service: ServiceRef,
    http: httpx.Client,
    expiry: str,
) -> None:
    key = secrets(sdk, service).primary_key
    logged = len(server.log())
    answer = list_users_with(http, service, signature(key, expiry=expiry))
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == "AuthenticationFailed"
    assert "Traceback" not in server.log()[logged:]


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda key: signature(key, uid="someone"), id="other principal"),
        pytest.param(lambda key: signature(key[::-1]), id="wrong key"),
        pytest.param(
            lambda key: signature(key).replace(FAR_FUTURE, "2031-01-01T00:00:00.0000000Z"),
            id="expiry changed",
        ),
        pytest.param(lambda key: signature(key, expiry="01/01/2030 12:00 AM"), id="bad expiry"),
        pytest.param(lambda key: "SharedAccessSignature uid=integration", id="no signature"),
    ],
)
def test_forged_management_signatures_are_refused(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, tamper: Any
) -> None:
    header = tamper(secrets(sdk, service).primary_key)
    assert list_users_with(http, service, header).status_code == 401


def test_a_signature_manages_the_service_contents_but_not_the_service(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    header = {"Authorization": signature(secrets(sdk, service).primary_key)}
    assert http.get(service.path, params=V, headers=header).status_code == 200
    deleting = http.delete(service.path, params=V, headers=header)
    assert deleting.status_code == 403
    current = http.get(service.path, params=V).json()
    changing = http.put(service.path, params=V, headers=header, json=current)
    assert changing.status_code == 403
    assert http.get(service.path, params=V).status_code == 200
