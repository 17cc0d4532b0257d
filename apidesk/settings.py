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

    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_secret_key_file(self) -> Path:
        if self.secret_key_file is not None:
            return self.secret_key_file
        if self.is_sqlite:
            from apidesk.storage.database import sqlite_path

            path = sqlite_path(self.database_url)
            if path is not None:
                return path.with_name(path.name + ".key")
        return Path("apidesk.key")
