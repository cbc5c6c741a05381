"""The only place that speaks SQL: a repository over SQLite or PostgreSQL that returns models.

`Store` is assembled from query groups (schedules, runs, deliveries and audit, guilds) over one
connection of either driver (store/sqlite.py, store/postgres.py). Callers never see a row or
a cursor, nor which database answers.
"""

from __future__ import annotations

from pathlib import Path

from scheduling.errors import StoreError
from scheduling.settings import StorageSettings
from scheduling.store._base import encode_time, migrations
from scheduling.store.deliveries import DeliveryQueries
from scheduling.store.fires import FireQueries
from scheduling.store.guilds import GuildQueries
from scheduling.store.schedules import ScheduleChange, ScheduleTiming

__all__ = [
    "ScheduleChange",
    "ScheduleTiming",
    "Store",
    "encode_time",
    "migrations",
    "open_store",
    "storage_target",
]


class Store(DeliveryQueries, GuildQueries, FireQueries):
    """Schedules, runs, deliveries, the audit log and guild choices in one database."""


async def open_store(storage: StorageSettings) -> Store:
    """The configured database, opened and migrated: PostgreSQL with `url`, else the file."""
    if storage.url is None:
        return await Store.open(Path(storage.path))
    try:
        import asyncpg  # noqa: F401 -- only to tell a missing driver apart
    except ImportError:
        raise StoreError(
            "storage.url names a PostgreSQL server, but its driver is not installed:"
            " pip install 'summarybot[postgresql]'"
        ) from None
    return await Store.open_url(storage.url, storage.password_text())


def storage_target(storage: StorageSettings) -> str:
    """How messages name the configured database (never with a password)."""
    if storage.url is None:
        return storage.path
    from scheduling.store.postgres import redacted

    return redacted(storage.url)
