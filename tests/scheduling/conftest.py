"""Fixtures for scheduling tests (the fakes live in `scheduling_fakes`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest
from scheduling_fakes import FakeClock, Harness

from scheduling.settings import SchedulingSettings
from scheduling.store import Store
from tests.postgres import PostgresServer

# The store and the scheduler behave the same on both databases: every test that takes the
# `store`, `backend` or `harness` fixture runs once on SQLite and once on PostgreSQL.
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: PostgresServer) -> str:
    """One migrated database the PostgreSQL leg's tests share, emptied before each.

    A new database per test cost about 0.2 s (create, migrate, drop) on each of over a hundred
    tests; emptying the tables costs a few milliseconds. Tests of migrating itself take
    `postgres_url`, an empty database of their own.
    """
    _, url = postgres_server.new_database("scheduling")

    async def migrate() -> None:
        await (await Store.open_url(url)).close()

    # First asked for inside a test's running loop (by `database_url`): a thread has none.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, migrate()).result()
    return url


async def emptied(url: str) -> str:
    """Every table but the schema version emptied, ids restarting from 1, like a new one."""
    connection = await asyncpg.connect(url)
    try:
        # A test that left a transaction open would make TRUNCATE wait: fail instead.
        await connection.execute("SET lock_timeout = '10s'")
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables"
            " WHERE schemaname = current_schema() AND tablename <> 'schema_version'"
        )
        names = ", ".join(f'"{row[0]}"' for row in tables)
        await connection.execute(f"TRUNCATE {names} RESTART IDENTITY")
    finally:
        await connection.close()
    return url


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    """An empty migrated PostgreSQL database's URL on the PostgreSQL leg; None on SQLite's."""
    if backend == "sqlite":
        return None
    return await emptied(request.getfixturevalue("migrated_postgres"))


@pytest.fixture
async def store(tmp_path, database_url) -> AsyncIterator[Store]:
    """A migrated database: a SQLite file, or a new PostgreSQL database."""
    opened = await (
        Store.open_url(database_url) if database_url else Store.open(tmp_path / "summarybot.db")
    )
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def harness(tmp_path, clock, database_url):
    settings = SchedulingSettings(
        min_interval_seconds=60, retry_attempts=2, retry_base_seconds=10, max_consecutive_failures=3
    )
    made = Harness(path=tmp_path / "bot.db", clock=clock, settings=settings, url=database_url)
    await made.open()
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture
def open_again(tmp_path, database_url):
    """Opens another connection to the `store` fixture's database, as a second process would."""

    async def opener() -> Store:
        if database_url:
            return await Store.open_url(database_url)
        return await Store.open(tmp_path / "summarybot.db")

    return opener
