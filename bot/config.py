"""Settings, read once from the environment and an optional ``.env`` file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET = 16  # a webhook secret anyone could guess would let them post updates as anyone
SECRET_RULE = f"{MIN_SECRET}-256 characters from A-Z a-z 0-9 _ -"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite+aiosqlite:///data/bot.sqlite3")
    discord_token: SecretStr | None = None
    telegram_token: SecretStr | None = None
    content_dir: Path = Path("content")
    default_timezone: str = "UTC"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["plain", "json"] = "plain"
    data_dir: Path = Path("data")
    # how long start-up waits for a PostgreSQL server that does not answer yet (the Docker image: 60)
    database_wait_seconds: float = Field(default=5.0, ge=0, le=3600)

    # platform plumbing (used by the adapters)
    telegram_api_base_url: str | None = None
    discord_api_base_url: str | None = None
    discord_gateway_url: str | None = None
    discord_dev_guild_id: int | None = None
    discord_shard_count: int | None = Field(default=None, ge=1)
    # the shards this process runs (a comma list, e.g. "0,1"), of DISCORD_SHARD_COUNT; unset: all of them
    discord_shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None

    # Telegram webhook mode (unset URL: long polling). The URL is what Telegram posts to (a load balancer
    # in front of several processes); each process listens on LISTEN:PORT at the URL's path. The listen
    # addresses are this machine only by default; the Docker image sets 0.0.0.0 (the container's network).
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_webhook_secret: SecretStr | None = Field(default=None, validate_default=True)

    # operations: GET /healthz and /metrics on this port (unset: off)
    ops_port: int | None = Field(default=None, ge=0, le=65535)
    ops_listen: str = "127.0.0.1"

    # reminders
    reminder_grace_minutes: int = Field(default=60, ge=0, le=24 * 60)

    @field_validator("discord_token", "telegram_token", "telegram_webhook_secret", "telegram_webhook_url",
                     "ops_port", "discord_shard_count", "discord_shard_ids", mode="before")
    @classmethod
    def _empty_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {v!r} (try e.g. Europe/Berlin)") from None
        return v

    @field_validator("database_url")
    @classmethod
    def _db(cls, v: str) -> str:
        if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", v):
            raise ValueError(
                "expected sqlite+aiosqlite:///path/to/file.sqlite3 or postgresql+asyncpg://user@host/db"
            )
        return v

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, v: object) -> object:
        if isinstance(v, str):
            if not v.strip():
                return None
            try:
                return tuple(int(x) for x in v.replace(" ", "").split(",") if x)
            except ValueError:
                raise ValueError(f"expected a comma list of shard numbers like 0,1 (got {v!r})") from None
        return v

    @field_validator("discord_shard_ids")
    @classmethod
    def _shards(cls, v: tuple[int, ...] | None, info: ValidationInfo) -> tuple[int, ...] | None:
        if v is None:
            return None
        count = info.data.get("discord_shard_count")
        if count is None:
            raise ValueError("needs DISCORD_SHARD_COUNT (the total number of shards over all processes)")
        if not v or len(set(v)) != len(v) or any(not 0 <= i < count for i in v):
            raise ValueError(f"expected distinct shard numbers from 0 to {count - 1} (DISCORD_SHARD_COUNT={count})")
        return tuple(sorted(v))

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_url(cls, v: str | None) -> str | None:
        if v is None:
            return None
        parts = urlsplit(v)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("expected the public URL Telegram posts to, like https://bot.example.org/telegram")
        return v

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, v: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if info.data.get("telegram_webhook_url") is None:
            return v
        if v is None:
            raise ValueError(f"required when TELEGRAM_WEBHOOK_URL is set ({SECRET_RULE})")
        value = v.get_secret_value()
        if not re.fullmatch(r"[A-Za-z0-9_-]+", value) or not MIN_SECRET <= len(value) <= 256:
            raise ValueError(f"expected {SECRET_RULE}; got {len(value)} character(s) (e.g. "
                             f"python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        return v

    @property
    def webhook_path(self) -> str:
        """The path the webhook listens on: the URL's path (``/`` when it has none)."""
        return urlsplit(self.telegram_webhook_url or "").path or "/"

    @property
    def secrets(self) -> list[str]:
        """Every secret value set, for log redaction."""
        return [s.get_secret_value() for s in (self.discord_token, self.telegram_token,
                                                self.telegram_webhook_secret) if s]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class SettingsError(Exception):
    """One clear line naming the bad setting; never includes a token's value."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        msg = err["msg"].removeprefix("Value error, ")
        raise SettingsError(f"bad setting {name}: {msg}") from None


def redact_url(url: str) -> str:
    """A database URL with any password hidden, for logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
