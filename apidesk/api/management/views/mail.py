from __future__ import annotations

from typing import Any

from apidesk.api.management.envelope import PROVIDER, child_id, drop_none, resource
from apidesk.domain.notifications.recipients import NotificationView
from apidesk.domain.notifications.templates import TemplateView
from apidesk.storage.models import Instance

TEMPLATES_TYPE = f"{PROVIDER}/service/templates"
NOTIFICATIONS_TYPE = f"{PROVIDER}/service/notifications"
RECIPIENT_USERS_TYPE = f"{PROVIDER}/service/notifications/recipientUsers"
RECIPIENT_EMAILS_TYPE = f"{PROVIDER}/service/notifications/recipientEmails"


def template(instance: Instance, view: TemplateView) -> dict[str, Any]:
    return resource(
        child_id(instance, "templates", view.name),
        view.name,
        TEMPLATES_TYPE,
        drop_none(
            {
                "subject": view.subject,
                "body": view.body,
                "title": view.title,
                "description": view.description,
                "isDefault": view.is_default,
                "parameters": [drop_none(parameter) for parameter in view.parameters],
            }
        ),
    )


def notification(instance: Instance, view: NotificationView) -> dict[str, Any]:
    base = ("notifications", view.name)
    return resource(
        child_id(instance, *base),
        view.name,
        NOTIFICATIONS_TYPE,
        {
            "title": view.title,
            "description": view.description,
            "recipients": {
                "emails": [child_id(instance, *base, "recipientEmails", e) for e in view.emails],
                "users": [child_id(instance, "users", u) for u in view.users],
            },
        },
    )


def recipient_user(instance: Instance, notification_name: str, user_name: str) -> dict[str, Any]:
    return resource(
        child_id(instance, "notifications", notification_name, "recipientUsers", user_name),
        user_name,
        RECIPIENT_USERS_TYPE,
        {"userId": child_id(instance, "users", user_name)},
    )


def recipient_email(instance: Instance, notification_name: str, email: str) -> dict[str, Any]:
    return resource(
        child_id(instance, "notifications", notification_name, "recipientEmails", email),
        email,
        RECIPIENT_EMAILS_TYPE,
        {"email": email},
    )
