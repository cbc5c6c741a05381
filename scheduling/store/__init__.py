"""The only place that speaks SQL: an aiosqlite repository that returns pydantic models.

`Store` is assembled from query groups (schedules, runs, deliveries and audit, guilds) over one
connection. Callers never see a row or a cursor, so a PostgreSQL sibling could replace it
without callers changing.
"""

from __future__ import annotations

from scheduling.store._base import encode_time, migrations
from scheduling.store.deliveries import DeliveryQueries
from scheduling.store.fires import FireQueries
from scheduling.store.guilds import GuildQueries
from scheduling.store.schedules import ScheduleChange, ScheduleTiming

__all__ = ["ScheduleChange", "ScheduleTiming", "Store", "encode_time", "migrations"]


class Store(DeliveryQueries, GuildQueries, FireQueries):
    """Schedules, runs, deliveries, the audit log and guild choices in one SQLite file (WAL)."""
