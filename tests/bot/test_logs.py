"""Logging at INFO says what summarybot does, not what its libraries chatter about."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.config import LoggingSettings
from bot.logs import configure_logging

NAMES = ("", "discord", "discord.client", "apscheduler")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in NAMES]
    saved = [(lg, lg.level, lg.handlers[:], lg.filters[:]) for lg in loggers]
    yield
    for logger, level, handlers, filters in saved:
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.filters[:] = filters


def test_scheduler_job_runs_are_not_logged_at_info(capsys):
    configure_logging(LoggingSettings(level="INFO"))
    logging.getLogger("apscheduler.executors.default").info('Running job "TaskScheduler.poll"')
    logging.getLogger("bot.app").info("synced 0 global commands")
    err = capsys.readouterr().err
    assert "Running job" not in err
    assert "synced 0 global commands" in err


def test_scheduler_warnings_still_show_at_info(capsys):
    configure_logging(LoggingSettings(level="INFO"))
    logging.getLogger("apscheduler.executors.default").warning("Run time of job was missed")
    assert "Run time of job was missed" in capsys.readouterr().err


def test_scheduler_debug_shows_when_debugging(capsys):
    configure_logging(LoggingSettings(level="DEBUG"))
    logging.getLogger("apscheduler.scheduler").debug("Looking for jobs to run")
    assert "Looking for jobs to run" in capsys.readouterr().err


def test_missing_voice_libraries_are_not_warned_about(capsys):
    configure_logging(LoggingSettings(level="INFO"))
    client = logging.getLogger("discord.client")
    client.warning("PyNaCl is not installed, voice will NOT be supported")
    client.warning("Application has an interaction endpoint URL set")
    err = capsys.readouterr().err
    assert "voice" not in err
    assert "interaction endpoint URL" in err
