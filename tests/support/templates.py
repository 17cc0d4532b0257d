"""What the e-mail template SDK tests share: APIM's template names and titles, a custom body,
and short forms of the SDK's calls (tests/api/test_template*_sdk.py)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    EmailTemplateUpdateParameters,
)
from support.server import ServiceRef

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
