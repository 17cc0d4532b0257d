"""The user tokens and management shared-access signatures that tenant access keys sign, driven
through Azure's own SDK (and raw HTTP for the `SharedAccessSignature` header) against a live
`apidesk serve`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    AccessInformationCreateParameters,
    AccessInformationUpdateParameters,
    UserCreateParameters,
)
from support.server import LiveServer, ServiceRef, create_service
from support.tenant import (
    FAR_FUTURE,
    V,
    list_users_with,
    secrets,
    signature,
    user_token,
    verifies,
)

from apidesk.domain.context import Runtime
from apidesk.security import sas

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
