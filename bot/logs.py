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
    # discord.py's gateway chatter is noise at INFO.
    level = logging.getLevelName(settings.level)
    logging.getLogger("discord").setLevel(max(level, logging.INFO))
    # APScheduler logs every job it runs at INFO (the 5 s poll included): only its problems.
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
