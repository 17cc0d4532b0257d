"""The audit log in words: each action the domain records (`apidesk.domain.audit.record`, its
codes such as `user.create`) as what it did ("User created", or "Created" on the user's own
page), and each actor (`console:ops@example.com`) as who did it, from where. An action this
table does not know is shown as its code (tests/console/test_console_audit_words.py checks
that every code the domain writes is here)."""

from __future__ import annotations

# What each area's events are about, in the order the Audit log's Action filter lists them.
AREAS = {
    "user": "User",
    "group": "Group",
    "product": "Product",
    "api": "API",
    "subscription": "Subscription",
    "template": "E-mail template",
    "notification": "Notification",
    "portalsettings": "Portal settings",
    "outbox": "Outbox",
    "operator": "Operator",
    "tenant": "Management API access",
    "token": "API token",
    "service": "Service",
}

# Each action's words after its area's ("User" + "created").
ACTIONS = {
    "user.create": "created",
    "user.update": "updated",
    "user.delete": "deleted",
    "user.invite": "invited",
    "user.invitation-accept": "accepted the invitation",
    "user.import": "imported",
    "user.signup-confirm": "confirmed sign-up",
    "user.confirmation-resend": "sign-up confirmation e-mail sent again",
    "user.password-reset-request": "password reset requested",
    "user.password-reset": "password reset",
    "user.changePassword": "password changed",
    "user.changeEmail.request": "e-mail change requested",
    "user.token": "given a shared access token",
    "user.sso": "given a single sign-on link",
    "group.create": "created",
    "group.update": "updated",
    "group.delete": "deleted",
    "group.member-add": "member added",
    "group.member-remove": "member removed",
    "product.create": "created",
    "product.update": "updated",
    "product.delete": "deleted",
    "product.api-add": "API added",
    "product.api-remove": "API removed",
    "product.group-link": "made visible to a group",
    "product.group-unlink": "hidden from a group",
    "api.create": "created",
    "api.update": "updated",
    "api.delete": "deleted",
    "subscription.create": "created",
    "subscription.update": "updated",
    "subscription.delete": "deleted",
    "subscription.list-secrets": "keys read",
    "subscription.reveal-primary-key": "primary key shown",
    "subscription.reveal-secondary-key": "secondary key shown",
    "subscription.regenerate-primary-key": "primary key regenerated",
    "subscription.regenerate-secondary-key": "secondary key regenerated",
    "template.update": "changed",
    "template.reset": "restored to its built-in text",
    "template.test": "test message sent",
    "notification.add-user": "recipient added (a user)",
    "notification.remove-user": "recipient removed (a user)",
    "notification.add-email": "recipient added (an address)",
    "notification.remove-email": "recipient removed (an address)",
    "portalsettings.signin.update": "sign-in changed",
    "portalsettings.signup.update": "sign-up changed",
    "portalsettings.delegation.update": "delegation changed",
    "portalsettings.delegation.list-secrets": "delegation key read",
    "outbox.retry": "message queued again",
    "operator.create": "added",
    "operator.remove": "removed",
    "operator.scope": "services changed",
    "operator.setPassword": "password set",
    "operator.signIn": "signed in",
    "operator.signIn.failed": "sign-in failed",
    "tenant.put": "changed",
    "tenant.update": "turned on or off",
    "tenant.list-secrets": "keys read",
    "tenant.regenerate-primary-key": "primary key regenerated",
    "tenant.regenerate-secondary-key": "secondary key regenerated",
    "token.create": "created",
    "token.rotate": "rotated",
    "token.revoke": "revoked",
    "service.create": "created",
    "service.update": "updated",
    "service.delete": "deleted",
}

# Where a change came from, by the actor's prefix (`console:<e-mail>`, `token:<name>`).
SOURCES = {
    "console": "{} (console)",
    "token": "token {} (API)",
    "sas": "shared access signature {} (API)",
    "user": "user {} (portal)",
    "cli": "{} (command line)",
}
# Actors without a name: Apidesk itself, or a visitor not signed in.
NAMELESS = {
    "system": "Apidesk",
    "outbox": "Apidesk (outbox)",
    "metrics": "Apidesk",
    "portal": "a visitor (portal)",
    "anonymous": "a visitor",
    "console": "the console",
    "cli": "command line",
}


def action_words(action: str, *, own: bool = False) -> str:
    """`action` as what happened: "User created"; with `own` (on the page of what it
    happened to) without the area: "Created". An unknown code is shown as it is."""
    words = ACTIONS.get(action)
    if words is None:
        return action
    if own:
        return words[0].upper() + words[1:]
    return f"{AREAS[action.split('.', 1)[0]]} {words}"


def actor_words(actor: str | None) -> str:
    """Who did it, and from where: "ops@example.com (console)", "token ci (API)"."""
    if not actor:
        return "unknown"
    source, colon, name = actor.partition(":")
    if colon and source in SOURCES and name:
        return SOURCES[source].format(name)
    return NAMELESS.get(actor, actor)


def action_choices() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The Audit log's Action filter: per area, its label, the prefix that picks any of its
    events, and each of its actions with its words."""
    return [
        (
            label,
            f"{area}.",
            [(code, action_words(code)) for code in ACTIONS if code.startswith(f"{area}.")],
        )
        for area, label in AREAS.items()
    ]
