"""Built-in e-mail content: the 14 customizable developer templates of APIM (reference §4.8),
the messages sent to publisher-notification recipients, and the 7 publisher notifications
(reference §4.9).

Names, titles, subjects and parameter names/titles are APIM's (API data that clients rely on);
every body and description is Apidesk's own text. Bodies are Velocity templates (rendered by
airspeed, values HTML-escaped by the caller) and well-formed XHTML documents. Links such as
`$ConfirmUrl` and `$DevPortalUrl` are absolute URLs, scheme included.
"""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass(frozen=True)
class OperatorMessage:
    """An e-mail to the recipients of a publisher notification; not customizable."""

    subject: str
    body: str


@dataclass(frozen=True)
class NotificationDefault:
    name: str
    title: str
    description: str


# --------------------------------------------------------------------------------------------
# Building blocks for the bodies (plain string assembly, nothing rendered here).

# Attribute values may span lines; this keeps every line of a body short enough to edit.
_BODY_STYLE = (
    "margin:0;padding:24px;background-color:#f4f5f7;color:#1f2937;font-size:15px;\n"
    "  line-height:1.5;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
)
_CARD_STYLE = (
    "max-width:560px;margin:0 auto;padding:24px 28px;background-color:#ffffff;\n"
    "  border:1px solid #e5e7eb;border-radius:6px"
)


def _document(title: str, content: str) -> str:
    """Wrap the content of one message in the shared XHTML page."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '<meta charset="utf-8" />\n'
        f"<title>{title}</title>\n"
        "</head>\n"
        f'<body style="{_BODY_STYLE}">\n'
        f'<div style="{_CARD_STYLE}">\n'
        f"{content.strip()}\n"
        "</div>\n"
        "</body>\n"
        "</html>\n"
    )


def _link(reference: str) -> str:
    """A link that also shows its address, so the plain-text part carries it."""
    return f'<a href="{reference}" style="word-break:break-all">{reference}</a>'


_SIGN_OFF = """
<p>Best regards,<br />
The $OrganizationName API team</p>
"""

_OPERATOR_FOOTER = """
<p style="color:#6b7280;font-size:13px">You receive this e-mail because you are a recipient of
the “{title}” notification
of the $OrganizationName API.
Recipients are managed with the notifications of the management API.</p>
"""


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
    body=_document(
        "Thank you for using the $OrganizationName API!",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>Your developer account for the $OrganizationName API has been closed. Thank you for the time
you spent building with our APIs; we hope they were useful to you.</p>
<p>Should you want to come back, you are welcome to register again at any time on our developer
portal:<br />
{_link("$DevPortalUrl")}</p>
<p>If you did not expect your account to be closed, please get in touch with us.</p>
{_SIGN_OFF}
""",
    ),
    parameters=(DEV_FIRST_NAME, DEV_LAST_NAME, ORGANIZATION_NAME, DEV_PORTAL_URL),
)

_APPLICATION_APPROVED = DefaultTemplate(
    name="ApplicationApprovedNotificationMessage",
    title="Application gallery submission approved",
    description="Tells a developer that the application they submitted to the application "
    "gallery was approved and published.",
    subject="Your application $AppName is published in the application gallery",
    body=_document(
        "Your application $AppName is published in the application gallery",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>Good news: we reviewed your application <strong>$AppName</strong> and it is now listed in
the application gallery of the $OrganizationName developer portal.</p>
<p>Application id: $AppId</p>
<p>You can see it, together with the other published applications, on the developer
portal:<br />
{_link("$DevPortalUrl")}</p>
<p>Thank you for sharing your work with the community.</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "Please confirm your new $OrganizationName API account",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>Thank you for signing up for the $OrganizationName API. To finish creating your account,
please confirm that this e-mail address belongs to you by opening the following link:</p>
<p>{_link("$ConfirmUrl")}</p>
<p>The link can be used only once and expires after a limited time. If it no longer works,
simply sign up again on the developer portal to receive a new one.</p>
<p>If you did not create an account on $DevPortalHost, you can ignore this e-mail; no account
will be activated.</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "Please confirm the new email associated with your $OrganizationName API account",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>We received a request to use this e-mail address for your $OrganizationName API account.
To confirm the change, please open the following link:</p>
<p>{_link("$ConfirmUrl")}</p>
<p>The link can be used only once and expires after a limited time. Until you confirm, your
account keeps its current e-mail address.</p>
<p>If you did not ask for this change, you can ignore this e-mail and nothing will change.</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "You are invited to join the $OrganizationName developer network",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>You have been invited to join the $OrganizationName developer network on $DevPortalHost,
where you can explore our APIs, subscribe to products and manage your keys.</p>
<p>To accept the invitation, open the following link and choose a password for your
account:</p>
<p>{_link("$ConfirmUrl")}</p>
<p>The link can be used only once and works within 48 hours of this e-mail being sent.</p>
<p>If you were not expecting this invitation, you can safely ignore this e-mail.</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "$IssueName issue has a new comment",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>$CommenterFirstName $CommenterLastName added a comment to your issue
“$IssueName” (id $IssueId):</p>
<p style="margin-left:0;padding:8px 12px;border-left:3px solid #d1d5db;color:#374151">
$CommentText</p>
<p>You can read the whole conversation and reply on the developer portal:<br />
{_link("$DevPortalUrl")}</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "Welcome to the $OrganizationName API!",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>Welcome aboard! Your $OrganizationName API account is ready to use.</p>
<ul>
<li>Sign-in name: $DevUsername</li>
<li>E-mail address: $DevEmail</li>
</ul>
<p>On the developer portal you can browse the API documentation, try operations, subscribe to
products and find your subscription keys:<br />
{_link("$DevPortalUrl")}</p>
<p>We look forward to seeing what you build.</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "Your request $IssueName was received",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>Thank you for reporting “$IssueName”. It has reached us and we will look into it as soon as
we can.</p>
<p>Reference: issue $IssueId</p>
<p>You can follow its progress and add details on the developer portal:<br />
{_link("$DevPortalUrl")}</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "Your password was reset",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>An administrator of the $OrganizationName API has reset the password of your account on
$DevPortalHost. Your old password no longer works, and you have been signed out everywhere.</p>
<p>For your security we never send passwords by e-mail. Please choose a new password with the
following link:</p>
<p>{_link("$ConfirmUrl")}</p>
<p>The link can be used only once and works for one hour. When it has expired, you can ask for a
new one with the “forgot password” option on the sign-in page of the developer portal.</p>
<p>If you did not expect this reset, please contact us.</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "Your password change request",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>We received a request to change the password of your $OrganizationName API account. To
choose a new password, open the following link:</p>
<p>{_link("$ConfirmUrl")}</p>
<p>The link can be used only once and works for one hour. Once the new password is set, you
are signed out on every device.</p>
<p>If you did not ask for a new password, you can ignore this e-mail; your current password
stays as it is.</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "Your subscription to the $ProdName",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>Your subscription to <strong>$ProdName</strong> is now active, and you can start calling
its APIs right away.</p>
<ul>
<li>Product: $ProdName</li>
<li>Start date: $SubStartDate</li>
#if ($SubTerm)
<li>Term: $SubTerm</li>
#end
</ul>
<p>Your subscription keys are waiting in your profile on the developer portal:<br />
{_link("$DevPortalUrl")}</p>
<p>Please keep your keys secret; you can regenerate them on the portal at any time.</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "You are approaching an API quota limit",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>Your subscription to <strong>$ProdName</strong> is getting close to its usage quota.</p>
<ul>
#if ($CallsAlert)
<li>Calls: $Calls of $CallQuota used</li>
#end
#if ($BandwidthAlert)
<li>Bandwidth: $Bandwidth of $BandwidthQuota used</li>
#end
<li>The quota resets on: $QuotaResetDate</li>
</ul>
#if ($Apis)
<p>The quota applies to these APIs:</p>
<ul>
#foreach ($Api in $Apis)
<li>$Api</li>
#end
</ul>
#end
<p>Once the quota is used up, further calls are refused until it resets. If you need more,
have a look at the other products on the developer portal:<br />
{_link("$DevPortalUrl")}</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "Your subscription request for the $ProdName",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>Thank you for your interest in <strong>$ProdName</strong>. After review, your subscription
request was not approved.</p>
#if ($SubDeclineReason)
<p>Reason given: $SubDeclineReason</p>
#end
<p>You are welcome to look at the other products on the developer portal:<br />
{_link("$DevPortalUrl")}</p>
<p>If you have questions about this decision, please get in touch with us.</p>
{_SIGN_OFF}
""",
    ),
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
    body=_document(
        "Your subscription request for the $ProdName",
        f"""
<p>Hello $DevFirstName $DevLastName,</p>
<p>We have received your request to subscribe to <strong>$ProdName</strong>. Subscriptions to
this product are reviewed before they are activated.</p>
<p>We will write to you at $DevEmail as soon as your request has been approved or
declined. In the meantime you can check its status on the developer portal:<br />
{_link("$DevPortalUrl")}</p>
{_SIGN_OFF}
""",
    ),
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


# --------------------------------------------------------------------------------------------
# The 7 publisher notifications, in the order of reference §4.9.

NOTIFICATIONS: dict[str, NotificationDefault] = {
    notification.name.lower(): notification
    for notification in (
        NotificationDefault(
            "RequestPublisherNotificationMessage",
            "Subscription requests (requiring approval)",
            "The following e-mail recipients and users are notified when a developer asks to "
            "subscribe to a product that needs approval.",
        ),
        NotificationDefault(
            "PurchasePublisherNotificationMessage",
            "New subscriptions",
            "The following e-mail recipients and users are notified when a developer's "
            "subscription to a product becomes active.",
        ),
        NotificationDefault(
            "NewApplicationNotificationMessage",
            "Application gallery requests",
            "The following e-mail recipients and users are notified when a developer submits an "
            "application to the application gallery.",
        ),
        NotificationDefault(
            "BCC",
            "BCC",
            "The following e-mail recipients and users receive a blind copy of every e-mail "
            "sent to developers.",
        ),
        NotificationDefault(
            "NewIssuePublisherNotificationMessage",
            "New issue or comment",
            "The following e-mail recipients and users are notified when a developer opens an "
            "issue or comments on one in the developer portal.",
        ),
        NotificationDefault(
            "AccountClosedPublisher",
            "Close account message",
            "The following e-mail recipients and users are notified when a developer account "
            "is closed.",
        ),
        NotificationDefault(
            "QuotaLimitApproachingPublisherNotificationMessage",
            "Approaching subscription quota limit",
            "The following e-mail recipients and users are notified when the usage of a "
            "subscription comes close to its quota.",
        ),
    )
}


# --------------------------------------------------------------------------------------------
# E-mails to the recipients of publisher notifications, keyed by notification name.


def _operator_footer(notification: str) -> str:
    return _OPERATOR_FOOTER.replace("{title}", NOTIFICATIONS[notification.lower()].title)


OPERATOR_MESSAGES: dict[str, OperatorMessage] = {
    "RequestPublisherNotificationMessage": OperatorMessage(
        subject="Subscription request awaiting approval: $ProdName",
        body=_document(
            "Subscription request awaiting approval: $ProdName",
            f"""
<p>Hello,</p>
<p>$DevFirstName $DevLastName ($DevEmail) has asked to subscribe to
<strong>$ProdName</strong>. Subscriptions to this product need approval, so the request is
waiting for a decision.</p>
<ul>
<li>Developer: $DevFirstName $DevLastName, $DevEmail</li>
<li>Product: $ProdName</li>
<li>Subscription id: $SubId</li>
</ul>
<p>To approve the request, set the state of the subscription to <code>active</code>; to decline
it, set the state to <code>rejected</code> (the state comment is passed on to the developer as
the reason). The subscription resource in the management API is:</p>
<p><code style="word-break:break-all">$ManagementUrl</code></p>
{_operator_footer("RequestPublisherNotificationMessage")}
""",
        ),
    ),
    "PurchasePublisherNotificationMessage": OperatorMessage(
        subject="New subscription to $ProdName",
        body=_document(
            "New subscription to $ProdName",
            f"""
<p>Hello,</p>
<p>$DevFirstName $DevLastName ($DevEmail) now has an active subscription to
<strong>$ProdName</strong>.</p>
<ul>
<li>Developer: $DevFirstName $DevLastName, $DevEmail</li>
<li>Product: $ProdName</li>
<li>Subscription id: $SubId</li>
</ul>
<p>The subscription resource in the management API is:</p>
<p><code style="word-break:break-all">$ManagementUrl</code></p>
{_operator_footer("PurchasePublisherNotificationMessage")}
""",
        ),
    ),
    "AccountClosedPublisher": OperatorMessage(
        subject="Developer account closed: $DevFirstName $DevLastName",
        body=_document(
            "Developer account closed: $DevFirstName $DevLastName",
            f"""
<p>Hello,</p>
<p>The developer account of $DevFirstName $DevLastName ($DevEmail) for the $OrganizationName API
has been closed.</p>
{_operator_footer("AccountClosedPublisher")}
""",
        ),
    ),
}
