"""Settings, read from environment variables with the prefix `APIDESK_`.

Every command of the CLI reads them, so reading them must be cheap (issue 12): a
pydantic-settings model cost `apidesk users list` about 100 ms of CPU, most of it importing
Pydantic. The fields are declared below, with their bounds, as plain class attributes.
`Settings(**overrides)` takes each value from the keyword arguments, else from the environment
variable `APIDESK_<NAME>` (the name compared without regard to case), else the default, as
pydantic-settings does. A value in its plain form within its bounds is taken as it is: text
for text, a whole number written plainly for a number, one of the words of a `Literal`, a path.
For anything else (an unusual spelling, a value out of bounds, two spellings of one variable)
the whole set is handed to a pydantic-settings model built from the same declarations
(`pydantic_model()`), so what is accepted, and every error message, is Pydantic's.
tests/cli/test_settings.py compares the two readers value by value.
"""

from __future__ import annotations

import copy
import os
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints


class Secret:
    """A value kept out of logs and reprs, as `pydantic.SecretStr` keeps it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __repr__(self) -> str:
        return f"Secret('{self}')"


@dataclass(frozen=True)
class _Spec:
    default: Any
    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    description: str | None = None


def setting(
    default: Any,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    description: str | None = None,
) -> Any:
    """A field's default, bounds and description (what `pydantic.Field` took here)."""
    return _Spec(default, ge, le, gt, description)


class Settings:
    database_url: str = setting(
        "sqlite:///./apidesk.db",
        description="`sqlite:///path` (WAL, foreign keys on) or `postgresql://user@host:port/db`.",
    )
    database_read_urls: str = setting(
        "",
        description="Comma-separated PostgreSQL URLs of hot standbys that serve reads once "
        "they have caught up with the primary (docs/deploy.md).",
    )
    public_url: str = setting(
        "http://127.0.0.1:8000",
        description="Where people and clients reach this service; links in e-mails and "
        "`nextLink` fall back to it.",
    )
    secret_key: Secret | None = setting(
        None,
        description="Base64 of 32 random bytes that encrypts keys at rest. When unset, a key "
        "file is used (created on first start).",
    )
    secret_key_file: Path | None = setting(
        None,
        description="Where the generated secret key lives; default: beside the SQLite "
        "database, or `./apidesk.key` for PostgreSQL.",
    )

    default_service_name: str = "apidesk"
    default_subscription_id: str = "00000000-0000-0000-0000-000000000000"
    default_resource_group: str = "apidesk"
    default_publisher_email: str = "admin@example.com"
    default_publisher_name: str = "Apidesk"

    password_min_length: int = setting(8, ge=1, le=128)
    password_min_strength: int = setting(
        1, ge=0, le=4, description="Lowest zxcvbn score (0-4) an admin-set password may have."
    )
    argon2_time_cost: int = setting(2, ge=1)
    argon2_memory_kib: int = setting(19456, ge=8)
    argon2_parallelism: int = setting(1, ge=1)

    max_body_bytes: int = setting(1024 * 1024, ge=1024)
    page_size: int = setting(100, ge=1)
    max_page_size: int = setting(1000, ge=1)
    sso_token_minutes: int = setting(10, ge=1)

    invitation_hours: float = setting(48, gt=0, description="How long an invitation link works.")
    password_reset_minutes: float = setting(60, gt=0, description="How long a reset link works.")
    confirmation_hours: float = setting(
        48, gt=0, description="How long a sign-up or e-mail-change confirmation link works."
    )
    session_hours: float = setting(12, gt=0, description="Lifetime of a developer-portal session.")
    portal_forms_per_window: int = setting(
        60,
        ge=1,
        description="Forms (sign-in, forgot password, links) one client address may send to "
        "an instance's portal in ten minutes.",
    )

    smtp_host: str | None = setting(None, description="SMTP server; unset keeps e-mail queued.")
    smtp_port: int | None = setting(None, ge=1, le=65535, description="Default: 25, 587, 465.")
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str | None = None
    smtp_password: Secret | None = None
    smtp_timeout_seconds: float = setting(30, gt=0)
    smtp_ca_file: Path | None = setting(
        None, description="CA certificates (PEM) to trust for the SMTP server's TLS certificate."
    )
    outbox_poll_seconds: float = setting(2, gt=0, description="How often the dispatcher looks.")
    outbox_max_attempts: int = setting(8, ge=1, description="Attempts before a message fails.")
    outbox_retry_seconds: float = setting(
        30, gt=0, description="First retry delay; each later one doubles, up to an hour."
    )

    metrics_token: Secret | None = setting(
        None,
        description="Bearer token that `/metrics` asks for; unset, only loopback clients may "
        "read it.",
    )

    workers: int | None = setting(
        None,
        ge=1,
        le=64,
        description="Worker processes of `apidesk serve`; default one per CPU core.",
    )

    log_level: Literal["debug", "info", "warning", "error"] = "info"

    def __init__(self, **values: Any) -> None:
        read = _read_plainly(values)
        if read is None:
            read = _read_by_pydantic(values)
        for name, value in read.items():
            object.__setattr__(self, name, value)

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Settings:
        """A copy with `update` applied as given, unchecked (as Pydantic's `model_copy`)."""
        values = {name: getattr(self, name) for name in FIELDS}
        if deep:
            values = copy.deepcopy(values)
        values.update(update or {})
        copied = object.__new__(Settings)
        for name, value in values.items():
            object.__setattr__(copied, name, value)
        return copied

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Settings are not changed once read; use model_copy(update=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Settings are not changed once read")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and all(
            getattr(self, name) == getattr(other, name) for name in FIELDS
        )

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in FIELDS))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in FIELDS)
        return f"Settings({shown})"

    @property
    def read_urls(self) -> list[str]:
        return [url.strip() for url in self.database_read_urls.split(",") if url.strip()]

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_smtp_port(self) -> int:
        if self.smtp_port is not None:
            return self.smtp_port
        return {"none": 25, "starttls": 587, "tls": 465}[self.smtp_security]

    def resolved_secret_key_file(self) -> Path:
        if self.secret_key_file is not None:
            return self.secret_key_file
        if self.is_sqlite:
            from apidesk.storage.database import sqlite_path

            path = sqlite_path(self.database_url)
            if path is not None:
                return path.with_name(path.name + ".key")
        return Path("apidesk.key")


def _strip_slash(value: str) -> str:
    return value.rstrip("/")


# Applied after a field's type is checked, by both readers.
AFTER: dict[str, Any] = {"public_url": _strip_slash}

# The plain reader's answer when a value is not in its plain form: Pydantic decides.
_ASK_PYDANTIC = object()
_WHOLE = re.compile(r"-?(0|[1-9][0-9]{0,17})")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?")


@dataclass(frozen=True)
class _Field:
    name: str
    hint: Any
    spec: _Spec

    @cached_property
    def kind(self) -> Any:
        """The type without `None`, or a tuple of a `Literal`'s words."""
        hint = self.hint
        if get_origin(hint) in (Union, types.UnionType):
            hint = next(arg for arg in get_args(hint) if arg is not type(None))
        if get_origin(hint) is Literal:
            return get_args(hint)
        return hint

    @property
    def optional(self) -> bool:
        return type(None) in get_args(self.hint)

    def from_text(self, text: str) -> Any:
        """An environment variable's value, as Pydantic would read it, or `_ASK_PYDANTIC`."""
        kind = self.kind
        if not _is_text(text):
            return _ASK_PYDANTIC
        if kind is str:
            return text
        if isinstance(kind, tuple):
            return text if text in kind else _ASK_PYDANTIC
        if kind is int:
            return self._bounded(int(text)) if _WHOLE.fullmatch(text) else _ASK_PYDANTIC
        if kind is float:
            return self._bounded(float(text)) if _DECIMAL.fullmatch(text) else _ASK_PYDANTIC
        if kind is Path and text:
            return Path(text)
        if kind is Secret and text:
            return Secret(text)
        return _ASK_PYDANTIC

    def given(self, value: Any) -> Any:
        """A keyword argument's value, as Pydantic would take it, or `_ASK_PYDANTIC`."""
        kind = self.kind
        if value is None:
            return None if self.optional else _ASK_PYDANTIC
        if isinstance(value, str):
            plain_text = kind in (str, Path, Secret) or isinstance(kind, tuple)
            return self.from_text(value) if plain_text else _ASK_PYDANTIC
        if kind is int and type(value) is int:
            return self._bounded(value)
        if kind is float and type(value) in (int, float) and abs(value) < 2**53:  # finite
            return self._bounded(float(value))
        if kind is Path and type(value) is type(Path()):
            return value
        return _ASK_PYDANTIC

    def _bounded(self, number: float) -> Any:
        ge, le, gt = self.spec.ge, self.spec.le, self.spec.gt
        inside = (ge is None or number >= ge) and (le is None or number <= le)
        return number if inside and (gt is None or number > gt) else _ASK_PYDANTIC


def _is_text(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # lone surrogates: what undecodable bytes in the environment give
        return False
    return True


def _fields() -> dict[str, _Field]:
    hints = get_type_hints(Settings)
    found = {}
    for name, hint in hints.items():
        declared = Settings.__dict__[name]
        spec = declared if isinstance(declared, _Spec) else _Spec(declared)
        found[name] = _Field(name, hint, spec)
        delattr(Settings, name)  # an instance's own value is the only one
    return found


FIELDS = _fields()
PREFIX = "apidesk_"


def _environment() -> dict[str, str] | None:
    """`APIDESK_*` variables by their lower-case name, or None if a name is spelt twice."""
    found: dict[str, str] = {}
    for key, value in os.environ.items():
        lower = key.lower()
        if lower.startswith(PREFIX):
            if lower in found:
                return None
            found[lower] = value
    return found


def _read_plainly(values: Mapping[str, Any]) -> dict[str, Any] | None:
    """Every field's value, or None where one is for Pydantic to decide."""
    if any(name not in FIELDS for name in values):
        return None
    environment = _environment()
    if environment is None:
        return None
    read: dict[str, Any] = {}
    for name, field in FIELDS.items():
        if name in values:
            value = field.given(values[name])
        elif PREFIX + name in environment:
            value = field.from_text(environment[PREFIX + name])
        else:
            value = field.given(field.spec.default)  # pydantic-settings checks defaults too
        if value is _ASK_PYDANTIC:
            return None
        after = AFTER.get(name)
        read[name] = value if after is None else after(value)
    return read


def _read_by_pydantic(values: Mapping[str, Any]) -> dict[str, Any]:
    from pydantic import SecretStr

    model = pydantic_model()(**values)
    read = {}
    for name in FIELDS:
        value = getattr(model, name)
        read[name] = Secret(value.get_secret_value()) if isinstance(value, SecretStr) else value
    return read


_MODEL: Any = None


def pydantic_model() -> Any:
    """The settings as a pydantic-settings model, built from the declarations above (with
    `pydantic.SecretStr` for `Secret`); `Settings` hands it whatever is not plain."""
    global _MODEL
    if _MODEL is not None:
        return _MODEL
    from pydantic import Field, SecretStr, create_model, field_validator
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class Base(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="APIDESK_", extra="ignore", frozen=True)

    fields: dict[str, Any] = {}
    for name, field in FIELDS.items():
        hint = field.hint
        if field.kind is Secret:
            hint = SecretStr | None if field.optional else SecretStr
        spec = field.spec
        bounds = {key: getattr(spec, key) for key in ("ge", "le", "gt")}
        bounds = {key: value for key, value in bounds.items() if value is not None}
        fields[name] = (hint, Field(spec.default, description=spec.description, **bounds))
    validators = {
        f"_after_{name}": field_validator(name)(_as_validator(check))
        for name, check in AFTER.items()
    }
    _MODEL = create_model(
        "Settings", __base__=Base, __module__=__name__, __validators__=validators, **fields
    )
    return _MODEL


def _as_validator(check: Any) -> Any:
    def validate(cls: type, value: Any) -> Any:
        return check(value)

    return classmethod(validate)
