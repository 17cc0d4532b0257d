"""A domain refusal in the words of the console's form labels rather than the API's field
names ('displayName' becomes Display name): the console's Groups, Products and APIs pages say
what the operator sees on the page."""

from __future__ import annotations

from collections.abc import Mapping

from apidesk.console.base import problem_text
from apidesk.errors import DomainError, PreconditionFailed

GROUP_LABELS = {
    "displayName": "Name",
    "description": "Description",
    "externalId": "External ID",
    "type": "Type",
}
PRODUCT_LABELS = {
    "displayName": "Display name",
    "description": "Description",
    "terms": "Legal terms",
    "subscriptionRequired": "Requires subscription",
    "approvalRequired": "Requires approval",
    "subscriptionsLimit": "Subscription count limit",
}
API_LABELS = {
    "displayName": "Display name",
    "description": "Description",
    "path": "API URL suffix",
    "serviceUrl": "Web service URL",
    "subscriptionKeyParameterNames.header": "Header name",
    "subscriptionKeyParameterNames.query": "Query parameter name",
    "subscriptionRequired": "Subscription required",
}
# Whole sentences that read better rewritten than relabelled.
SENTENCES = {
    "An external group needs 'externalId'.": "An external group needs its External ID.",
    "Only external groups have an 'externalId'.": "Only an external group has an External ID.",
    "'approvalRequired' can be true only when 'subscriptionRequired' is true.": (
        "Requires approval needs Requires subscription."
    ),
    "'subscriptionsLimit' can be set only when 'subscriptionRequired' is true.": (
        "A Subscription count limit needs Requires subscription."
    ),
    " must be at least 1 character(s) long.": " is required.",
    "pass deleteSubscriptions=true to delete them with the product.": (
        "choose Delete subscriptions to delete them with the product."
    ),
}


# A save whose page was opened before someone else's change (the form carries the entity tag
# it was made from): nothing is overwritten, and the form comes back with what was typed.
CHANGED_SINCE = (
    "This changed since you opened the page: check the values below (they are the ones you "
    "typed) and save again."
)


def refusal_status(error: DomainError) -> int:
    """409 for a save that lost a race with another change, 400 for anything else."""
    return 409 if isinstance(error, PreconditionFailed) else 400


def said(error: DomainError, labels: Mapping[str, str]) -> str:
    if isinstance(error, PreconditionFailed):
        return CHANGED_SINCE
    text = problem_text(error)
    for sentence, plain in SENTENCES.items():
        text = text.replace(sentence, plain)
    for wire, label in sorted(labels.items(), key=lambda item: -len(item[0])):
        text = text.replace(f"'{wire}'", label)
    return text
