"""Settings, read from environment variables with the prefix `APIDESK_`."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APIDESK_", extra="ignore", frozen=True)

    database_url: str = Field(
        "sqlite:///./apidesk.db",
        description="`sqlite:///path` (WAL, foreign keys on) or `postgresql://user@host:port/db`.",
    )
    database_read_urls: str = Field(
        "",
        description="Comma-separated PostgreSQL URLs of hot standbys that serve reads once "
        "they have caught up with the primary (docs/deploy.md).",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Where people and clients reach this service; links in e-mails and "
        "`nextLink` fall back to it.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Base64 of 32 random bytes that encrypts keys at rest. When unset, a key "
        "file is used (created on first start).",
    )
    secret_key_file: Path | None = Field(
        None,
        description="Where the generated secret key lives; default: beside the SQLite "
        "database, or `./apidesk.key` for PostgreSQL.",
    )

    default_service_name: str = "apidesk"
    default_subscription_id: str = "00000000-0000-0000-0000-000000000000"
    default_resource_group: str = "apidesk"
    default_publisher_email: str = "admin@example.com"
    default_publisher_name: str = "Apidesk"

    password_min_length: int = Field(8, ge=1, le=128)
    password_min_strength: int = Field(
        1, ge=0, le=4, description="Lowest zxcvbn score (0-4) an admin-set password may have."
    )
    argon2_time_cost: int = Field(2, ge=1)
    argon2_memory_kib: int = Field(19456, ge=8)
    argon2_parallelism: int = Field(1, ge=1)

    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    page_size: int = Field(100, ge=1)
    max_page_size: int = Field(1000, ge=1)
    sso_token_minutes: int = Field(10, ge=1)

    invitation_hours: float = Field(48, gt=0, description="How long an invitation link works.")
    password_reset_minutes: float = Field(60, gt=0, description="How long a reset link works.")
    confirmation_hours: float = Field(
        48, gt=0, description="How long a sign-up or e-mail-change confirmation link works."
    )
    session_hours: float = Field(12, gt=0, description="Lifetime of a developer-portal session.")
    portal_forms_per_window: int = Field(
        60,
        ge=1,
        description="Forms (sign-in, forgot password, links) one client address may send to "
        "an instance's portal in ten minutes.",
    )

    smtp_host: str | None = Field(None, description="SMTP server; unset keeps e-mail queued.")
    smtp_port: int | None = Field(None, ge=1, le=65535, description="Default: 25, 587, 465.")
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(30, gt=0)
    smtp_ca_file: Path | None = Field(
        None, description="CA certificates (PEM) to trust for the SMTP server's TLS certificate."
    )
    outbox_poll_seconds: float = Field(2, gt=0, description="How often the dispatcher looks.")
    outbox_max_attempts: int = Field(8, ge=1, description="Attempts before a message fails.")
    outbox_retry_seconds: float = Field(
        30, gt=0, description="First retry delay; each later one doubles, up to an hour."
    )

    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token that `/metrics` asks for; unset, only loopback clients may "
        "read it.",
    )

    workers: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Worker processes of `apidesk serve`; default one per CPU core.",
    )

    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

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
