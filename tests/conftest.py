"""Fixtures every test may use: an isolated environment and a fresh database."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from scheduling.store import Store
from tests.postgres import PostgresServer

# Property tests are deterministic: the same examples on every run and machine, so CI cannot
# pass one day and fail the next. `HYPOTHESIS_PROFILE=explore` searches afresh.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's summarybot variables or Discord token."""
    for name in list(os.environ):
        if name.upper().startswith("SUMMARYBOT_") or name.upper() == "DISCORD_TOKEN":
            monkeypatch.delenv(name)


# The loggers `configure_logging` (run by `summarybot run` in tests) changes.
LOGGERS = ("", "discord", "discord.client", "apscheduler")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """A test that configured logging leaves no handler on a stream pytest has closed."""
    loggers = [logging.getLogger(name) for name in LOGGERS]
    saved = [(lg, lg.level, lg.handlers[:], lg.filters[:]) for lg in loggers]
    yield
    for logger, level, handlers, filters in saved:
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.filters[:] = filters


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated database in a temporary directory."""
    opened = await Store.open(tmp_path / "summarybot.db")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL, started on first use (about a second) and removed at the end.

    Its folder is outside pytest's: as root, the server runs as a user of its own, and every
    pytest session that starts meanwhile resets `/tmp/pytest-of-root` to mode 0700, locking
    that user out of a running server's files (a checkpoint then PANICs on
    `global/pg_control: Permission denied`).
    """
    folder = Path(tempfile.mkdtemp(prefix="summarybot-postgres-"))
    folder.chmod(0o755)  # the server's own user must reach its folder
    server = PostgresServer(folder, durable=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty PostgreSQL database for this test, dropped after it."""
    name, url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(name)
