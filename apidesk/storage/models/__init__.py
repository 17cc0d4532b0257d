"""The models, each loaded when it is first asked for.

`from apidesk.storage.models import User` loads the module that defines `User` and the modules
of the tables its foreign keys name (each model module imports those), not every model:
building the mapped classes is a good part of a CLI command's start (issue 12). `Base` asked
for here comes with every model, so that `Base.metadata` knows every table (migrations, the
integrity check, tests that create the schema); `load_all()` does the same.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from apidesk.storage.models.user import (
        RECORD_COLUMNS,
        SUMMARY_COLUMNS,
        User,
        UserRecord,
        UserSummary,
    )
    from apidesk.storage.models.user_import import UserImport

# Each name with the module (in this package) that defines it.
_WHERE = {
    "RECORD_COLUMNS": "user",
    "SUMMARY_COLUMNS": "user",
    "AdminToken": "token",
    "Api": "api",
    "AuditEvent": "audit",
    "EmailTemplate": "mail",
    "Group": "group",
    "GroupMember": "group",
    "Instance": "instance",
    "NotificationRecipientEmail": "mail",
    "NotificationRecipientUser": "mail",
    "OneTimeLink": "flow",
    "Operator": "operator",
    "OperatorLink": "operator",
    "OperatorSession": "operator",
    "OperatorThrottle": "operator",
    "OutboxMessage": "outbox",
    "PortalSession": "flow",
    "PortalSetting": "portal",
    "Product": "product",
    "ProductApi": "product",
    "ProductGroup": "product",
    "Subscription": "subscription",
    "SubscriptionKey": "subscription",
    "SystemValue": "system",
    "TenantAccess": "tenant",
    "Throttle": "flow",
    "UTCDateTime": "base",
    "User": "user",
    "UserImport": "user_import",
    "UserRecord": "user",
    "UserSummary": "user",
    "new_etag": "base",
}

__all__ = [
    "RECORD_COLUMNS",
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
    "UserRecord",
    "UserSummary",
    "new_etag",
]


def load_all() -> None:
    """Import every model module: afterwards `Base.metadata` holds every table."""
    for module in sorted(set(_WHERE.values())):
        importlib.import_module(f"{__name__}.{module}")


def __getattr__(name: str) -> Any:
    if name == "Base":
        load_all()
        module = "base"
    elif name in _WHERE:
        module = _WHERE[name]
    else:
        # Also what lets `from apidesk.storage.models import user` find the submodule.
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
