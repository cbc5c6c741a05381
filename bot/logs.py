"""Logging set-up: readable text by default, one JSON object per line for log collectors."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from bot.config import LoggingSettings


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message"}` (+ `"exc"` with the trace) per record."""

    def format(self, record: logging.LogRecord) -> str:
        """One line of JSON for one record."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _NoVoiceWarnings(logging.Filter):
    """summarybot never joins voice, so "PyNaCl/davey is not installed" only misleads."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop discord.py's missing-voice-library warnings."""
        return "voice will NOT be supported" not in record.getMessage()


def configure_logging(settings: LoggingSettings) -> None:
    """Send logs to stderr at the configured level and format."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level)
    level = logging.getLevelName(settings.level)
    # discord.py's gateway chatter is noise at INFO.
    logging.getLogger("discord").setLevel(max(level, logging.INFO))
    # Below WARNING unless debugging: APScheduler logs two INFO lines per run of the 5-second
    # poll job (~35,000 a day), and discord.client's only INFO line, "logging in using static
    # token", would precede even the one-line error for a refused token. Their warnings
    # (a missed run, an interactions endpoint URL set) still show.
    quiet = level if level <= logging.DEBUG else max(level, logging.WARNING)
    logging.getLogger("apscheduler").setLevel(quiet)
    client = logging.getLogger("discord.client")
    client.setLevel(quiet)
    client.filters[:] = [_NoVoiceWarnings()]
