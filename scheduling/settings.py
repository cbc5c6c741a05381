"""Settings owned by the scheduling package: `[storage]`, `[scheduling]` and `[retention]`."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from scheduling.bounds import MAX_SPAN_SECONDS
from scheduling.cron import normalize, parse_cron
from scheduling.zones import canonical_zone_name

MAX_RETENTION_DAYS = 36500


class StorageSettings(BaseModel):
    """Where the database lives: a SQLite file (the default) or a PostgreSQL server (`url`)."""

    model_config = ConfigDict(extra="forbid")

    # The SQLite file; relative paths are from the working directory. Unused with `url`.
    path: str = Field(default="data/summarybot.db", min_length=1)
    # postgresql://user@host[:port]/database[?options]: PostgreSQL instead of the file.
    url: str | None = None
    # The PostgreSQL password: from SUMMARYBOT_STORAGE__PASSWORD only (or libpq's own
    # PGPASSWORD / ~/.pgpass), never from the file or the URL.
    password: SecretStr | None = None

    def password_text(self) -> str | None:
        """The PostgreSQL password as the driver takes it (None: libpq's own sources)."""
        return self.password.get_secret_value() if self.password is not None else None

    @field_validator("path")
    @classmethod
    def _a_file(cls, value: str) -> str:
        # A server's URL here would quietly become folders and a SQLite file named after it.
        if "://" in value:
            raise ValueError(
                "is a URL, not a file: a PostgreSQL server goes in storage.url; storage.path is"
                " the SQLite file (e.g. data/summarybot.db)"
            )
        return value

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        try:
            parts = urlsplit(value)
            password = parts.password
        except ValueError as exc:
            raise ValueError(f"not a URL: {exc}") from None
        if parts.scheme not in {"postgresql", "postgres"}:
            raise ValueError(
                "must start with postgresql:// (a PostgreSQL server); for a SQLite file set"
                " storage.path instead"
            )
        if password:  # `user:@host` (empty) holds nothing secret
            raise ValueError(
                "holds a password; remove it from the URL and set SUMMARYBOT_STORAGE__PASSWORD"
                " (or PGPASSWORD)"
            )
        return value


class SchedulingSettings(BaseModel):
    """How schedules fire, catch up, retry and pause themselves."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    # "auto": enough runs at once to keep Discord's global rate limit busy at the measured
    # latency (scheduling/slots.py); a number fixes it.
    max_concurrent_runs: int | Literal["auto"] = "auto"
    # Durations that become timedeltas are at most ten years, as a schedule's own interval and
    # lookback: a value past timedelta's range would fail at run time, not here.
    misfire_grace_seconds: int = Field(default=3600, ge=1, le=MAX_SPAN_SECONDS)
    catch_up: Literal["coalesce", "skip"] = "coalesce"
    max_lookback_hours: int = Field(default=168, ge=1, le=MAX_SPAN_SECONDS // 3600)
    run_timeout_seconds: int = Field(default=900, ge=1)
    retry_attempts: int = Field(default=3, ge=0)
    retry_base_seconds: float = Field(default=60, ge=0)
    max_consecutive_failures: int = Field(default=5, ge=1)
    min_interval_seconds: int = Field(default=300, ge=1, le=MAX_SPAN_SECONDS)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return canonical_zone_name(value)

    @field_validator("max_concurrent_runs", mode="before")
    @classmethod
    def _auto_or_count(cls, value: Any) -> int | str:
        # One clear line instead of one error per member of the union.
        text = value.strip().lower() if isinstance(value, str) else None
        if text == "auto":
            return "auto"
        number: int | None = None
        if text is not None and text.lstrip("-").isdigit() and len(text) <= 18:
            number = int(text)
        elif isinstance(value, int | float) and not isinstance(value, bool) and value % 1 == 0:
            number = int(value)
        if number is None:
            raise ValueError(f'expected "auto" or a whole number, got {value!r}')
        if number < 1:
            raise ValueError(f"must be at least 1, got {value!r}")
        return number


class RetentionSettings(BaseModel):
    """How long runs, digest files and audit entries are kept before cleanup removes them."""

    model_config = ConfigDict(extra="forbid")

    # At most a century: cleanup subtracts these from now.
    runs_days: int = Field(default=90, ge=1, le=MAX_RETENTION_DAYS)
    files_days: int = Field(default=30, ge=1, le=MAX_RETENTION_DAYS)
    audit_days: int = Field(default=365, ge=1, le=MAX_RETENTION_DAYS)
    cleanup_cron: str = "30 3 * * *"

    @field_validator("cleanup_cron")
    @classmethod
    def _crontab(cls, value: str) -> str:
        parse_cron(value)  # RecurrenceError is a ValueError: pydantic reports its message
        return normalize(value)
