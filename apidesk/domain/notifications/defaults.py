"""Built-in e-mail content: the 14 customizable developer templates of APIM (reference §4.8).
The 7 publisher notifications and their messages are in `publisher`.

Names, titles, subjects and parameter names/titles are APIM's (API data that clients rely on);
every body and description is Apidesk's own text. Bodies are Velocity templates (rendered by
airspeed, values HTML-escaped by the caller) and well-formed XHTML documents. Links such as
`$ConfirmUrl` and `$DevPortalUrl` are absolute URLs, scheme included.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class TemplateParameter:
    name: str
    title: str


@dataclass(frozen=True)
class DefaultTemplate:
    name: str
    title: str
    description: str
    subject: str
    body: str
    parameters: tuple[TemplateParameter, ...]


# --------------------------------------------------------------------------------------------
# Bodies live in files beside this module (`bodies/`, `bodies/publisher/`): each file is the
# whole built-in body, exactly what an operator sees and edits through the API.

_BODIES = resources.files("apidesk.domain.notifications") / "bodies"


def stored_body(name: str) -> str:
    """The built-in body stored as `bodies/{name}.html`."""
    return (_BODIES / f"{name}.html").read_text(encoding="utf-8")


def _p(name: str, title: str) -> TemplateParameter:
    return TemplateParameter(name, title)


DEV_FIRST_NAME = _p("DevFirstName", "Developer first name")
DEV_LAST_NAME = _p("DevLastName", "Developer last name")
DEV_EMAIL = _p("DevEmail", "Developer email")
ORGANIZATION_NAME = _p("OrganizationName", "Organization name")
DEV_PORTAL_URL = _p("DevPortalUrl", "Developer portal URL")
DEV_PORTAL_HOST = _p("DevPortalHost", "Developer portal hostname")
PROD_NAME = _p("ProdName", "Product name")
ISSUE_ID = _p("IssueId", "Issue id")
ISSUE_NAME = _p("IssueName", "Issue name")


# --------------------------------------------------------------------------------------------
# The 14 developer templates, in the order of reference §4.8.

_ACCOUNT_CLOSED_DEVELOPER = DefaultTemplate(
    name="AccountClosedDeveloper",
    title="Developer farewell letter",
    description="Sent to a developer after their account has been closed, to say goodbye.",
    subject="Thank you for using the $OrganizationName API!",
    body=stored_body("AccountClosedDeveloper"),
    parameters=(DEV_FIRST_NAME, DEV_LAST_NAME, ORGANIZATION_NAME, DEV_PORTAL_URL),
)

_APPLICATION_APPROVED = DefaultTemplate(
    name="ApplicationApprovedNotificationMessage",
    title="Application gallery submission approved",
    description="Tells a developer that the application they submitted to the application "
    "gallery was approved and published.",
    subject="Your application $AppName is published in the application gallery",
    body=stored_body("ApplicationApprovedNotificationMessage"),
    parameters=(
        _p("AppId", "Application id"),
        _p("AppName", "Application name"),
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        ORGANIZATION_NAME,
        DEV_PORTAL_URL,
    ),
)

_CONFIRM_SIGN_UP = DefaultTemplate(
    name="ConfirmSignUpIdentityDefault",
    title="New developer account confirmation",
    description="Asks a developer who registered on the portal to confirm their e-mail address "
    "before the new account becomes active.",
    subject="Please confirm your new $OrganizationName API account",
    body=stored_body("ConfirmSignUpIdentityDefault"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        ORGANIZATION_NAME,
        DEV_PORTAL_URL,
        _p("ConfirmUrl", "Developer activation URL"),
        DEV_PORTAL_HOST,
        _p("ConfirmQuery", "Query string part of the activation URL"),
    ),
)

_EMAIL_CHANGE = DefaultTemplate(
    name="EmailChangeIdentityDefault",
    title="Email change confirmation",
    description="Asks a developer to confirm a new e-mail address for their account before the "
    "change takes effect.",
    subject="Please confirm the new email associated with your $OrganizationName API account",
    body=stored_body("EmailChangeIdentityDefault"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        ORGANIZATION_NAME,
        DEV_PORTAL_URL,
        _p("ConfirmUrl", "Developer confirmation URL"),
        DEV_PORTAL_HOST,
        _p("ConfirmQuery", "Query string part of the confirmation URL"),
    ),
)

_INVITE_USER = DefaultTemplate(
    name="InviteUserNotificationMessage",
    title="Invite user",
    description="Invites a person whom the publisher added as a user to activate their account "
    "by choosing a password.",
    subject="You are invited to join the $OrganizationName developer network",
    body=stored_body("InviteUserNotificationMessage"),
    parameters=(
        ORGANIZATION_NAME,
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        _p("ConfirmUrl", "Confirmation link"),
        DEV_PORTAL_HOST,
        _p("ConfirmQuery", "Query string part of the confirmation link"),
    ),
)

_NEW_COMMENT = DefaultTemplate(
    name="NewCommentNotificationMessage",
    title="New comment added to an issue",
    description="Lets a developer know that someone commented on an issue they reported.",
    subject="$IssueName issue has a new comment",
    body=stored_body("NewCommentNotificationMessage"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        _p("CommenterFirstName", "Commenter first name"),
        _p("CommenterLastName", "Commenter last name"),
        ISSUE_ID,
        ISSUE_NAME,
        _p("CommentText", "Comment text"),
        ORGANIZATION_NAME,
        DEV_PORTAL_URL,
    ),
)

_NEW_DEVELOPER = DefaultTemplate(
    name="NewDeveloperNotificationMessage",
    title="Developer welcome letter",
    description="Welcomes a developer once their registration is complete and the account is "
    "ready to use.",
    subject="Welcome to the $OrganizationName API!",
    body=stored_body("NewDeveloperNotificationMessage"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        _p("DevUsername", "Developer user name"),
        DEV_EMAIL,
        ORGANIZATION_NAME,
        DEV_PORTAL_URL,
        _p("IdentityProvider", "Identity Provider selected by Organization"),
    ),
)

_NEW_ISSUE = DefaultTemplate(
    name="NewIssueNotificationMessage",
    title="New issue received",
    description="Confirms to a developer that the issue they reported has been received.",
    subject="Your request $IssueName was received",
    body=stored_body("NewIssueNotificationMessage"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        ISSUE_ID,
        ISSUE_NAME,
        ORGANIZATION_NAME,
        DEV_PORTAL_URL,
    ),
)

# APIM mails the new password itself; Apidesk never puts a password in an e-mail and sends a
# one-time link to choose one instead (no DevPassword parameter).
_PASSWORD_RESET_BY_ADMIN = DefaultTemplate(
    name="PasswordResetByAdminNotificationMessage",
    title="Password reset by publisher notification (Password reset by admin)",
    description="Tells a developer that an administrator reset their password, so the old one no "
    "longer works, and gives a one-time link to choose a new one.",
    subject="Your password was reset",
    body=stored_body("PasswordResetByAdminNotificationMessage"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        ORGANIZATION_NAME,
        DEV_PORTAL_URL,
        _p("ConfirmUrl", "Developer new password instruction URL"),
        DEV_PORTAL_HOST,
        _p("ConfirmQuery", "Query string part of the instruction URL"),
    ),
)

_PASSWORD_RESET = DefaultTemplate(
    name="PasswordResetIdentityDefault",
    title="Password change confirmation",
    description="Sends a developer who asked to change their password a one-time link to choose "
    "a new one.",
    subject="Your password change request",
    body=stored_body("PasswordResetIdentityDefault"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        ORGANIZATION_NAME,
        DEV_PORTAL_URL,
        _p("ConfirmUrl", "Developer new password instruction URL"),
        DEV_PORTAL_HOST,
        _p("ConfirmQuery", "Query string part of the instruction URL"),
    ),
)

_PURCHASE_DEVELOPER = DefaultTemplate(
    name="PurchaseDeveloperNotificationMessage",
    title="New subscription activated",
    description="Tells a developer that their subscription to a product is now active.",
    subject="Your subscription to the $ProdName",
    body=stored_body("PurchaseDeveloperNotificationMessage"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        _p("ProdId", "Product ID"),
        PROD_NAME,
        ORGANIZATION_NAME,
        _p("SubStartDate", "Subscription start date"),
        _p("SubTerm", "Subscription term"),
        DEV_PORTAL_URL,
    ),
)

# The primary key is declared (APIM does) but deliberately not printed: keys stay out of mail.
_QUOTA_LIMIT_APPROACHING = DefaultTemplate(
    name="QuotaLimitApproachingDeveloperNotificationMessage",
    title="Developer quota limit approaching notification",
    description="Warns a developer that the usage of a subscription is getting close to the "
    "quota of its product.",
    subject="You are approaching an API quota limit",
    body=stored_body("QuotaLimitApproachingDeveloperNotificationMessage"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        PROD_NAME,
        ORGANIZATION_NAME,
        _p("SubPrimaryKey", "Primary Subscription key"),
        DEV_PORTAL_URL,
        _p("QuotaResetDate", "Quota reset date"),
        _p("Calls", "Number of calls made"),
        _p("CallQuota", "Number of calls allowed by the quota"),
        _p("Bandwidth", "Bandwidth used"),
        _p("BandwidthQuota", "Bandwidth allowed by the quota"),
        _p("CallsAlert", "Whether the number of calls is close to the quota"),
        _p("BandwidthAlert", "Whether the bandwidth is close to the quota"),
        _p("Apis", "Names of the APIs the quota applies to"),
    ),
)

_REJECT_DEVELOPER = DefaultTemplate(
    name="RejectDeveloperNotificationMessage",
    title="Subscription request declined",
    description="Tells a developer that their request to subscribe to a product was declined.",
    subject="Your subscription request for the $ProdName",
    body=stored_body("RejectDeveloperNotificationMessage"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        _p("SubDeclineReason", "Reason for declining subscription"),
        PROD_NAME,
        ORGANIZATION_NAME,
        DEV_PORTAL_URL,
    ),
)

_REQUEST_DEVELOPER = DefaultTemplate(
    name="RequestDeveloperNotificationMessage",
    title="Subscription request received",
    description="Confirms to a developer that their request to subscribe to a product that "
    "needs approval was received.",
    subject="Your subscription request for the $ProdName",
    body=stored_body("RequestDeveloperNotificationMessage"),
    parameters=(
        DEV_FIRST_NAME,
        DEV_LAST_NAME,
        DEV_EMAIL,
        PROD_NAME,
        ORGANIZATION_NAME,
        DEV_PORTAL_URL,
    ),
)

TEMPLATES: dict[str, DefaultTemplate] = {
    template.name.lower(): template
    for template in (
        _ACCOUNT_CLOSED_DEVELOPER,
        _APPLICATION_APPROVED,
        _CONFIRM_SIGN_UP,
        _EMAIL_CHANGE,
        _INVITE_USER,
        _NEW_COMMENT,
        _NEW_DEVELOPER,
        _NEW_ISSUE,
        _PASSWORD_RESET_BY_ADMIN,
        _PASSWORD_RESET,
        _PURCHASE_DEVELOPER,
        _QUOTA_LIMIT_APPROACHING,
        _REJECT_DEVELOPER,
        _REQUEST_DEVELOPER,
    )
}

# The templates of APIM features Apidesk does not have, with the feature in words. They are
# kept so that an APIM client reads and writes them as it would in APIM, but nothing sends
# them (tests/console/test_console_templates.py checks that no code names them).
NEVER_SENT = {
    "ApplicationApprovedNotificationMessage": "application gallery",
    "NewCommentNotificationMessage": "issue tracker",
    "NewIssueNotificationMessage": "issue tracker",
    "QuotaLimitApproachingDeveloperNotificationMessage": "usage quotas",
}
