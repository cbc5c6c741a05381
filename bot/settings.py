"""The `Settings` model: every section, from the environment and the file (pydantic-settings).

Kept apart from `bot.config` (which reads the file, reports problems and re-exports `Settings`
on first use) so that importing the configuration's helpers does not import pydantic-settings:
`summarybot preview`, and `summarize` with nothing to read, never do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import Field, PrivateAttr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.config import (
    ENV_PREFIX,
    SECRET_KEYS,
    DiscordSettings,
    HttpSettings,
    LoggingSettings,
    set_path,
)
from delivery.settings import DeliverySettings
from scheduling.settings import RetentionSettings, SchedulingSettings, StorageSettings
from summarizer.settings import SummarizerSettings


class _SecretAliases(PydanticBaseSettingsSource):
    """Reads the two short secret variables people already know (`DISCORD_TOKEN`, …)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._environ = environ

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        """Unused: the whole mapping is produced by `__call__`."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for path, variable in SECRET_KEYS.items():
            value = self._environ.get(variable)
            if value:
                set_path(data, path, value)
        return data


class Settings(BaseSettings):
    """Everything summarybot can be told; see `config.example.toml` for each key."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
    )

    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    scheduling: SchedulingSettings = Field(default_factory=SchedulingSettings)
    summarizer: SummarizerSettings = Field(default_factory=SummarizerSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    _source: str = PrivateAttr(default="defaults")

    @property
    def source(self) -> str:
        """Where the file settings came from: a path, or "defaults" when there was no file."""
        return self._source

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment beats the file (passed as init values); no dotenv, no secrets dir."""
        return (_SecretAliases(settings_cls, os.environ), env_settings, init_settings)
