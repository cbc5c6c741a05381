"""The store's connection: opening either database, migrating, one transaction at a time.

The query groups speak to a `Database` (store/_driver.py): SQLite by default, PostgreSQL when
`storage.url` names one. One connection per process; the store's lock keeps one transaction
on it at a time, and every write runs inside `_write()`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from scheduling.errors import StoreError
from scheduling.models import AuditEntry
from scheduling.shards import ShardPlan
from scheduling.store._driver import Database, IntegrityViolation, settled

# The notification every committed schedule change sends (`watch_schedules`).
SCHEDULES_CHANNEL = "summarybot_schedules"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def encode_time(value: datetime) -> str:
    """Fixed-width UTC text, so that SQL string order is time order."""
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def decode_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def optional_time(value: datetime | None) -> str | None:
    return None if value is None else encode_time(value)


def migrations() -> list[tuple[int, str, str]]:
    """The bundled migrations as (version, file name, SQL), in order, numbered without gaps."""
    found = []
    for entry in resources.files("scheduling.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise StoreError(f"migration {name} is out of sequence (expected {expected:03d})")
    return found


class StoreBase:
    """Connection handling shared by the query groups that make up `Store`."""

    def __init__(self, database: Database) -> None:
        self._db = database
        # One connection is shared by every task: this lock keeps one transaction at a time.
        self._lock = asyncio.Lock()
        self.schema_version = 0
        # The shards this process serves: what the scheduler restores, fires and recovers is
        # limited to their guilds. None: every guild (one process).
        self.plan: ShardPlan | None = None

    async def serve(self, plan: ShardPlan | None) -> None:
        """Read and change only `plan`'s guilds from now on (None: every guild).

        A plan of part of the shards gets an index by shard on PostgreSQL, so that a process's
        restore reads its own due schedules, not every process's (`index_shards`).
        """
        if plan is not None and not plan.everything:
            async with self._lock:
                await self._db.index_shards(plan.count)
        self.plan = plan

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql` (for `summarybot check` and status)."""
        return self._db.dialect

    @property
    def target(self) -> str:
        """The database as messages name it: a file path, or a URL without its password."""
        return self._db.target

    @classmethod
    async def open(cls, path: str | Path) -> Self:
        """Open (creating if needed) and migrate a SQLite file; refuses newer schemas."""
        from scheduling.store.sqlite import SqliteDatabase

        return await cls._opened(await SqliteDatabase.open(path))

    @classmethod
    async def open_url(cls, url: str, password: str | None = None) -> Self:
        """Connect to and migrate a PostgreSQL database; refuses newer schemas.

        Planner statistics a bulk change left stale are refreshed before anything reads: the
        restore that follows pages through the next-fire index, and PostgreSQL without them
        plans those pages badly until autovacuum comes round (`PostgresDatabase.optimize`).
        """
        from scheduling.store.postgres import PostgresDatabase

        store = await cls._opened(await PostgresDatabase.open(url, password))
        await store.optimize()
        return store

    @classmethod
    async def _opened(cls, database: Database) -> Self:
        store = cls(database)
        try:
            store.schema_version = await database.migrate(migrations())
        except BaseException:
            await database.close()
            raise
        return store

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _in_plan(self, guild_column: str = "guild_id") -> str:
        """` AND …` keeping only the guilds of this process's shards ('' for all of them)."""
        plan = self.plan
        if plan is None or plan.everything:
            return ""
        shards = ", ".join(str(int(shard)) for shard in plan.shards)
        return f" AND ({guild_column} >> 22) % {int(plan.count)} IN ({shards})"

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = (await self._db.execute(sql, params)).rows
        return rows[0][0] if rows else None

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return (await self._db.execute(sql, params)).rows

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[Database]:
        async with self._lock:
            try:
                await settled(self._db.begin())
            except asyncio.CancelledError:
                if self._db.in_transaction:
                    await settled(self._db.rollback())
                raise
            try:
                yield self._db
            except BaseException:
                await settled(self._db.rollback())
                raise
            await settled(self._db.commit())

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[None]:
        async with self._lock:
            yield

    async def watch_schedules(self, callback: Callable[[], None]) -> bool:
        """Call `callback` whenever any process commits a schedule change (PostgreSQL).

        False on SQLite, which cannot tell: the change poll alone finds such changes there.
        """
        async with self._lock:
            return await self._db.listen(SCHEDULES_CHANNEL, callback)

    async def integrity_check(self) -> str:
        """The database's own verdict (`ok` when sound)."""
        async with self._read():
            return await self._db.integrity_check()

    async def optimize(self) -> None:
        """Let the database refresh its query-planner statistics (cheap; part of cleanup)."""
        async with self._lock:
            await self._db.optimize()

    async def check_writable(self, timeout_seconds: float = 1.0) -> None:
        """Prove that a write could happen now (the health check); raises `StoreError` if not.

        Nothing is kept, and a database another writer holds is reported within
        `timeout_seconds` instead of after the 5-second lock wait.
        """
        try:
            async with asyncio.timeout(timeout_seconds):
                await self._lock.acquire()
        except TimeoutError:
            raise StoreError(
                f"busy: no write slot on the connection within {timeout_seconds:g} s"
            ) from None
        try:
            await self._db.check_writable(timeout_seconds)
        finally:
            self._lock.release()

    @staticmethod
    async def _insert_audit(db: Database, entry: AuditEntry) -> int:
        result = await db.execute(
            "INSERT INTO audit_log (at, guild_id, schedule_id, actor, action, detail)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (
                encode_time(entry.at),
                entry.guild_id,
                entry.schedule_id,
                entry.actor,
                str(entry.action),
                json.dumps(entry.detail, sort_keys=True, default=str),
            ),
        )
        return int(result.rows[0][0])


def where(*conditions: tuple[str, Any]) -> tuple[str, list[Any]]:
    """A `WHERE` clause for the conditions whose value is not None (`("status = ?", x)`)."""
    used = [(sql, value) for sql, value in conditions if value is not None]
    clause = " WHERE " + " AND ".join(sql for sql, _ in used) if used else ""
    return clause, [value for _, value in used]


def is_duplicate(exc: IntegrityViolation, column: str) -> bool:
    """Whether `exc` is a UNIQUE violation on `column` (`table.column`)."""
    return exc.kind == "unique" and exc.column == column
