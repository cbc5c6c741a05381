"""Logging set-up: readable text by default, one JSON object per line for log collectors.

Every record passes `RedactingFilter` on its way out, in both formats: its message, its
traceback and its extra fields are masked (`bot.ops.redact`) before any formatter sees them.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.config import LoggingSettings, Settings
from bot.ops.redact import Redactor

# What every LogRecord has; anything else on a record came from `extra=` (e.g. `schedule_id`).
_STANDARD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_PLAIN = (int, float, bool, type(None))


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The context a caller attached with `extra=`."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_FIELDS}


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message"}` (+ `"exc"` with the trace, + extras) per record."""

    def format(self, record: logging.LogRecord) -> str:
        """One line of JSON for one record."""
        entry: dict[str, Any] = dict(extra_fields(record))
        entry.update(
            {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            }
        )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's final message, traceback, stack and extra fields.

    The record is rewritten in place (message formatted, `args` dropped, the traceback
    rendered into `exc_text`), because formatters read those fields and would otherwise
    render the unmasked originals.
    """

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record with its secrets masked; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it when the record is emitted
            return True
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in extra_fields(record).items():
            if not isinstance(value, _PLAIN):
                setattr(record, name, self.redact(str(value)))
        return True


class _NoVoiceWarnings(logging.Filter):
    """summarybot never joins voice, so "PyNaCl/davey is not installed" only misleads."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop discord.py's missing-voice-library warnings."""
        return "voice will NOT be supported" not in record.getMessage()


def known_secrets(settings: Settings) -> list[str]:
    """The configured secret values (bot token, LLM API key), masked by value in every log."""
    values = [settings.discord.token, settings.summarizer.llm.api_key]
    return [value.get_secret_value() for value in values if value is not None]


def configure_logging(settings: LoggingSettings, *, secrets: Iterable[str] = ()) -> None:
    """Send logs to stderr at the configured level and format, with secrets masked.

    `secrets` are values to mask wherever they appear (see `known_secrets`); tokens, keys
    and webhook URLs are masked by their shape as well.
    """
    handler = logging.StreamHandler(sys.stderr)
    if settings.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(Redactor(secrets)))
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
