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
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from apidesk.settings_reader import (
    Secret,
    declared_fields,
    read_by_pydantic,
    read_plainly,
    setting,
)
from apidesk.settings_reader import pydantic_model as _model_of


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
        read = read_plainly(FIELDS, AFTER, values)
        if read is None:
            read = read_by_pydantic(pydantic_model(), values)
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


FIELDS = declared_fields(Settings)
_MODEL: Any = None


def pydantic_model() -> Any:
    """The settings as a pydantic-settings model, built from the declarations above;
    `Settings` hands it whatever is not plain."""
    global _MODEL
    if _MODEL is None:
        _MODEL = _model_of(FIELDS, AFTER, __name__)
    return _MODEL
