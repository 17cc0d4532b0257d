"""APIM's seven publisher notifications and their titles (reference §4.9), as the tests expect
them: the SDK's enum, the catalog and the API all name these."""

from __future__ import annotations

NOTIFICATIONS = {
    "RequestPublisherNotificationMessage": "Subscription requests (requiring approval)",
    "PurchasePublisherNotificationMessage": "New subscriptions",
    "NewApplicationNotificationMessage": "Application gallery requests",
    "BCC": "BCC",
    "NewIssuePublisherNotificationMessage": "New issue or comment",
    "AccountClosedPublisher": "Close account message",
    "QuotaLimitApproachingPublisherNotificationMessage": "Approaching subscription quota limit",
}
