"""Users driven through Azure's own SDK against a live `apidesk serve`: creating, reading,
changing and deleting them, their ETags, e-mail addresses and identities, the seeded
administrator, and one service's users unseen from another. Listing, paging and filtering
users are in test_user_lists_sdk.py; SSO URLs, shared access tokens and passwords in
test_user_tokens_and_passwords_sdk.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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
    UserUpdateParameters,
)
from support.groups import new_user
from support.sdk import Statuses, client_for, with_headers
from support.server import LiveServer, ServiceRef, create_service


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
    record = Statuses()
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
    assert record.seen == [201, 200]
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
