"""The built-in e-mail catalogue: APIM's 14 templates and 7 notifications (reference §4.8,
§4.9), their names, titles, subjects and parameters within the API's limits, and the operator
messages Apidesk sends."""

from __future__ import annotations

import re

import pytest
from support.notification_names import NOTIFICATIONS
from support.template_defaults import EXPECTED, OPERATOR_PARAMETERS

from apidesk.domain.notifications import defaults, publisher

# The TemplateName enum of the 2024-05-01 API (path names, camelCase), reference §3.14.
TEMPLATE_NAMES = (
    "applicationApprovedNotificationMessage",
    "accountClosedDeveloper",
    "quotaLimitApproachingDeveloperNotificationMessage",
    "newDeveloperNotificationMessage",
    "emailChangeIdentityDefault",
    "inviteUserNotificationMessage",
    "newCommentNotificationMessage",
    "confirmSignUpIdentityDefault",
    "newIssueNotificationMessage",
    "purchaseDeveloperNotificationMessage",
    "passwordResetIdentityDefault",
    "passwordResetByAdminNotificationMessage",
    "rejectDeveloperNotificationMessage",
    "requestDeveloperNotificationMessage",
)

# Parameter titles that §4.8 spells out (the others are ours).
EXPECTED_PARAMETER_TITLES = {
    "DevFirstName": "Developer first name",
    "DevLastName": "Developer last name",
    "OrganizationName": "Organization name",
    "DevPortalUrl": "Developer portal URL",
    "DevPortalHost": "Developer portal hostname",
    "AppId": "Application id",
    "AppName": "Application name",
    "CommenterFirstName": "Commenter first name",
    "CommenterLastName": "Commenter last name",
    "CommentText": "Comment text",
    "DevUsername": "Developer user name",
    "DevEmail": "Developer email",
    "IdentityProvider": "Identity Provider selected by Organization",
    "ProdId": "Product ID",
    "ProdName": "Product name",
    "IssueId": "Issue id",
    "IssueName": "Issue name",
    "SubStartDate": "Subscription start date",
    "SubTerm": "Subscription term",
    "SubPrimaryKey": "Primary Subscription key",
    "QuotaResetDate": "Quota reset date",
    "SubDeclineReason": "Reason for declining subscription",
}
EXPECTED_CONFIRM_TITLES = {
    "ConfirmSignUpIdentityDefault": (
        "Developer activation URL",
        "Query string part of the activation URL",
    ),
    "EmailChangeIdentityDefault": (
        "Developer confirmation URL",
        "Query string part of the confirmation URL",
    ),
    "InviteUserNotificationMessage": (
        "Confirmation link",
        "Query string part of the confirmation link",
    ),
    "PasswordResetIdentityDefault": (
        "Developer new password instruction URL",
        "Query string part of the instruction URL",
    ),
}


PARAMETER_NAME = re.compile(r"^[A-Za-z0-9-._]+$")


# --- names, titles, subjects, parameters ---------------------------------------------------


def test_exactly_the_fourteen_apim_templates() -> None:
    stored = {name[0].upper() + name[1:] for name in TEMPLATE_NAMES}
    assert len(TEMPLATE_NAMES) == 14
    assert {t.name for t in defaults.TEMPLATES.values()} == stored == set(EXPECTED)
    for key, template in defaults.TEMPLATES.items():
        assert key == template.name.lower()
        assert template.name[0].isupper()
    for path_name in TEMPLATE_NAMES:
        assert defaults.TEMPLATES[path_name.lower()].name.lower() == path_name.lower()


def test_names_match_the_sdk_enum() -> None:
    models = pytest.importorskip("azure.mgmt.apimanagement.models")
    assert {v.value for v in models.TemplateName} == set(TEMPLATE_NAMES)
    assert {v.value for v in models.NotificationName} == set(NOTIFICATIONS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_title_subject_and_parameters_are_apims(name: str) -> None:
    template = defaults.TEMPLATES[name.lower()]
    title, subject, parameters = EXPECTED[name]
    assert template.title == title
    assert template.subject == subject
    assert tuple(p.name for p in template.parameters) == parameters
    for parameter in template.parameters:
        if parameter.name in EXPECTED_PARAMETER_TITLES:
            assert parameter.title == EXPECTED_PARAMETER_TITLES[parameter.name]
    if name in EXPECTED_CONFIRM_TITLES:
        by_name = {p.name: p.title for p in template.parameters}
        assert (by_name["ConfirmUrl"], by_name["ConfirmQuery"]) == EXPECTED_CONFIRM_TITLES[name]


@pytest.mark.parametrize("template", defaults.TEMPLATES.values(), ids=lambda t: t.name)
def test_fields_respect_the_api_limits(template: defaults.DefaultTemplate) -> None:
    assert 1 <= len(template.subject) <= 1000
    assert "\n" not in template.subject
    assert template.title
    assert template.description.strip()
    assert template.description.endswith(".")
    names = [p.name for p in template.parameters]
    assert len(names) == len(set(names))
    for parameter in template.parameters:
        assert 1 <= len(parameter.name) <= 256
        assert PARAMETER_NAME.match(parameter.name)
        assert 1 <= len(parameter.title) <= 4096


def test_password_reset_by_admin_never_carries_a_password() -> None:
    template = defaults.TEMPLATES["passwordresetbyadminnotificationmessage"]
    assert "DevPassword" not in {p.name for p in template.parameters}
    for text in (template.subject, template.body, template.description):
        assert "DevPassword" not in text
    assert 'href="$ConfirmUrl"' in template.body


# --- operator messages and notifications ----------------------------------------------------


def test_operator_messages_exist_for_the_notifications_apidesk_sends() -> None:
    assert set(publisher.OPERATOR_MESSAGES) == set(OPERATOR_PARAMETERS)
    for name, message in publisher.OPERATOR_MESSAGES.items():
        assert name.lower() in publisher.NOTIFICATIONS
        assert 1 <= len(message.subject) <= 1000


def test_all_seven_notifications_with_apims_titles() -> None:
    assert {n.name: n.title for n in publisher.NOTIFICATIONS.values()} == NOTIFICATIONS
    for key, notification in publisher.NOTIFICATIONS.items():
        assert key == notification.name.lower()
        assert 1 <= len(notification.title) <= 1000
        assert notification.description.startswith("The following e-mail recipients and users")
