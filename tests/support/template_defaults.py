"""What the tests of the built-in e-mail content share (tests/domain/test_template_catalog.py
and test_template_bodies.py): APIM's 14 templates as reference §4.8 lists them, and the
parameters the senders give the three operator messages."""

from __future__ import annotations


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


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
