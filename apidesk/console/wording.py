"""The console's form labels for the API's field names ('displayName' becomes Display name),
page by page, and the sentences it rewrites: each page's refusals say what the operator sees
on that page (`apidesk.web.wording`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apidesk.errors import (
    Collided,
    DomainError,
    PreconditionFailed,
)
from apidesk.query import BROWSE_COUNT_LIMIT
from apidesk.web import wording

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
USER_LABELS = {
    "email": "Email",
    "firstName": "First name",
    "lastName": "Last name",
    "note": "Note",
    "password": "Password",
}
# The Users forms' fields (their inputs' names) for the API's field names.
# In the order the forms show the fields: the error summary lists them so.
USER_FIELDS = {
    "email": "email",
    "firstName": "first_name",
    "lastName": "last_name",
    "password": "password",
    "note": "note",
}
SUBSCRIPTION_LABELS = {"stateComment": "The reason"}
# The e-mail field of the Operators and Notifications pages.
ADDRESS_LABELS = {"email": "Email"}
SIGNUP_LABELS = {
    "termsOfService.text": "Terms of use",
    "termsOfService.enabled": "Show terms of use on sign-up page",
    "termsOfService.consentRequired": "Require consent",
    "url": "Delegation endpoint URL",
}
# Whole sentences that read better rewritten than relabelled.
SENTENCES = {
    **wording.SENTENCES,
    "Consent can only be required to terms that are shown: enable termsOfService too.": (
        "Require consent needs Show terms of use on sign-up page."
    ),
    "An external group needs 'externalId'.": "An external group needs its External ID.",
    "Only external groups have an 'externalId'.": "Only an external group has an External ID.",
    "'approvalRequired' can be true only when 'subscriptionRequired' is true.": (
        "Requires approval needs Requires subscription."
    ),
    "'subscriptionsLimit' can be set only when 'subscriptionRequired' is true.": (
        "A Subscription count limit needs Requires subscription."
    ),
    "pass deleteSubscriptions=true to delete them with the product.": (
        "choose Delete subscriptions to delete them with the product."
    ),
}


# What each status means to an operator, in words: the console's own (the portal's speak of
# the portal, `apidesk.portal.pages.ERRORS`).
ERRORS: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "You cannot open this page."),
    404: ("Not found", "There is no such page in the console. Check the address."),
    405: ("Not allowed", "This page cannot be used that way."),
    409: (
        "Changed meanwhile",
        "Another change made at the same moment came first; nothing of yours was saved. "
        "Load the page again and retry.",
    ),
    413: ("Too large", "What was sent is too large."),
    429: ("Too many attempts", "Too many requests came from your address. Try again later."),
    431: ("Too large", "The request's headers are too large."),
    500: (
        "Something went wrong",
        "The console hit an unexpected error; it has been logged. Try again later, and tell "
        "whoever runs Apidesk if it keeps happening.",
    ),
    503: (
        "Temporarily unavailable",
        "The console cannot reach its database right now. Try again in a moment.",
    ),
}


# A save whose page was opened before someone else's change (the form carries the entity tag
# it was made from): nothing is overwritten, and the form comes back with what was typed.
CHANGED_SINCE = (
    "This changed since you opened the page: check the values below (they are the ones you "
    "typed) and save again."
)


def refusal_status(error: DomainError) -> int:
    """409 for a change that lost a race with another (a stale save; an id, a name or a link
    another writer took first), 400 for anything else."""
    return 409 if isinstance(error, PreconditionFailed | Collided) else 400


def said(error: DomainError, labels: Mapping[str, str]) -> str:
    """The refusal in the words of a page whose fields carry `labels`."""
    if isinstance(error, PreconditionFailed):
        return CHANGED_SINCE
    return wording.in_words(error, labels, SENTENCES)


FieldErrors = wording.FieldErrors


def field_errors(
    error: DomainError, fields: Mapping[str, str], labels: Mapping[str, str]
) -> FieldErrors:
    """`apidesk.web.wording.field_errors` in the console's sentences."""
    return wording.field_errors(error, fields, labels, SENTENCES)


def page_range(start: int | None, shown: int, total: int | None) -> str:
    """Where a page of a list stands, as "26-50 of 62" (an en dash). The domain counts up to
    `BROWSE_COUNT_LIMIT`: past it the total is "more than 1,000", and a page further on than
    that says only how many it shows."""
    if not shown:
        return ""
    if start is None:
        return f"{shown:,} shown, past the first {BROWSE_COUNT_LIMIT:,}"
    of = f"{total:,}" if total is not None else f"more than {BROWSE_COUNT_LIMIT:,}"
    return f"{start + 1:,}\N{EN DASH}{start + shown:,} of {of}"


def subscription_title(subscription: Any, product: Any, owner: Any) -> str:
    """What a subscription is called on the console's pages: its display name, or for one
    without, its product (or scope) and its owner, "Gold · Ada Lovelace"; never its bare id."""
    if subscription.display_name:
        return str(subscription.display_name)
    what = product.display_name if product is not None else wording.scope_words(subscription.scope)
    if owner is None:
        return str(what)
    who = f"{owner.first_name} {owner.last_name}".strip() or owner.email
    return f"{what} \N{MIDDLE DOT} {who}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count` and `word`, the word in the plural but for one: "0 subscriptions",
    "1 subscription", "1,200 subscriptions" (`many` where adding an s will not do)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"
