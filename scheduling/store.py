"""The only module that speaks SQL: an aiosqlite repository that returns pydantic models.

One connection per process, in autocommit mode, with explicit `BEGIN IMMEDIATE` around every
write so read-then-write sequences cannot interleave with another writer. Callers never see a
row or a cursor; a PostgreSQL sibling of this class could replace it without callers changing.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiosqlite
from pydantic import TypeAdapter

from delivery.models import Destination
from scheduling.errors import DuplicateError, NotFoundError, StoreError
from scheduling.models import (
    AuditAction,
    AuditEntry,
    Delivery,
    DeliveryStatus,
    Run,
    RunStatus,
    Schedule,
    ScheduleStatus,
)

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_DESTINATION = TypeAdapter(Destination)


def encode_time(value: datetime) -> str:
    """Fixed-width UTC text, so that SQL string order is time order."""
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _decode_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _optional_time(value: datetime | None) -> str | None:
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


class Store:
    """Schedules, runs, deliveries and the audit log in one SQLite file (WAL)."""

    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self._db = connection
        self._path = path
        # One connection is shared by every task: this lock keeps one transaction at a time.
        self._lock = asyncio.Lock()
        self.schema_version = 0

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) and migrate the database; refuses newer schemas."""
        target = str(path)
        if target != ":memory:":
            file = Path(target)
            if file.is_dir():  # noqa: ASYNC240 -- once, at start-up, before any I/O matters
                raise StoreError(f"{file}: is a directory, not a database file")
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"{file.parent}: cannot create directory: {exc.strerror}"
                ) from None
        try:
            connection = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{target}: cannot open database: {exc}") from None
        store = cls(connection, target)
        try:
            await store._configure()
            await store._migrate()
        except BaseException:
            await connection.close()
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

    async def _configure(self) -> None:
        try:
            await self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await self._db.execute("PRAGMA foreign_keys = ON")
            mode = await self._scalar("PRAGMA journal_mode = WAL")
            await self._db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self._path}: not a summarybot database ({exc})") from None
        if self._path != ":memory:" and str(mode).lower() != "wal":
            raise StoreError(f"{self._path}: cannot switch the database to WAL mode (got {mode})")

    async def _migrate(self) -> None:
        known = migrations()
        latest = known[-1][0] if known else 0
        current = int(await self._scalar("PRAGMA user_version") or 0)
        if current > latest:
            raise StoreError(
                f"{self._path}: the database has schema version {current}, but this summarybot "
                f"only knows up to {latest}; it was written by a newer release. Upgrade "
                "summarybot (the database was left untouched)."
            )
        for version, name, sql in known:
            if version <= current:
                continue
            try:
                # executescript would commit an open transaction first, so the script carries
                # its own BEGIN/COMMIT; a failure leaves the transaction open for ROLLBACK.
                await self._db.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
                )
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
                raise StoreError(f"{self._path}: migration {name} failed: {exc}") from None
        self.schema_version = max(current, latest)

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._db.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[None]:
        async with self._lock:
            yield

    async def integrity_check(self) -> str:
        """SQLite's own verdict on the file (`ok` when sound)."""
        async with self._read():
            return str(await self._scalar("PRAGMA integrity_check"))

    # --- schedules --------------------------------------------------------------------------

    async def insert_schedule(self, schedule: Schedule, audit: AuditEntry | None = None) -> None:
        """Store a new schedule (and its audit entry, atomically); refuses a duplicate id."""
        try:
            async with self._write() as db:
                await db.execute(
                    "INSERT INTO schedules (id, guild_id, status, created_by, created_at,"
                    " updated_at, spec) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    _schedule_row(schedule),
                )
                if audit is not None:
                    await self._insert_audit(db, audit)
        except sqlite3.IntegrityError as exc:
            if _is_duplicate(exc, "schedules.id"):
                raise DuplicateError(f"a schedule with id {schedule.id} already exists") from None
            raise StoreError(f"schedule {schedule.id} refused by the database: {exc}") from None

    async def insert_schedules(self, schedules: Iterable[Schedule], actor: str) -> int:
        """Store many schedules in one transaction (import): all or nothing."""
        count = 0
        try:
            async with self._write() as db:
                for schedule in schedules:
                    await db.execute(
                        "INSERT INTO schedules (id, guild_id, status, created_by, created_at,"
                        " updated_at, spec) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        _schedule_row(schedule),
                    )
                    await self._insert_audit(
                        db,
                        AuditEntry(
                            guild_id=schedule.guild_id,
                            schedule_id=schedule.id,
                            actor=actor,
                            action=AuditAction.IMPORTED,
                        ),
                    )
                    count += 1
        except sqlite3.IntegrityError as exc:
            what = "a schedule id exists already" if _is_duplicate(exc, "schedules.id") else exc
            raise DuplicateError(f"import refused, nothing was written: {what}") from None
        return count

    async def update_schedule(self, schedule: Schedule, audit: AuditEntry | None = None) -> None:
        """Replace a stored schedule with `schedule` (same id)."""
        async with self._write() as db:
            cursor = await db.execute(
                "UPDATE schedules SET guild_id = ?, status = ?, created_by = ?, created_at = ?,"
                " updated_at = ?, spec = ? WHERE id = ?",
                (*_schedule_row(schedule)[1:], schedule.id),
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no schedule {schedule.id}")
            if audit is not None:
                await self._insert_audit(db, audit)

    async def delete_schedule(self, schedule_id: str, audit: AuditEntry | None = None) -> bool:
        """Delete a schedule with its runs and deliveries; the audit log keeps its history."""
        async with self._write() as db:
            cursor = await db.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
            if cursor.rowcount and audit is not None:
                await self._insert_audit(db, audit)
            return cursor.rowcount > 0

    async def get_schedule(self, schedule_id: str, guild_id: int | None = None) -> Schedule | None:
        """One schedule; with `guild_id`, a schedule of another guild is not found."""
        sql, params = "SELECT spec FROM schedules WHERE id = ?", [schedule_id]
        if guild_id is not None:
            sql += " AND guild_id = ?"
            params.append(guild_id)
        async with self._read():
            spec = await self._scalar(sql, params)
        return None if spec is None else Schedule.model_validate_json(spec)

    async def list_schedules(
        self, guild_id: int | None = None, status: ScheduleStatus | None = None
    ) -> list[Schedule]:
        """Schedules, oldest first, optionally of one guild and/or one status."""
        clauses, params = [], []
        if guild_id is not None:
            clauses.append("guild_id = ?")
            params.append(guild_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(str(status))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        async with self._read():
            rows = await self._rows(
                f"SELECT spec FROM schedules{where} ORDER BY created_at, id",  # noqa: S608
                params,
            )
        return [Schedule.model_validate_json(row[0]) for row in rows]

    # --- runs -------------------------------------------------------------------------------

    async def claim_run(self, run: Run) -> Run | None:
        """Insert the run for its slot, or return None when that slot was claimed already."""
        try:
            return await self._claim_run(run)
        except sqlite3.IntegrityError:
            raise NotFoundError(f"no schedule {run.schedule_id}") from None

    async def _claim_run(self, run: Run) -> Run | None:
        async with self._write() as db:
            cursor = await db.execute(
                "INSERT INTO runs (schedule_id, scheduled_for, trigger, triggered_by, status,"
                " attempt, window_start, window_end, message_count, error, started_at,"
                " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (schedule_id, scheduled_for) DO NOTHING RETURNING id",
                (
                    run.schedule_id,
                    encode_time(run.scheduled_for),
                    str(run.trigger),
                    run.triggered_by,
                    *_run_mutable(run),
                ),
            )
            row = await cursor.fetchone()
            await cursor.close()
        return None if row is None else run.model_copy(update={"id": row[0]})

    async def update_run(self, run: Run) -> None:
        """Write a run's progress or outcome (status, window, counts, error, times)."""
        if run.id is None:
            raise ValueError("update_run needs a stored run (id is None)")
        async with self._write() as db:
            cursor = await db.execute(
                "UPDATE runs SET status = ?, attempt = ?, window_start = ?, window_end = ?,"
                " message_count = ?, error = ?, started_at = ?, finished_at = ? WHERE id = ?",
                (*_run_mutable(run), run.id),
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no run {run.id}")

    async def get_run(self, run_id: int) -> Run | None:
        """One run by id."""
        async with self._read():
            rows = await self._rows(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))  # noqa: S608
        return _run(rows[0]) if rows else None

    async def list_runs(
        self,
        schedule_id: str,
        limit: int = 50,
        statuses: Iterable[RunStatus] | None = None,
    ) -> list[Run]:
        """A schedule's runs, newest slot first."""
        sql = f"SELECT {_RUN_COLUMNS} FROM runs WHERE schedule_id = ?"  # noqa: S608
        params: list[Any] = [schedule_id]
        if statuses is not None:
            wanted = [str(status) for status in statuses]
            sql += f" AND status IN ({', '.join('?' * len(wanted))})"
            params.extend(wanted)
        sql += " ORDER BY scheduled_for DESC, id DESC LIMIT ?"
        params.append(limit)
        async with self._read():
            rows = await self._rows(sql, params)
        return [_run(row) for row in rows]

    # --- deliveries -------------------------------------------------------------------------

    async def create_deliveries(
        self, run_id: int, destinations: Iterable[Destination]
    ) -> list[Delivery]:
        """Write one `pending` row per destination (the outbox); existing rows are kept."""
        try:
            return await self._create_deliveries(run_id, destinations)
        except sqlite3.IntegrityError:
            raise NotFoundError(f"no run {run_id}") from None

    async def _create_deliveries(
        self, run_id: int, destinations: Iterable[Destination]
    ) -> list[Delivery]:
        async with self._write() as db:
            for destination in destinations:
                row = Delivery(run_id=run_id, destination=destination)
                await db.execute(
                    "INSERT INTO deliveries (id, run_id, destination_id, destination, status,"
                    " attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)"
                    " ON CONFLICT (run_id, destination_id) DO NOTHING",
                    (
                        row.id,
                        run_id,
                        destination.id,
                        _DESTINATION.dump_json(destination).decode(),
                        str(row.status),
                        encode_time(row.created_at),
                        encode_time(row.updated_at),
                    ),
                )
            rows = await self._rows(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE run_id = ? ORDER BY rowid",  # noqa: S608
                (run_id,),
            )
        return [_delivery(row) for row in rows]

    async def update_delivery(self, delivery: Delivery) -> None:
        """Record an attempt's outcome on the delivery row."""
        async with self._write() as db:
            cursor = await db.execute(
                "UPDATE deliveries SET status = ?, attempts = ?, last_error = ?, http_status = ?,"
                " external_id = ?, duration_ms = ?, updated_at = ?, delivered_at = ?"
                " WHERE id = ?",
                (
                    str(delivery.status),
                    delivery.attempts,
                    delivery.last_error,
                    delivery.http_status,
                    delivery.external_id,
                    delivery.duration_ms,
                    encode_time(delivery.updated_at),
                    _optional_time(delivery.delivered_at),
                    delivery.id,
                ),
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no delivery {delivery.id}")

    async def list_deliveries(
        self, run_id: int | None = None, status: DeliveryStatus | None = None
    ) -> list[Delivery]:
        """Deliveries of one run and/or in one state (e.g. every `pending` row at start-up)."""
        clauses, params = [], []
        if run_id is not None:
            clauses.append("run_id = ?")
            params.append(run_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(str(status))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        async with self._read():
            rows = await self._rows(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries{where} ORDER BY rowid",  # noqa: S608
                params,
            )
        return [_delivery(row) for row in rows]

    # --- audit ------------------------------------------------------------------------------

    async def append_audit(self, entry: AuditEntry) -> AuditEntry:
        """Append one audit entry and return it with its id."""
        async with self._write() as db:
            entry_id = await self._insert_audit(db, entry)
        return entry.model_copy(update={"id": entry_id})

    async def list_audit(
        self, guild_id: int | None = None, schedule_id: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Audit entries, newest first."""
        clauses, params = [], []
        if guild_id is not None:
            clauses.append("guild_id = ?")
            params.append(guild_id)
        if schedule_id is not None:
            clauses.append("schedule_id = ?")
            params.append(schedule_id)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        async with self._read():
            rows = await self._rows(
                "SELECT id, at, guild_id, schedule_id, actor, action, detail FROM audit_log"  # noqa: S608
                f"{where} ORDER BY at DESC, id DESC LIMIT ?",
                [*params, limit],
            )
        return [
            AuditEntry(
                id=row[0],
                at=_decode_time(row[1]),
                guild_id=row[2],
                schedule_id=row[3],
                actor=row[4],
                action=row[5],
                detail=json.loads(row[6]),
            )
            for row in rows
        ]

    @staticmethod
    async def _insert_audit(db: aiosqlite.Connection, entry: AuditEntry) -> int:
        cursor = await db.execute(
            "INSERT INTO audit_log (at, guild_id, schedule_id, actor, action, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                encode_time(entry.at),
                entry.guild_id,
                entry.schedule_id,
                entry.actor,
                str(entry.action),
                json.dumps(entry.detail, sort_keys=True, default=str),
            ),
        )
        return int(cursor.lastrowid or 0)


def _is_duplicate(exc: sqlite3.IntegrityError, column: str) -> bool:
    # sqlite3 exposes no constraint name, only this message ("UNIQUE constraint failed: t.c").
    return f"UNIQUE constraint failed: {column}" in str(exc)


# --- row <-> model ---------------------------------------------------------------------------

_RUN_COLUMNS = (
    "id, schedule_id, scheduled_for, trigger, triggered_by, status, attempt, window_start,"
    " window_end, message_count, error, started_at, finished_at"
)
_DELIVERY_COLUMNS = (
    "id, run_id, destination, status, attempts, last_error, http_status, external_id,"
    " duration_ms, created_at, updated_at, delivered_at"
)


def _schedule_row(schedule: Schedule) -> tuple[Any, ...]:
    return (
        schedule.id,
        schedule.guild_id,
        str(schedule.status),
        schedule.created_by,
        encode_time(schedule.created_at),
        encode_time(schedule.updated_at),
        schedule.model_dump_json(),
    )


def _run_mutable(run: Run) -> tuple[Any, ...]:
    return (
        str(run.status),
        run.attempt,
        _optional_time(run.window_start),
        _optional_time(run.window_end),
        run.message_count,
        run.error,
        encode_time(run.started_at),
        _optional_time(run.finished_at),
    )


def _run(row: Sequence[Any]) -> Run:
    return Run(
        id=row[0],
        schedule_id=row[1],
        scheduled_for=_decode_time(row[2]),
        trigger=row[3],
        triggered_by=row[4],
        status=row[5],
        attempt=row[6],
        window_start=_decode_time(row[7]),
        window_end=_decode_time(row[8]),
        message_count=row[9],
        error=row[10],
        started_at=_decode_time(row[11]),
        finished_at=_decode_time(row[12]),
    )


def _delivery(row: Sequence[Any]) -> Delivery:
    return Delivery(
        id=row[0],
        run_id=row[1],
        destination=_DESTINATION.validate_json(row[2]),
        status=row[3],
        attempts=row[4],
        last_error=row[5],
        http_status=row[6],
        external_id=row[7],
        duration_ms=row[8],
        created_at=_decode_time(row[9]),
        updated_at=_decode_time(row[10]),
        delivered_at=_decode_time(row[11]),
    )
