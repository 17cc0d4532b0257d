"""Every user operation, driven through Azure's own SDK against a live `apidesk serve`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    UserCreateParameters,
    UserIdentityContract,
    UserTokenParameters,
    UserUpdateParameters,
)
from sqlalchemy import select
from support.sdk import client_for, with_headers
from support.server import LiveServer, ServiceRef, create_service

from apidesk.domain.context import Runtime
from apidesk.security import sas
from apidesk.storage.models import Instance, OutboxMessage, TenantAccess, User

PASSWORD = "correct horse battery staple"


def new_user(
    sdk: ApiManagementClient,
    service: ServiceRef,
    user_id: str,
    email: str | None = None,
    **extra: Any,
) -> Any:
    return sdk.user.create_or_update(
        service.resource_group,
        service.name,
        user_id,
        UserCreateParameters(
            email=email or f"{user_id}@example.com",
            first_name=extra.pop("first_name", "Ada"),
            last_name=extra.pop("last_name", "Lovelace"),
            **extra,
        ),
    )


def test_create_user_fills_defaults(sdk: ApiManagementClient, service: ServiceRef) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    user = new_user(sdk, service, "ada", note="first developer")
    assert user.name == "ada"
    assert user.id.endswith(f"/service/{service.name}/users/ada")
    assert user.type == "Microsoft.ApiManagement/service/users"
    assert user.email == "ada@example.com"
    assert user.state == "active"
    assert user.note == "first developer"
    assert [(i.provider, i.id) for i in user.identities] == [("Basic", "ada@example.com")]
    assert user.registration_date >= before
    groups = [g.name for g in sdk.user_group.list(service.resource_group, service.name, "ada")]
    assert groups == ["developers"]


def test_put_answers_201_then_200_and_merges(sdk: ApiManagementClient, service: ServiceRef) -> None:
    statuses: list[int] = []

    def record(pipeline_response: Any, deserialized: Any, headers: Any) -> Any:
        statuses.append(pipeline_response.http_response.status_code)
        return deserialized

    params = UserCreateParameters(email="grace@example.com", first_name="Grace", last_name="Hopper")
    sdk.user.create_or_update(service.resource_group, service.name, "grace", params, cls=record)
    created = sdk.user.get(service.resource_group, service.name, "grace")
    updated = sdk.user.create_or_update(
        service.resource_group,
        service.name,
        "grace",
        UserCreateParameters(first_name="Admiral", note="navy"),
        cls=record,
    )
    assert statuses == [201, 200]
    assert updated.first_name == "Admiral"
    assert updated.last_name == "Hopper"
    assert updated.email == "grace@example.com"
    assert updated.note == "navy"
    assert updated.registration_date == created.registration_date


def test_ids_are_case_insensitive_and_keep_their_casing(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "MixedCase")
    fetched = sdk.user.get(service.resource_group, service.name, "mixedcase")
    assert fetched.name == "MixedCase"


def test_etag_changes_on_every_write_and_head_returns_it(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "etag")
    _, first = sdk.user.get(service.resource_group, service.name, "etag", cls=with_headers)
    assert sdk.user.get_entity_tag(service.resource_group, service.name, "etag") is True
    _, second = sdk.user.update(
        service.resource_group,
        service.name,
        "etag",
        if_match=first["ETag"],
        parameters=UserUpdateParameters(note="changed"),
        cls=with_headers,
    )
    assert first["ETag"] != second["ETag"]
    _, third = sdk.user.get(service.resource_group, service.name, "etag", cls=with_headers)
    assert third["ETag"] == second["ETag"]


def test_patch_with_stale_etag_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "stale")
    _, headers = sdk.user.get(service.resource_group, service.name, "stale", cls=with_headers)
    sdk.user.update(
        service.resource_group,
        service.name,
        "stale",
        if_match=headers["ETag"],
        parameters=UserUpdateParameters(note="one"),
    )
    with pytest.raises(HttpResponseError) as caught:
        sdk.user.update(
            service.resource_group,
            service.name,
            "stale",
            if_match=headers["ETag"],
            parameters=UserUpdateParameters(note="two"),
        )
    assert caught.value.status_code == 412
    assert caught.value.error.code == "PreconditionFailed"
    assert sdk.user.get(service.resource_group, service.name, "stale").note == "one"


def test_if_match_star_always_matches(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "star")
    user = sdk.user.update(
        service.resource_group,
        service.name,
        "star",
        if_match="*",
        parameters=UserUpdateParameters(last_name="Star"),
    )
    assert user.last_name == "Star"


def test_put_with_stale_if_match_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "putstale")
    with pytest.raises(HttpResponseError) as caught:
        sdk.user.create_or_update(
            service.resource_group,
            service.name,
            "putstale",
            UserCreateParameters(note="x"),
            if_match='"AAAAAAAAAAA="',
        )
    assert caught.value.status_code == 412


def test_block_and_activate(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "blockme")
    blocked = sdk.user.update(
        service.resource_group,
        service.name,
        "blockme",
        if_match="*",
        parameters=UserUpdateParameters(state="blocked"),
    )
    assert blocked.state == "blocked"
    listed = list(
        sdk.user.list_by_service(service.resource_group, service.name, filter="state eq 'blocked'")
    )
    assert [u.name for u in listed] == ["blockme"]
    active = sdk.user.update(
        service.resource_group,
        service.name,
        "blockme",
        if_match="*",
        parameters=UserUpdateParameters(state="active"),
    )
    assert active.state == "active"


def test_duplicate_email_is_a_conflict(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "first", email="same@example.com")
    with pytest.raises(ResourceExistsError) as caught:
        new_user(sdk, service, "second", email="SAME@example.com")
    assert caught.value.status_code == 409
    assert "same@example.com" in caught.value.message.lower()
    with pytest.raises(ResourceNotFoundError):
        sdk.user.get(service.resource_group, service.name, "second")


def test_changing_email_moves_the_basic_identity(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "mover", email="old@example.com")
    moved = sdk.user.update(
        service.resource_group,
        service.name,
        "mover",
        if_match="*",
        parameters=UserUpdateParameters(email="new@example.com"),
    )
    assert [(i.provider, i.id) for i in moved.identities] == [("Basic", "new@example.com")]
    new_user(sdk, service, "taker", email="old@example.com")


def test_identities_can_be_given_and_listed(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(
        sdk,
        service,
        "aad",
        identities=[UserIdentityContract(provider="Microsoft", id="086cf9-55ab")],
    )
    listed = list(sdk.user_identities.list(service.resource_group, service.name, "aad"))
    assert [(i.provider, i.id) for i in listed] == [("Microsoft", "086cf9-55ab")]


def test_paging_follows_next_link_through_every_page(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    for index in range(7):
        new_user(sdk, service, f"page{index}")
    pager = sdk.user.list_by_service(service.resource_group, service.name, top=3).by_page()
    pages = [list(page) for page in pager]
    assert [len(page) for page in pages] == [3, 3, 2]
    names = [user.name for page in pages for user in page]
    assert names == ["1", *[f"page{i}" for i in range(7)]]


def test_skip_and_count(http: Any, service: ServiceRef, sdk: ApiManagementClient) -> None:
    for index in range(4):
        new_user(sdk, service, f"s{index}")
    body = http.get(
        service.url("/users"), params={"api-version": "2024-05-01", "$top": 2, "$skip": 1}
    ).json()
    assert body["count"] == 5
    assert [u["name"] for u in body["value"]] == ["s0", "s1"]
    link = urlparse(body["nextLink"])
    assert link.scheme == "http" and link.netloc
    assert parse_qs(link.query)["$skip"] == ["3"]
    assert parse_qs(link.query)["$top"] == ["2"]
    last = http.get(body["nextLink"]).json()
    assert [u["name"] for u in last["value"]] == ["s2", "s3"]
    assert not last.get("nextLink")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("startswith(firstName,'Al')", {"alan", "alice"}),
        ("endswith(email,'@example.org')", {"alice"}),
        ("contains(lastName,'URI')", {"alan"}),
        ("substringof('uri', lastName)", {"alan"}),
        ("email eq 'BOB@example.com'", {"bob"}),
        ("email ne 'bob@example.com' and name ne '1'", {"alan", "alice"}),
        ("firstName gt 'Alb' and firstName lt 'Bz'", {"alice", "bob"}),
        ("note eq 'vip' or name eq 'bob'", {"alice", "bob"}),
        ("state eq 'blocked'", {"bob"}),
        ("not (state eq 'active')", {"bob"}),
        ("startswith(name,'a') and (note eq 'vip' or lastName eq 'Turing')", {"alan", "alice"}),
    ],
)
def test_filters(
    sdk: ApiManagementClient, service: ServiceRef, expression: str, expected: set[str]
) -> None:
    new_user(sdk, service, "alan", email="alan@example.com", first_name="Alan", last_name="Turing")
    new_user(
        sdk,
        service,
        "alice",
        email="alice@example.org",
        first_name="Alice",
        last_name="Liddell",
        note="vip",
    )
    new_user(
        sdk,
        service,
        "bob",
        email="bob@example.com",
        first_name="Bob",
        last_name="Builder",
        state="blocked",
    )
    found = {
        u.name
        for u in sdk.user.list_by_service(service.resource_group, service.name, filter=expression)
    }
    assert found == expected


def test_filter_on_registration_date(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "dated")
    now = datetime.now(UTC)
    later = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    earlier = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    after = {
        u.name
        for u in sdk.user.list_by_service(
            service.resource_group, service.name, filter=f"registrationDate ge {earlier}"
        )
    }
    before = {
        u.name
        for u in sdk.user.list_by_service(
            service.resource_group, service.name, filter=f"registrationDate gt {later}"
        )
    }
    assert "dated" in after
    assert before == set()


def test_expand_groups(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "grouped")
    users = {
        u.name: u
        for u in sdk.user.list_by_service(service.resource_group, service.name, expand_groups=True)
    }
    assert [g.display_name for g in users["grouped"].groups] == ["Developers"]
    assert sorted(g.display_name for g in users["1"].groups) == ["Administrators", "Developers"]
    plain = {u.name: u for u in sdk.user.list_by_service(service.resource_group, service.name)}
    assert plain["grouped"].groups is None


def test_seed_administrator(sdk: ApiManagementClient, service: ServiceRef) -> None:
    admin = sdk.user.get(service.resource_group, service.name, "1")
    assert admin.first_name == "Administrator"
    assert admin.email == "admin@example.net"
    assert [(i.provider, i.id) for i in admin.identities] == [("Azure", "admin@example.net")]
    with pytest.raises(HttpResponseError) as caught:
        sdk.user.begin_delete(service.resource_group, service.name, "1", if_match="*").result()
    assert caught.value.status_code == 400


def test_delete_user(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "leaving")
    _, headers = sdk.user.get(service.resource_group, service.name, "leaving", cls=with_headers)
    sdk.user.begin_delete(
        service.resource_group, service.name, "leaving", if_match=headers["ETag"]
    ).result()
    with pytest.raises(ResourceNotFoundError):
        sdk.user.get(service.resource_group, service.name, "leaving")
    # Deleting again with '*' is a no-op; with a concrete tag the user is simply not found.
    sdk.user.begin_delete(service.resource_group, service.name, "leaving", if_match="*").result()
    with pytest.raises(ResourceNotFoundError):
        sdk.user.begin_delete(
            service.resource_group, service.name, "leaving", if_match=headers["ETag"]
        ).result()


def test_delete_with_stale_etag_keeps_the_user(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "keeper")
    with pytest.raises(HttpResponseError) as caught:
        sdk.user.begin_delete(
            service.resource_group, service.name, "keeper", if_match='"AAAAAAAAAAA="'
        ).result()
    assert caught.value.status_code == 412
    assert sdk.user.get(service.resource_group, service.name, "keeper").name == "keeper"


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


def test_user_subscriptions_are_empty(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "nosubs")
    assert list(sdk.user_subscription.list(service.resource_group, service.name, "nosubs")) == []
    with pytest.raises(ResourceNotFoundError):
        sdk.user_subscription.get(service.resource_group, service.name, "nosubs", "missing")


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


def test_second_instance_sees_none_of_the_first(
    sdk: ApiManagementClient, service: ServiceRef, http: Any, server: LiveServer
) -> None:
    new_user(sdk, service, "isolated", email="isolated@example.com")
    other = create_service(http)
    other_sdk = client_for(server.url, server.token, other.subscription_id)
    names = [u.name for u in other_sdk.user.list_by_service(other.resource_group, other.name)]
    assert names == ["1"]
    with pytest.raises(ResourceNotFoundError):
        other_sdk.user.get(other.resource_group, other.name, "isolated")
    # The same e-mail address is free in the other instance.
    new_user(other_sdk, other, "isolated", email="isolated@example.com")
    assert (
        sdk.user.get(service.resource_group, service.name, "isolated").email
        == "isolated@example.com"
    )


def test_wrong_token_is_rejected(server: LiveServer, service: ServiceRef) -> None:
    stranger = client_for(server.url, "apd_not-a-real-token", service.subscription_id)
    with pytest.raises(ClientAuthenticationError):
        stranger.user.get(service.resource_group, service.name, "1")
