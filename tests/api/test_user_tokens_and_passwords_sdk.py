"""A user's tokens and password through Azure's own SDK against a live `apidesk serve`: the
SSO URL and shared access tokens, verified against the tenant's keys, and the password:
reset requested, never returned, refused when weak."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import UserTokenParameters
from sqlalchemy import select
from support.groups import new_user
from support.server import LiveServer, ServiceRef

from apidesk.domain.context import Runtime
from apidesk.security import sas
from apidesk.storage.models import Instance, OutboxMessage, TenantAccess, User

PASSWORD = "correct horse battery staple"


def test_sso_url_carries_a_verifiable_token(
    sdk: ApiManagementClient, service: ServiceRef, runtime: Runtime, server: LiveServer
) -> None:
    new_user(sdk, service, "sso")
    result = sdk.user.generate_sso_url(service.resource_group, service.name, "sso")
    url = urlparse(result.value)
    assert url.path == f"/portal/{service.name}/signin-sso"
    assert result.value.startswith(server.url)
    token = parse_qs(url.query)["token"][0]
    parsed = sas.parse(token)
    assert parsed is not None and parsed.user_id == "sso"
    assert datetime.now(UTC) < parsed.expiry <= datetime.now(UTC) + timedelta(minutes=11)
    stamp = user_stamp(runtime, service, "sso")
    assert sas.verify(parsed, [tenant_key(runtime, service, "primary")], datetime.now(UTC), stamp)


def user_stamp(runtime: Runtime, service: ServiceRef, user_id: str) -> str:
    with runtime.database.unit_of_work(write=False) as session:
        return str(
            session.scalars(
                select(User.stamp)
                .join(Instance, Instance.id == User.instance_id)
                .where(Instance.name == service.name, User.name_key == user_id.lower())
            ).one()
        )


def tenant_key(runtime: Runtime, service: ServiceRef, slot: str) -> str:
    from apidesk.domain import tenant
    from apidesk.domain.context import InstanceContext

    with runtime.database.unit_of_work(write=False) as session:
        instance = session.scalars(select(Instance).where(Instance.name == service.name)).one()
        row = session.scalars(
            select(TenantAccess).where(
                TenantAccess.instance_id == instance.id, TenantAccess.name == "access"
            )
        ).one()
        ctx = InstanceContext(runtime=runtime, session=session, actor="test", instance=instance)
        return tenant.reveal(ctx, row, slot)  # type: ignore[arg-type]


def test_shared_access_token(
    sdk: ApiManagementClient, service: ServiceRef, runtime: Runtime
) -> None:
    new_user(sdk, service, "userId1718")
    expiry = datetime.now(UTC) + timedelta(days=29)
    for key_type in ("primary", "secondary"):
        result = sdk.user.get_shared_access_token(
            service.resource_group,
            service.name,
            "userId1718",
            UserTokenParameters(key_type=key_type, expiry=expiry),
        )
        user_id, stamp, _signature = result.value.split("&")
        assert user_id == "userId1718"
        assert stamp == expiry.strftime("%Y%m%d%H%M")
        parsed = sas.parse(result.value)
        assert parsed is not None
        account = user_stamp(runtime, service, "userId1718")
        key, other = (
            tenant_key(runtime, service, key_type),
            tenant_key(runtime, service, "secondary" if key_type == "primary" else "primary"),
        )
        assert sas.verify(parsed, [key], datetime.now(UTC), account)
        assert not sas.verify(parsed, [other], datetime.now(UTC), account)


def test_shared_access_token_expiry_is_capped(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "capped")
    for expiry in (
        datetime.now(UTC) + timedelta(days=31),
        datetime.now(UTC) - timedelta(minutes=1),
    ):
        with pytest.raises(HttpResponseError) as caught:
            sdk.user.get_shared_access_token(
                service.resource_group,
                service.name,
                "capped",
                UserTokenParameters(key_type="primary", expiry=expiry),
            )
        assert caught.value.status_code == 400
        assert caught.value.error.details[0].target == "expiry"


def test_password_reset_request_is_recorded(
    sdk: ApiManagementClient, service: ServiceRef, runtime: Runtime
) -> None:
    new_user(sdk, service, "forgetful")
    sdk.user_confirmation_password.send(service.resource_group, service.name, "forgetful")
    with runtime.database.unit_of_work(write=False) as session:
        instance = session.scalars(select(Instance).where(Instance.name == service.name)).one()
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.instance_id == instance.id)
        ).all()
        assert [(r.template, r.to_address) for r in rows] == [
            ("PasswordResetByAdminNotificationMessage", "forgetful@example.com")
        ]


def test_password_is_never_returned(
    sdk: ApiManagementClient, service: ServiceRef, http: Any
) -> None:
    new_user(sdk, service, "secretive", password=PASSWORD)
    body = http.get(service.url("/users/secretive"), params={"api-version": "2024-05-01"}).text
    assert PASSWORD not in body
    assert "password" not in body.lower()


def test_weak_admin_password_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    with pytest.raises(HttpResponseError) as caught:
        new_user(sdk, service, "weak", password="short")
    assert caught.value.status_code == 400
    assert caught.value.error.details[0].target == "password"
