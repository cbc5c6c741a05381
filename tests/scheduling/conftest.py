"""Fixtures for scheduling tests (the fakes live in `scheduling_fakes`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from scheduling_fakes import FakeClock, Harness

from scheduling.settings import SchedulingSettings
from scheduling.store import Store

# The store and the scheduler behave the same on both databases: every test that takes the
# `store`, `backend` or `harness` fixture runs once on SQLite and once on PostgreSQL.
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    """A fresh PostgreSQL database's URL on the PostgreSQL leg; None on SQLite's."""
    if backend == "sqlite":
        return None
    return request.getfixturevalue("postgres_url")


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
