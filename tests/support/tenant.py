"""What the tenant access SDK tests share: the secrets and ETag of the access keys, a management
signature made as APIM makes it, and a user token with the stamp it covers
(tests/api/test_tenant*_sdk.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    UserTokenParameters,
)
from sqlalchemy import select
from support.sdk import with_headers
from support.server import ServiceRef

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
