"""All models, imported here so that `Base.metadata` knows every table."""

from apidesk.storage.models.api import Api
from apidesk.storage.models.audit import AuditEvent
from apidesk.storage.models.base import Base, UTCDateTime, new_etag
from apidesk.storage.models.flow import OneTimeLink, PortalSession, Throttle
from apidesk.storage.models.group import Group, GroupMember
from apidesk.storage.models.instance import Instance
from apidesk.storage.models.mail import (
    EmailTemplate,
    NotificationRecipientEmail,
    NotificationRecipientUser,
)
from apidesk.storage.models.operator import (
    Operator,
    OperatorLink,
    OperatorSession,
    OperatorThrottle,
)
from apidesk.storage.models.outbox import OutboxMessage
from apidesk.storage.models.portal import PortalSetting
from apidesk.storage.models.product import Product, ProductApi, ProductGroup
from apidesk.storage.models.subscription import Subscription, SubscriptionKey
from apidesk.storage.models.system import SystemValue
from apidesk.storage.models.tenant import TenantAccess
from apidesk.storage.models.token import AdminToken
from apidesk.storage.models.user import SUMMARY_COLUMNS, User, UserSummary
from apidesk.storage.models.user_import import UserImport

__all__ = [
    "SUMMARY_COLUMNS",
    "AdminToken",
    "Api",
    "AuditEvent",
    "Base",
    "EmailTemplate",
    "Group",
    "GroupMember",
    "Instance",
    "NotificationRecipientEmail",
    "NotificationRecipientUser",
    "OneTimeLink",
    "Operator",
    "OperatorLink",
    "OperatorSession",
    "OperatorThrottle",
    "OutboxMessage",
    "PortalSession",
    "PortalSetting",
    "Product",
    "ProductApi",
    "ProductGroup",
    "Subscription",
    "SubscriptionKey",
    "SystemValue",
    "TenantAccess",
    "Throttle",
    "UTCDateTime",
    "User",
    "UserImport",
    "UserSummary",
    "new_etag",
]
