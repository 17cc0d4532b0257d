"""The developer-portal settings of an instance: who may sign up (and on which terms), whether
anonymous visitors are sent to sign in, and whether sign-in, sign-up and subscriptions are
delegated to the publisher's own site.

Each setting is one row with its own entity tag. The delegation's validation key is a secret:
encrypted at rest, never part of the setting as read, revealed only by `reveal_key`.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from apidesk.domain import audit, validation
from apidesk.domain.context import InstanceContext
from apidesk.errors import Collection, Invalid, NotFound, PreconditionFailed
from apidesk.storage.models import PortalSetting

SIGNIN = "signin"
SIGNUP = "signup"
DELEGATION = "delegation"
# The order APIM lists them in.
NAMES = (DELEGATION, SIGNIN, SIGNUP)
DEFAULTS: dict[str, dict[str, Any]] = {
    SIGNIN: {"enabled": False},
    SIGNUP: {
        "enabled": True,
        "terms_text": "",
        "terms_enabled": False,
        "terms_consent_required": False,
    },
    DELEGATION: {"url": None, "subscriptions": False, "user_registration": False},
}
# Which fields each setting takes, and of what kind.
FIELDS: dict[str, dict[str, str]] = {
    SIGNIN: {"enabled": "bool"},
    SIGNUP: {
        "enabled": "bool",
        "terms_text": "text",
        "terms_enabled": "bool",
        "terms_consent_required": "bool",
    },
    DELEGATION: {
        "url": "url",
        "validation_key": "key",
        "subscriptions": "bool",
        "user_registration": "bool",
    },
}
# Field names as the wire spells them, so every problem names the field the client sent.
TARGETS = {
    "enabled": "enabled",
    "terms_text": "termsOfService.text",
    "terms_enabled": "termsOfService.enabled",
    "terms_consent_required": "termsOfService.consentRequired",
    "url": "url",
    "validation_key": "validationKey",
    "subscriptions": "subscriptions.enabled",
    "user_registration": "userRegistration.enabled",
}
TERMS_MAX = 100_000
URL_MAX = 2000
KEY_BYTES = 64
KEY_MIN_BYTES = 16
KEY_MAX_CHARS = 2048


@dataclass(frozen=True)
class Signup:
    enabled: bool
    terms_text: str
    terms_enabled: bool
    terms_consent_required: bool


@dataclass(frozen=True)
class Delegation:
    url: str | None
    subscriptions: bool
    user_registration: bool


def new_key() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _key_context(row: PortalSetting) -> str:
    return f"portalsettings/{row.instance_id}/{row.name}"


def create_defaults(ctx: InstanceContext) -> None:
    for name in NAMES:
        ctx.session.add(
            PortalSetting(
                instance_id=ctx.instance.id,
                name=name,
                values=dict(DEFAULTS[name]),
                validation_key=None,
            )
        )


def _canonical(name: str) -> str:
    key = name.lower()
    if key not in FIELDS:
        raise NotFound(f"Portal setting '{name}' was not found.")
    return key


# Built once: portal pages read a setting or two on every request.
_BY_NAME = select(PortalSetting).where(
    PortalSetting.instance_id == bindparam("instance"), PortalSetting.name == bindparam("name")
)


def get_or_raise(ctx: InstanceContext, name: str) -> PortalSetting:
    values = {"instance": ctx.instance.id, "name": _canonical(name)}
    row = ctx.session.scalars(_BY_NAME, values).first()
    if row is None:
        raise NotFound(f"Portal setting '{name}' was not found.")
    return row


def list_all(ctx: InstanceContext) -> Sequence[PortalSetting]:
    rows = ctx.session.scalars(
        select(PortalSetting).where(PortalSetting.instance_id == ctx.instance.id)
    ).all()
    return sorted(rows, key=lambda row: NAMES.index(row.name))


def values(row: PortalSetting) -> dict[str, Any]:
    """The setting's fields, with the defaults filling any a row lacks."""
    return _filled(row.name, row.values)


def _filled(name: str, stored: dict[str, Any] | None) -> dict[str, Any]:
    return {**DEFAULTS[name], **(stored or {})}


_VALUES_BY_NAME = _BY_NAME.with_only_columns(PortalSetting.values)


def _current(ctx: InstanceContext, name: str) -> dict[str, Any]:
    """`values` of a setting, read as a row: the pages that obey a setting read it on every
    request and change nothing. Read once per unit (`read_once`): a portal page, its top bar
    and its headers each ask; `change` drops what it changes."""
    known = ctx.read_once.get(f"portal-setting:{name}")
    if known is not None:
        return dict(known)
    found = ctx.session.connection().execute(
        _VALUES_BY_NAME, {"instance": ctx.instance.id, "name": name}
    )
    row = found.first()
    if row is None:
        raise NotFound(f"Portal setting '{name}' was not found.")
    current = _filled(name, row.values)
    ctx.read_once[f"portal-setting:{name}"] = current
    return dict(current)


def signup(ctx: InstanceContext) -> Signup:
    v = _current(ctx, SIGNUP)
    return Signup(
        enabled=bool(v["enabled"]),
        terms_text=str(v["terms_text"] or ""),
        terms_enabled=bool(v["terms_enabled"]),
        terms_consent_required=bool(v["terms_consent_required"]),
    )


def signin_required(ctx: InstanceContext) -> bool:
    return bool(_current(ctx, SIGNIN)["enabled"])


def delegation(ctx: InstanceContext) -> Delegation:
    v = _current(ctx, DELEGATION)
    return Delegation(
        url=v["url"],
        subscriptions=bool(v["subscriptions"]),
        user_registration=bool(v["user_registration"]),
    )


def _url(problems: Collection, target: str, value: Any) -> str | bool | None:
    """A delegation endpoint: an absolute http(s) URL. "" clears it (None); False if bad."""
    if value == "":
        return None
    checked = validation.web_url(
        problems, target, value, max_length=URL_MAX, example="https://example.com/delegation"
    )
    return False if checked is None else checked


def _key(problems: Collection, target: str, value: Any) -> str | None:
    checked = validation.text(problems, target, value, max_length=KEY_MAX_CHARS)
    if checked is None:
        return None
    try:
        raw = base64.b64decode(checked, validate=True)
    except (binascii.Error, ValueError):
        problems.add(target, f"'{target}' must be base64.")
        return None
    if len(raw) < KEY_MIN_BYTES:
        problems.add(target, f"'{target}' must decode to at least {KEY_MIN_BYTES} bytes.")
        return None
    return checked


def _clean(name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The given fields (None means "not given"), checked; every problem is reported."""
    problems = Collection()
    clean: dict[str, Any] = {}
    for field, value in fields.items():
        kind = FIELDS[name].get(field)
        if kind is None:
            raise ValueError(f"unknown field {field!r} of portal setting {name!r}")
        if value is None:
            continue
        target = TARGETS[field]
        if kind == "bool":
            if isinstance(value, bool):
                clean[field] = value
            else:
                problems.add(target, f"'{target}' must be true or false.")
        elif kind == "text":
            text = validation.text(
                problems, target, value, min_length=0, max_length=TERMS_MAX, multiline=True
            )
            if text is not None:
                clean[field] = text
        elif kind == "url":
            url = _url(problems, target, value)
            if url is not False:
                clean[field] = url
        else:
            key = _key(problems, target, value)
            if key is not None:
                clean[field] = key
    problems.raise_if_any()
    return clean


def _check_rules(name: str, merged: Mapping[str, Any]) -> None:
    problems = Collection()
    if name == SIGNUP and merged["terms_enabled"] and not str(merged["terms_text"]).strip():
        problems.add("termsOfService.text", "Terms of use that are shown need a text.")
    if name == SIGNUP and merged["terms_consent_required"] and not merged["terms_enabled"]:
        problems.add(
            "termsOfService.consentRequired",
            "Consent can only be required to terms that are shown: enable termsOfService too.",
        )
    delegated = name == DELEGATION and (merged["subscriptions"] or merged["user_registration"])
    if delegated and not merged["url"]:
        problems.add("url", "Delegation needs the URL of the publisher's delegation endpoint.")
    problems.raise_if_any()


def _check_etag(row: PortalSetting, expected_etag: str | None, *, required: bool) -> None:
    if expected_etag is None:
        if required:
            raise Invalid.field(
                "If-Match", "The 'If-Match' header is required; use '*' to skip the check."
            )
        return
    if expected_etag != "*" and expected_etag != row.etag:
        raise PreconditionFailed()


def change(
    ctx: InstanceContext,
    name: str,
    fields: Mapping[str, Any],
    *,
    expected_etag: str | None = None,
    etag_required: bool = False,
) -> PortalSetting:
    """Set the given fields of a setting and keep the others (APIM's PUT and PATCH both merge).

    Turning delegation on without a validation key creates one, which the publisher reads
    with `reveal_key`.
    """
    row = get_or_raise(ctx, name)
    _check_etag(row, expected_etag, required=etag_required)
    clean = _clean(row.name, fields)
    key = clean.pop("validation_key", None)
    merged = {**values(row), **clean}
    _check_rules(row.name, merged)
    generated = False
    delegated = row.name == DELEGATION and (merged["subscriptions"] or merged["user_registration"])
    if delegated and key is None and row.validation_key is None:
        key, generated = new_key(), True
    if key is not None:
        row.validation_key = ctx.runtime.secrets.encrypt(key, context=_key_context(row))
    row.values = merged
    ctx.read_once.pop(f"portal-setting:{row.name}", None)
    changes: dict[str, Any] = dict(clean)
    if key is not None:
        changes["validationKey"] = "generated" if generated else "set"
    audit.record(ctx, f"portalsettings.{row.name}.update", f"portalsettings/{row.name}", changes)
    ctx.session.flush()
    return row


def _reveal(ctx: InstanceContext, row: PortalSetting) -> str | None:
    if row.validation_key is None:
        return None
    return ctx.runtime.secrets.decrypt(row.validation_key, context=_key_context(row))


def has_key(ctx: InstanceContext) -> bool:
    """Whether the delegation has a validation key (without revealing it)."""
    return get_or_raise(ctx, DELEGATION).validation_key is not None


def reveal_key(ctx: InstanceContext) -> tuple[PortalSetting, str]:
    """The delegation's validation key (base64), created when there is none yet."""
    row = get_or_raise(ctx, DELEGATION)
    key = _reveal(ctx, row)
    if key is None:
        key = new_key()
        row.validation_key = ctx.runtime.secrets.encrypt(key, context=_key_context(row))
        audit.record(
            ctx,
            "portalsettings.delegation.update",
            "portalsettings/delegation",
            {"validationKey": "generated"},
        )
    audit.record(ctx, "portalsettings.delegation.list-secrets", "portalsettings/delegation")
    ctx.session.flush()
    return row, key


def signing_key(ctx: InstanceContext) -> bytes | None:
    """The raw bytes delegation requests are signed with, or None when no key is set."""
    key = _reveal(ctx, get_or_raise(ctx, DELEGATION))
    return base64.b64decode(key) if key is not None else None
