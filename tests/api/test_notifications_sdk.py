"""Publisher notifications and their recipients (reference §2.6, §3.10, §4.9), driven through
Azure's own SDK against a live `apidesk serve`, and who the resulting e-mails go to."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import UserCreateParameters, UserUpdateParameters
from sqlalchemy import select
from support.notification_names import NOTIFICATIONS
from support.server import ServiceRef

from apidesk.domain.context import Context, Runtime
from apidesk.domain.notifications import outbox
from apidesk.domain.notifications.outbox import Envelope
from apidesk.storage.models import Instance

V = {"api-version": "2024-05-01"}
CLOSED = "AccountClosedPublisher"
ADMIN_EMAIL = "admin@example.net"


class Recorder:
    """An SDK `cls` callback that keeps each response's status code."""

    def __init__(self) -> None:
        self.statuses: list[int] = []

    def __call__(self, pipeline_response: Any, deserialized: Any, headers: Any) -> Any:
        self.statuses.append(pipeline_response.http_response.status_code)
        return deserialized


def service_id(service: ServiceRef) -> str:
    return service.url()


def user_id(service: ServiceRef, name: str) -> str:
    return f"{service_id(service)}/users/{name}"


def new_user(
    sdk: ApiManagementClient, service: ServiceRef, name: str, first: str = "Dev", last: str = "One"
) -> None:
    sdk.user.create_or_update(
        service.resource_group,
        service.name,
        name,
        UserCreateParameters(email=f"{name}@example.com", first_name=first, last_name=last),
    )


def block(sdk: ApiManagementClient, service: ServiceRef, name: str) -> None:
    sdk.user.update(
        service.resource_group,
        service.name,
        name,
        if_match="*",
        parameters=UserUpdateParameters(state="blocked"),
    )


def messages(runtime: Runtime, service: ServiceRef) -> list[tuple[str, Envelope]]:
    """Every outbox message of the service, oldest first, as (template, decrypted message)."""
    with runtime.database.unit_of_work() as session:
        ctx = Context(runtime, session, "test")
        instance = session.scalars(select(Instance).where(Instance.name == service.name)).one()
        rows = outbox.list_messages(ctx, instance_id=instance.id, limit=500)
        return [(row.template, outbox.open_message(ctx, row)) for row in reversed(rows)]


# --------------------------------------------------------------------------------------------
# The notifications themselves


def test_fresh_service_has_the_seven_notifications(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    listed = list(sdk.notification.list_by_service(service.resource_group, service.name))
    assert {n.name: n.title for n in listed} == NOTIFICATIONS
    admin = user_id(service, "1")
    for notification in listed:
        assert notification.id == f"{service_id(service)}/notifications/{notification.name}"
        assert notification.type == "Microsoft.ApiManagement/service/notifications"
        assert notification.description
        assert notification.recipients.emails == []
        expected_users = [] if notification.name == "BCC" else [admin]
        assert notification.recipients.users == expected_users, notification.name


def test_administrator_is_a_recipient_of_everything_but_bcc(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    for notification in NOTIFICATIONS:
        exists = sdk.notification_recipient_user.check_entity_exists(rg, name, notification, "1")
        listed = sdk.notification_recipient_user.list_by_notification(rg, name, notification)
        emails = sdk.notification_recipient_email.list_by_notification(rg, name, notification)
        assert emails.value == []
        if notification == "BCC":
            assert exists is False
            assert listed.value == []
            continue
        assert exists is True
        [only] = listed.value
        assert only.name == "1"
        assert only.user_id == user_id(service, "1")
        assert only.id == f"{service_id(service)}/notifications/{notification}/recipientUsers/1"
        assert only.type == "Microsoft.ApiManagement/service/notifications/recipientUsers"


def test_get_and_put_are_case_insensitive_and_put_needs_no_body(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    rg, name = service.resource_group, service.name
    fetched = sdk.notification.get(rg, name, "accountclosedpublisher")
    assert fetched.name == CLOSED
    assert fetched.title == "Close account message"
    record = Recorder()
    put = sdk.notification.create_or_update(rg, name, "ACCOUNTCLOSEDPUBLISHER", cls=record)
    assert record.statuses == [200]
    assert put.name == CLOSED
    assert put.recipients.users == [user_id(service, "1")]
    raw = http.put(service.url("/notifications/bcc"), params=V, headers={"If-Match": "*"})
    assert raw.status_code == 200, raw.text
    assert raw.json()["name"] == "BCC"
    assert raw.json()["properties"]["title"] == "BCC"
    assert len(list(sdk.notification.list_by_service(rg, name))) == 7


def test_notifications_page_with_top_and_skip(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    pager = sdk.notification.list_by_service(service.resource_group, service.name, top=3).by_page()
    pages = [[n.name for n in page] for page in pager]
    assert [len(page) for page in pages] == [3, 3, 1]
    assert sorted(name for page in pages for name in page) == sorted(NOTIFICATIONS)
    body = http.get(service.url("/notifications"), params={**V, "$skip": 5}).json()
    assert body["count"] == 7
    assert len(body["value"]) == 2
    assert not body.get("nextLink")


def test_unknown_notification_is_not_found(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    rg, name = service.resource_group, service.name
    calls = [
        lambda: sdk.notification.get(rg, name, "NoSuchNotification"),
        lambda: sdk.notification.create_or_update(rg, name, "NoSuchNotification"),
        lambda: sdk.notification_recipient_user.list_by_notification(rg, name, "Nope"),
        lambda: sdk.notification_recipient_user.create_or_update(rg, name, "Nope", "1"),
        lambda: sdk.notification_recipient_email.list_by_notification(rg, name, "Nope"),
        lambda: sdk.notification_recipient_email.create_or_update(
            rg, name, "Nope", "ops@example.org"
        ),
    ]
    for call in calls:
        with pytest.raises(ResourceNotFoundError):
            call()
    for path in (
        "/notifications/Nope/recipientUsers/1",
        "/notifications/Nope/recipientEmails/a@b.c",
    ):
        assert http.delete(service.url(path), params=V).status_code == 404
        assert http.head(service.url(path), params=V).status_code == 404


# --------------------------------------------------------------------------------------------
# Recipient users


def test_recipient_user_is_added_checked_and_removed(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    new_user(sdk, service, "Watcher")
    record = Recorder()
    added = sdk.notification_recipient_user.create_or_update(
        rg, name, "accountClosedPublisher", "Watcher", cls=record
    )
    again = sdk.notification_recipient_user.create_or_update(
        rg, name, CLOSED, "WATCHER", cls=record
    )
    assert record.statuses == [201, 200]
    for contract in (added, again):
        assert contract.name == "Watcher"
        assert contract.user_id == user_id(service, "Watcher")
        assert contract.id == f"{service_id(service)}/notifications/{CLOSED}/recipientUsers/Watcher"
    assert sdk.notification_recipient_user.check_entity_exists(rg, name, CLOSED, "watcher")
    listed = sdk.notification_recipient_user.list_by_notification(rg, name, CLOSED)
    assert [u.name for u in listed.value] == ["1", "Watcher"]
    users = sdk.notification.get(rg, name, CLOSED).recipients.users
    assert users == [user_id(service, "1"), user_id(service, "Watcher")]
    # Only the one notification changed.
    assert not sdk.notification_recipient_user.check_entity_exists(rg, name, "BCC", "Watcher")

    sdk.notification_recipient_user.delete(
        rg, name, "ACCOUNTCLOSEDPUBLISHER", "watcher", cls=record
    )
    sdk.notification_recipient_user.delete(rg, name, CLOSED, "Watcher", cls=record)
    assert record.statuses[2:] == [200, 204]
    assert not sdk.notification_recipient_user.check_entity_exists(rg, name, CLOSED, "Watcher")
    assert sdk.notification.get(rg, name, CLOSED).recipients.users == [user_id(service, "1")]

    sdk.notification_recipient_user.delete(rg, name, CLOSED, "1", cls=record)
    assert record.statuses[-1] == 200
    assert sdk.notification.get(rg, name, CLOSED).recipients.users == []


def test_unknown_user_cannot_be_a_recipient(sdk: ApiManagementClient, service: ServiceRef) -> None:
    rg, name = service.resource_group, service.name
    with pytest.raises(ResourceNotFoundError):
        sdk.notification_recipient_user.create_or_update(rg, name, CLOSED, "ghost")
    assert not sdk.notification_recipient_user.check_entity_exists(rg, name, CLOSED, "ghost")
    assert [
        u.name for u in sdk.notification_recipient_user.list_by_notification(rg, name, CLOSED).value
    ] == ["1"]


def test_deleted_user_leaves_the_recipients(sdk: ApiManagementClient, service: ServiceRef) -> None:
    rg, name = service.resource_group, service.name
    new_user(sdk, service, "shortlived")
    sdk.notification_recipient_user.create_or_update(rg, name, CLOSED, "shortlived")
    sdk.user.begin_delete(rg, name, "shortlived", if_match="*").result()
    assert sdk.notification.get(rg, name, CLOSED).recipients.users == [user_id(service, "1")]
    assert not sdk.notification_recipient_user.check_entity_exists(rg, name, CLOSED, "shortlived")


# --------------------------------------------------------------------------------------------
# Recipient e-mails


def test_recipient_email_is_added_checked_and_removed(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    rg, name = service.resource_group, service.name
    record = Recorder()
    added = sdk.notification_recipient_email.create_or_update(
        rg, name, "requestPublisherNotificationMessage", "ops@example.org", cls=record
    )
    again = sdk.notification_recipient_email.create_or_update(
        rg, name, "RequestPublisherNotificationMessage", "OPS@example.org", cls=record
    )
    assert record.statuses == [201, 200]
    notification = "RequestPublisherNotificationMessage"
    full_id = f"{service_id(service)}/notifications/{notification}/recipientEmails/ops@example.org"
    for contract in (added, again):
        assert contract.name == "ops@example.org"
        assert contract.email == "ops@example.org"
        assert contract.id == full_id
        assert contract.type == "Microsoft.ApiManagement/service/notifications/recipientEmails"
    check = sdk.notification_recipient_email.check_entity_exists
    assert check(rg, name, notification, "ops@example.org") is True
    assert check(rg, name, notification, "Ops@Example.org") is True
    assert check(rg, name, notification, "other@example.org") is False
    assert check(rg, name, "BCC", "ops@example.org") is False
    listed = sdk.notification_recipient_email.list_by_notification(rg, name, notification)
    assert [(e.name, e.email, e.id) for e in listed.value] == [
        ("ops@example.org", "ops@example.org", full_id)
    ]
    fetched = sdk.notification.get(rg, name, notification)
    assert fetched.recipients.emails == [full_id]
    assert fetched.recipients.users == [user_id(service, "1")]

    plus = sdk.notification_recipient_email.create_or_update(
        rg, name, notification, "ops+alerts@example.org"
    )
    assert plus.name == "ops+alerts@example.org"
    assert check(rg, name, notification, "ops+alerts@example.org") is True
    sdk.notification_recipient_email.delete(rg, name, notification, "ops+alerts@example.org")
    assert check(rg, name, notification, "ops+alerts@example.org") is False

    sdk.notification_recipient_email.delete(rg, name, notification, "OPS@example.org", cls=record)
    sdk.notification_recipient_email.delete(rg, name, notification, "ops@example.org", cls=record)
    assert record.statuses[2:] == [200, 204]
    assert check(rg, name, notification, "ops@example.org") is False
    assert sdk.notification.get(rg, name, notification).recipients.emails == []


@pytest.mark.parametrize("address", ["not-an-email", "ops@", "two@@example.org", "a b@example.org"])
def test_invalid_email_is_refused(
    sdk: ApiManagementClient, service: ServiceRef, address: str
) -> None:
    rg, name = service.resource_group, service.name
    with pytest.raises(HttpResponseError) as caught:
        sdk.notification_recipient_email.create_or_update(rg, name, "BCC", address)
    assert caught.value.status_code == 400
    assert caught.value.error.code == "ValidationError"
    assert [d.target for d in caught.value.error.details] == ["email"]
    assert sdk.notification_recipient_email.list_by_notification(rg, name, "BCC").value == []


# --------------------------------------------------------------------------------------------
# Who receives what


def test_bcc_recipients_get_a_blind_copy_of_developer_mail(
    sdk: ApiManagementClient, service: ServiceRef, runtime: Runtime
) -> None:
    rg, name = service.resource_group, service.name
    new_user(sdk, service, "dev")
    new_user(sdk, service, "auditor")
    new_user(sdk, service, "sleeper")
    sdk.notification_recipient_email.create_or_update(rg, name, "BCC", "audit@example.org")
    sdk.notification_recipient_user.create_or_update(rg, name, "bcc", "auditor")
    sdk.notification_recipient_user.create_or_update(rg, name, "BCC", "sleeper")
    block(sdk, service, "sleeper")
    welcome = UserCreateParameters(email="newbie@example.com", first_name="N", last_name="B")
    sdk.user.create_or_update(rg, name, "newbie", welcome, notify=True)

    [(template, message)] = messages(runtime, service)
    assert template == "NewDeveloperNotificationMessage"
    assert message.to_address == "newbie@example.com"
    assert sorted(message.bcc) == ["audit@example.org", "auditor@example.com"]

    # A BCC recipient who is the developer gets the message once, as its To.
    sdk.user.begin_delete(rg, name, "auditor", if_match="*", notify=True).result()
    farewell = [m for t, m in messages(runtime, service) if t == "AccountClosedDeveloper"]
    assert farewell[0].to_address == "auditor@example.com"
    assert farewell[0].bcc == ["audit@example.org"]


def test_mail_with_a_one_time_link_gets_no_blind_copy(
    sdk: ApiManagementClient, service: ServiceRef, runtime: Runtime
) -> None:
    rg, name = service.resource_group, service.name
    new_user(sdk, service, "dev")
    sdk.notification_recipient_email.create_or_update(rg, name, "BCC", "audit@example.org")
    sdk.user_confirmation_password.send(rg, name, "dev")
    [(template, message)] = messages(runtime, service)
    assert template == "PasswordResetByAdminNotificationMessage"
    assert message.bcc == []


def test_account_closure_notifies_the_developer_and_the_publisher_recipients(
    sdk: ApiManagementClient, service: ServiceRef, runtime: Runtime
) -> None:
    rg, name = service.resource_group, service.name
    new_user(sdk, service, "leaver", first="Lea", last="Ver")
    new_user(sdk, service, "watcher")
    new_user(sdk, service, "sleeper")
    for recipient in ("watcher", "sleeper"):
        sdk.notification_recipient_user.create_or_update(rg, name, CLOSED, recipient)
    block(sdk, service, "sleeper")
    sdk.notification_recipient_email.create_or_update(rg, name, CLOSED, "ops@example.org")
    # The administrator's own address, added again as an address, is still mailed once.
    sdk.notification_recipient_email.create_or_update(rg, name, CLOSED, "ADMIN@example.net")
    sdk.notification_recipient_email.create_or_update(rg, name, "BCC", "audit@example.org")

    sdk.user.begin_delete(rg, name, "leaver", if_match="*", notify=True).result()

    sent = messages(runtime, service)
    developer = [m for t, m in sent if t == "AccountClosedDeveloper"]
    publisher = [m for t, m in sent if t == CLOSED]
    assert len(sent) == len(developer) + len(publisher)
    [farewell] = developer
    assert farewell.to_address == "leaver@example.com"
    assert farewell.bcc == ["audit@example.org"]
    assert sorted(m.to_address.lower() for m in publisher) == [
        ADMIN_EMAIL,
        "ops@example.org",
        "watcher@example.com",
    ]
    for message in publisher:
        assert message.bcc == []
        assert "Lea" in message.subject and "Ver" in message.subject
    assert all("sleeper" not in m.to_address for _, m in sent)

    # Without notify nobody hears of it; without the administrator, only the others do.
    new_user(sdk, service, "quiet")
    sdk.user.begin_delete(rg, name, "quiet", if_match="*").result()
    assert len(messages(runtime, service)) == len(sent)
    sdk.notification_recipient_user.delete(rg, name, CLOSED, "1")
    sdk.notification_recipient_email.delete(rg, name, CLOSED, ADMIN_EMAIL)
    new_user(sdk, service, "second")
    sdk.user.begin_delete(rg, name, "second", if_match="*", notify=True).result()
    later = messages(runtime, service)[len(sent) :]
    assert sorted(m.to_address for t, m in later if t == CLOSED) == [
        "ops@example.org",
        "watcher@example.com",
    ]
    assert [m.to_address for t, m in later if t == "AccountClosedDeveloper"] == [
        "second@example.com"
    ]
