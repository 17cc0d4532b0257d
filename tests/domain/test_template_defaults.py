"""The built-in e-mail content: APIM's 14 templates and 7 notifications (reference §4.8, §4.9),
bodies that are well-formed XHTML and render through airspeed with their declared parameters."""

from __future__ import annotations

import re

import airspeed
import pytest
from defusedxml import ElementTree

from apidesk.domain.notifications import defaults, publisher, render


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


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

# Reference §4.8: stored name -> (title, subject, parameter names in order).
EXPECTED = {
    "AccountClosedDeveloper": (
        "Developer farewell letter",
        "Thank you for using the $OrganizationName API!",
        _names("DevFirstName DevLastName OrganizationName DevPortalUrl"),
    ),
    "ApplicationApprovedNotificationMessage": (
        "Application gallery submission approved",
        "Your application $AppName is published in the application gallery",
        _names("AppId AppName DevFirstName DevLastName OrganizationName DevPortalUrl"),
    ),
    "ConfirmSignUpIdentityDefault": (
        "New developer account confirmation",
        "Please confirm your new $OrganizationName API account",
        _names(
            "DevFirstName DevLastName OrganizationName DevPortalUrl ConfirmUrl DevPortalHost "
            "ConfirmQuery"
        ),
    ),
    "EmailChangeIdentityDefault": (
        "Email change confirmation",
        "Please confirm the new email associated with your $OrganizationName API account",
        _names(
            "DevFirstName DevLastName OrganizationName DevPortalUrl ConfirmUrl DevPortalHost "
            "ConfirmQuery"
        ),
    ),
    "InviteUserNotificationMessage": (
        "Invite user",
        "You are invited to join the $OrganizationName developer network",
        _names("OrganizationName DevFirstName DevLastName ConfirmUrl DevPortalHost ConfirmQuery"),
    ),
    "NewCommentNotificationMessage": (
        "New comment added to an issue",
        "$IssueName issue has a new comment",
        _names(
            "DevFirstName DevLastName CommenterFirstName CommenterLastName IssueId IssueName "
            "CommentText OrganizationName DevPortalUrl"
        ),
    ),
    "NewDeveloperNotificationMessage": (
        "Developer welcome letter",
        "Welcome to the $OrganizationName API!",
        _names(
            "DevFirstName DevLastName DevUsername DevEmail OrganizationName DevPortalUrl "
            "IdentityProvider"
        ),
    ),
    "NewIssueNotificationMessage": (
        "New issue received",
        "Your request $IssueName was received",
        _names("DevFirstName DevLastName IssueId IssueName OrganizationName DevPortalUrl"),
    ),
    "PasswordResetByAdminNotificationMessage": (
        "Password reset by publisher notification (Password reset by admin)",
        "Your password was reset",
        # Apidesk's change: a one-time link instead of DevPassword.
        _names(
            "DevFirstName DevLastName OrganizationName DevPortalUrl ConfirmUrl DevPortalHost "
            "ConfirmQuery"
        ),
    ),
    "PasswordResetIdentityDefault": (
        "Password change confirmation",
        "Your password change request",
        _names(
            "DevFirstName DevLastName OrganizationName DevPortalUrl ConfirmUrl DevPortalHost "
            "ConfirmQuery"
        ),
    ),
    "PurchaseDeveloperNotificationMessage": (
        "New subscription activated",
        "Your subscription to the $ProdName",
        _names(
            "DevFirstName DevLastName ProdId ProdName OrganizationName SubStartDate SubTerm "
            "DevPortalUrl"
        ),
    ),
    "QuotaLimitApproachingDeveloperNotificationMessage": (
        "Developer quota limit approaching notification",
        "You are approaching an API quota limit",
        _names(
            "DevFirstName DevLastName ProdName OrganizationName SubPrimaryKey DevPortalUrl "
            "QuotaResetDate Calls CallQuota Bandwidth BandwidthQuota CallsAlert BandwidthAlert "
            "Apis"
        ),
    ),
    "RejectDeveloperNotificationMessage": (
        "Subscription request declined",
        "Your subscription request for the $ProdName",
        _names("DevFirstName DevLastName SubDeclineReason ProdName OrganizationName DevPortalUrl"),
    ),
    "RequestDeveloperNotificationMessage": (
        "Subscription request received",
        "Your subscription request for the $ProdName",
        _names("DevFirstName DevLastName DevEmail ProdName OrganizationName DevPortalUrl"),
    ),
}

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

# The values the senders give the three operator messages.
OPERATOR_PARAMETERS = {
    "RequestPublisherNotificationMessage": _names(
        "DevFirstName DevLastName DevEmail ProdName SubId OrganizationName ConsoleUrl"
    ),
    "PurchasePublisherNotificationMessage": _names(
        "DevFirstName DevLastName DevEmail ProdName SubId OrganizationName ConsoleUrl"
    ),
    "AccountClosedPublisher": _names("DevFirstName DevLastName DevEmail OrganizationName"),
}

# Reference §4.9.
EXPECTED_NOTIFICATIONS = {
    "RequestPublisherNotificationMessage": "Subscription requests (requiring approval)",
    "PurchasePublisherNotificationMessage": "New subscriptions",
    "NewApplicationNotificationMessage": "Application gallery requests",
    "BCC": "BCC",
    "NewIssuePublisherNotificationMessage": "New issue or comment",
    "AccountClosedPublisher": "Close account message",
    "QuotaLimitApproachingPublisherNotificationMessage": "Approaching subscription quota limit",
}

PARAMETER_NAME = re.compile(r"^[A-Za-z0-9-._]+$")
# A Velocity reference: $Name, $!Name, ${Name}, $Name.property (airspeed stops a name at "-").
REFERENCE = re.compile(r"\$!?\{?([A-Za-z][A-Za-z0-9_]*)")
CONDITION = re.compile(r"#(?:if|elseif|foreach)\s*\((.*?)\)\s*$", re.MULTILINE)
IF_VARIABLE = re.compile(r"#(?:if|elseif)\s*\(\s*\$!?\{?([A-Za-z][A-Za-z0-9_]*)\}?\s*\)")
LOOP_VARIABLE = re.compile(r"#foreach\s*\(\s*\$([A-Za-z][A-Za-z0-9_]*)\s+in\b")
NAMED_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)[A-Za-z][A-Za-z0-9]*;")

SAMPLE_URL = "https://portal.example.test/acme/invitation?token=T0k3n-xyz"
SAMPLE_LIST = ["sample-Apis-first", "sample-Apis-second"]

Message = tuple[str, str, str, tuple[str, ...]]  # (name, subject, body, parameter names)


def _messages() -> list[Message]:
    found: list[Message] = [
        (t.name, t.subject, t.body, tuple(p.name for p in t.parameters))
        for t in defaults.TEMPLATES.values()
    ]
    found += [
        (name, m.subject, m.body, OPERATOR_PARAMETERS[name])
        for name, m in publisher.OPERATOR_MESSAGES.items()
    ]
    return found


MESSAGES = _messages()
MESSAGE_IDS = [m[0] for m in MESSAGES]


def _sample(name: str) -> object:
    if name == "ConfirmUrl":
        return SAMPLE_URL
    if name == "Apis":
        return list(SAMPLE_LIST)
    return f"sample-{name}-value"


def _context(parameters: tuple[str, ...]) -> dict[str, object]:
    return {name: _sample(name) for name in parameters}


def _merge(text: str, context: dict[str, object]) -> str:
    return str(airspeed.Template(text).merge(dict(context)))


def _references(text: str) -> set[str]:
    loops = set(LOOP_VARIABLE.findall(text))
    return set(REFERENCE.findall(text)) - loops


def _printed_references(text: str) -> set[str]:
    """References whose value is written out, not only tested in a directive."""
    loops = set(LOOP_VARIABLE.findall(text))
    return set(REFERENCE.findall(CONDITION.sub("", text))) - loops


def _leftovers(rendered: str, parameters: tuple[str, ...]) -> list[str]:
    return [
        name
        for name in parameters
        if re.search(rf"\$!?\{{?{re.escape(name)}(?![A-Za-z0-9_])", rendered)
    ]


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
    assert {v.value for v in models.NotificationName} == set(EXPECTED_NOTIFICATIONS)


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


# --- bodies: XHTML ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_body_is_a_well_formed_xhtml_document(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    assert body.startswith("<!DOCTYPE html>\n<html")
    root = ElementTree.fromstring(body)
    assert root.tag == "html"
    assert [child.tag for child in root] == ["head", "body"]
    render.check_body(body)
    assert not NAMED_ENTITY.search(body)
    lowered = body.lower()
    for forbidden in ("<img", "<script", "src=", "url(", "@import", "http://", "https://"):
        assert forbidden not in lowered
    assert "$OrganizationName" in body
    assert all(len(line) <= 100 for line in body.splitlines())


# --- rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_only_declared_parameters_are_referenced(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    assert _references(subject) <= set(parameters)
    assert _references(body) <= set(parameters)
    render.check_source(subject)
    render.check_source(body)


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_renders_every_value_with_airspeed(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    context = _context(parameters)
    for text in (subject, body):
        rendered = _merge(text, context)
        assert not _leftovers(rendered, parameters)
        for reference in _printed_references(text):
            value = context[reference]
            for item in value if isinstance(value, list) else [value]:
                assert str(item) in rendered, reference
    for item in SAMPLE_LIST if "Apis" in parameters else []:
        assert item in _merge(body, context)
    ElementTree.fromstring(_merge(body, context))


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_if_blocks_render_both_ways(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    for variable in set(IF_VARIABLE.findall(subject + body)):
        assert variable in parameters
        present = _context(parameters)
        absent = {**present, variable: ""}
        shown, hidden = _merge(body, present), _merge(body, absent)
        assert shown != hidden
        for rendered in (shown, hidden):
            ElementTree.fromstring(rendered)
            assert not _leftovers(rendered, parameters)
            assert "#if" not in rendered
            assert "#end" not in rendered
        if isinstance(present[variable], str) and variable in _printed_references(body):
            assert str(present[variable]) in shown
            assert str(present[variable]) not in hidden


def test_optional_subscription_details_appear_only_when_given() -> None:
    purchase = defaults.TEMPLATES["purchasedevelopernotificationmessage"]
    context = _context(EXPECTED[purchase.name][2])
    assert "sample-SubTerm-value" in _merge(purchase.body, context)
    without = _merge(purchase.body, {**context, "SubTerm": ""})
    assert "Term:" not in without
    assert "sample-SubStartDate-value" in without

    reject = defaults.TEMPLATES["rejectdevelopernotificationmessage"]
    context = _context(EXPECTED[reject.name][2])
    assert "sample-SubDeclineReason-value" in _merge(reject.body, context)
    assert "Reason" not in _merge(reject.body, {**context, "SubDeclineReason": ""})


def test_quota_warning_lists_apis_and_alerts() -> None:
    quota = defaults.TEMPLATES["quotalimitapproachingdevelopernotificationmessage"]
    context = _context(EXPECTED[quota.name][2])
    full = _merge(quota.body, context)
    assert "sample-Calls-value" in full
    assert "sample-BandwidthQuota-value" in full
    quiet = _merge(quota.body, {**context, "CallsAlert": False, "BandwidthAlert": "", "Apis": []})
    for value in ("sample-Calls-value", "sample-Bandwidth-value", *SAMPLE_LIST):
        assert value not in quiet
    ElementTree.fromstring(quiet)
    assert "sample-SubPrimaryKey-value" not in full  # keys stay out of e-mail


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_production_renderer_escapes_values_into_valid_xhtml(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    hostile = {
        p: (f"<b>{p}</b> & \"'" if p not in ("ConfirmUrl", "Apis") else _sample(p))
        for p in parameters
    }
    rendered = render.render(subject, body, hostile)
    ElementTree.fromstring(rendered.html)
    assert "<b>" not in rendered.html.split("</head>", 1)[1]
    assert rendered.subject
    assert "The " in rendered.text


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_confirmation_link_is_shown_as_link_and_text(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    if "ConfirmUrl" not in parameters:
        assert "$ConfirmUrl" not in body
        return
    assert 'href="$ConfirmUrl"' in body
    assert re.search(r">[^<]*\$ConfirmUrl", body)
    rendered = render.render(subject, body, _context(parameters))
    assert f'href="{SAMPLE_URL}"' in rendered.html
    assert SAMPLE_URL in rendered.text


def test_templates_with_a_confirmation_link() -> None:
    with_link = {t.name for t in defaults.TEMPLATES.values() if "$ConfirmUrl" in t.body}
    assert with_link == {
        "ConfirmSignUpIdentityDefault",
        "EmailChangeIdentityDefault",
        "InviteUserNotificationMessage",
        "PasswordResetByAdminNotificationMessage",
        "PasswordResetIdentityDefault",
    }


def test_portal_links_are_absolute_and_visible() -> None:
    for template in defaults.TEMPLATES.values():
        if "$DevPortalUrl" in template.body:
            assert 'href="$DevPortalUrl"' in template.body
            assert "http://$DevPortalUrl" not in template.body
            context = _context(tuple(p.name for p in template.parameters))
            context["DevPortalUrl"] = "https://portal.example.test/acme"
            rendered = render.render(template.subject, template.body, context)
            assert "https://portal.example.test/acme" in rendered.text


# --- operator messages and notifications ----------------------------------------------------


def test_operator_messages_exist_for_the_notifications_apidesk_sends() -> None:
    assert set(publisher.OPERATOR_MESSAGES) == set(OPERATOR_PARAMETERS)
    for name, message in publisher.OPERATOR_MESSAGES.items():
        assert name.lower() in publisher.NOTIFICATIONS
        assert 1 <= len(message.subject) <= 1000


def test_all_seven_notifications_with_apims_titles() -> None:
    assert {n.name: n.title for n in publisher.NOTIFICATIONS.values()} == EXPECTED_NOTIFICATIONS
    for key, notification in publisher.NOTIFICATIONS.items():
        assert key == notification.name.lower()
        assert 1 <= len(notification.title) <= 1000
        assert notification.description.startswith("The following e-mail recipients and users")
