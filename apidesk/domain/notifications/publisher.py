"""The 7 publisher notifications of APIM (reference §4.9), and the built-in e-mails sent to
their recipients and to invited operators. These messages are not customizable templates.

Names and titles are APIM's; descriptions and bodies are Apidesk's own text (see `defaults`).
"""

from __future__ import annotations

from dataclasses import dataclass

from apidesk.domain.notifications.defaults import stored_body


@dataclass(frozen=True)
class NotificationDefault:
    name: str
    title: str
    description: str


@dataclass(frozen=True)
class OperatorMessage:
    """An e-mail to the recipients of a publisher notification; not customizable."""

    subject: str
    body: str


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


OPERATOR_MESSAGES: dict[str, OperatorMessage] = {
    "RequestPublisherNotificationMessage": OperatorMessage(
        subject="Subscription request awaiting approval: $ProdName",
        body=stored_body("publisher/RequestPublisherNotificationMessage"),
    ),
    "PurchasePublisherNotificationMessage": OperatorMessage(
        subject="New subscription to $ProdName",
        body=stored_body("publisher/PurchasePublisherNotificationMessage"),
    ),
    "AccountClosedPublisher": OperatorMessage(
        subject="Developer account closed: $DevFirstName $DevLastName",
        body=stored_body("publisher/AccountClosedPublisher"),
    ),
}


# The e-mail that carries an invited operator's one-time link to set a password (sent when an
# operator invites another from the console). Not one of the instance's templates.
OPERATOR_INVITATION = OperatorMessage(
    subject="You are invited to run the $OrganizationName API on Apidesk",
    body=stored_body("publisher/OperatorInvitation"),
)

# The notifications of APIM features Apidesk does not have, as `defaults.NEVER_SENT`: kept,
# and never sent.
NEVER_SENT = {
    "NewApplicationNotificationMessage": "application gallery",
    "NewIssuePublisherNotificationMessage": "issue tracker",
    "QuotaLimitApproachingPublisherNotificationMessage": "usage quotas",
}
