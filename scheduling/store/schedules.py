"""Schedule queries: the whole model is stored as JSON beside indexed copies of its keys."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter

from delivery.models import STORED
from scheduling.errors import DuplicateError, NotFoundError, StoreError
from scheduling.firing import next_fire
from scheduling.models import (
    AuditAction,
    AuditEntry,
    Recurrence,
    Schedule,
    ScheduleStatus,
)
from scheduling.store._base import (
    SCHEDULES_CHANNEL,
    StoreBase,
    encode_time,
    is_duplicate,
    optional_time,
    where,
)
from scheduling.store._driver import Database, IntegrityViolation

_RECURRENCE: TypeAdapter[Recurrence] = TypeAdapter(Recurrence)
_INSERT = (
    "INSERT INTO schedules (id, guild_id, status, created_by, created_at, updated_at, spec,"
    " next_fire_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE = (
    "UPDATE schedules SET guild_id = ?, status = ?, created_by = ?, created_at = ?,"
    " updated_at = ?, spec = ?"
)
# What `ScheduleTiming` is read from (`timing_from_row`).
TIMING_COLUMNS = (
    "id, status, json_extract(spec, '$.recurrence'), json_extract(spec, '$.timezone'),"
    " created_at, updated_at, next_fire_at"
)

# Called inside a write transaction with the stored schedule; returns the new one (or the same
# object for "no change") and the audit entry to append with it, if any.
ScheduleChange = Callable[[Schedule], tuple[Schedule, AuditEntry | None]]


class ScheduleTiming(BaseModel):
    """Just what it takes to put a schedule into APScheduler.

    Restoring 100,000 schedules reads these, not whole `Schedule` models, to keep start-up
    time and memory small.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    status: ScheduleStatus
    recurrence: Recurrence
    timezone: str
    created_at: datetime
    updated_at: datetime
    # The stored next fire not yet handled; None for a paused or finished schedule, and for an
    # active one whose next fire is unknown (stored before the column existed: due now).
    next_fire_at: datetime | None = None


class ScheduleQueries(StoreBase):
    """Insert, change, look up and delete schedules."""

    async def insert_schedule(self, schedule: Schedule, audit: AuditEntry | None = None) -> None:
        """Store a new schedule (and its audit entry, atomically); refuses a duplicate id."""
        try:
            async with self._write() as db:
                await db.execute(
                    _INSERT,
                    (*schedule_row(schedule), next_fire_column(schedule)),
                )
                if audit is not None:
                    await self._insert_audit(db, audit)
                await db.changed(SCHEDULES_CHANNEL)
        except IntegrityViolation as exc:
            if is_duplicate(exc, "schedules.id"):
                raise DuplicateError(f"a schedule with id {schedule.id} already exists") from None
            raise StoreError(f"schedule {schedule.id} refused by the database: {exc}") from None

    async def insert_schedules(
        self, schedules: Iterable[Schedule], actor: str, now: datetime
    ) -> int:
        """Store many schedules in one transaction (import): all or nothing."""
        count = 0
        try:
            async with self._write() as db:
                for schedule in schedules:
                    await db.execute(
                        _INSERT,
                        (*schedule_row(schedule), next_fire_column(schedule)),
                    )
                    await self._insert_audit(
                        db,
                        AuditEntry(
                            at=now,
                            guild_id=schedule.guild_id,
                            schedule_id=schedule.id,
                            actor=actor,
                            action=AuditAction.IMPORTED,
                        ),
                    )
                    count += 1
                await db.changed(SCHEDULES_CHANNEL)
        except IntegrityViolation as exc:
            what = "a schedule id exists already" if is_duplicate(exc, "schedules.id") else exc
            raise DuplicateError(f"import refused, nothing was written: {what}") from None
        return count

    async def import_schedules(
        self,
        creates: Sequence[tuple[Schedule, AuditEntry]],
        updates: Sequence[tuple[str, ScheduleChange]],
        guild_id: int,
    ) -> list[Schedule]:
        """Insert new schedules and change stored ones of a guild in one transaction.

        All or nothing (`/schedule import`): a duplicate id, a schedule gone from the guild, or
        a change function raising rolls everything back. Returns what was written.
        """
        written: list[Schedule] = []
        try:
            async with self._write() as db:
                for schedule, audit in creates:
                    await db.execute(
                        _INSERT,
                        (*schedule_row(schedule), next_fire_column(schedule)),
                    )
                    await self._insert_audit(db, audit)
                    written.append(schedule)
                for schedule_id, change in updates:
                    written.append((await self._modify_in(db, schedule_id, change, guild_id))[1])
                await db.changed(SCHEDULES_CHANNEL)
        except IntegrityViolation as exc:
            what = "a schedule id exists already" if is_duplicate(exc, "schedules.id") else exc
            raise DuplicateError(f"import refused, nothing was written: {what}") from None
        return written

    async def update_schedule(self, schedule: Schedule, audit: AuditEntry | None = None) -> None:
        """Replace a stored schedule with `schedule` (same id)."""
        async with self._write() as db:
            await self._modify_in(db, schedule.id, lambda _before: (schedule, audit))

    async def delete_schedule(self, schedule_id: str, audit: AuditEntry | None = None) -> bool:
        """Delete a schedule with its runs and deliveries; the audit log keeps its history."""
        async with self._write() as db:
            result = await db.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
            if result.rowcount and audit is not None:
                await self._insert_audit(db, audit)
            if result.rowcount:
                await db.changed(SCHEDULES_CHANNEL)
            return result.rowcount > 0

    async def modify_schedule(
        self, schedule_id: str, change: ScheduleChange, guild_id: int | None = None
    ) -> tuple[Schedule, Schedule]:
        """Read, change and write one schedule in a single transaction; returns (before, after).

        The read and the write cannot be split by another writer (BEGIN IMMEDIATE), so two
        processes pausing and editing at once never lose either change.
        """
        async with self._write() as db:
            return await self._modify_in(db, schedule_id, change, guild_id)

    async def modify_guild_schedules(
        self, guild_id: int, change: ScheduleChange, audit: AuditEntry | None = None
    ) -> list[tuple[Schedule, Schedule]]:
        """Apply `change` to every schedule of a guild in one transaction (guild-wide pause).

        All or nothing: an emergency stop never leaves half the guild running.
        """
        async with self._write() as db:
            ids = [
                row[0]
                for row in await self._rows(
                    "SELECT id FROM schedules WHERE guild_id = ? ORDER BY created_at, id",
                    (guild_id,),
                )
            ]
            changed = [await self._modify_in(db, schedule_id, change) for schedule_id in ids]
            if audit is not None:
                await self._insert_audit(db, audit)
            return changed

    async def _modify_in(
        self,
        db: Database,
        schedule_id: str,
        change: ScheduleChange,
        guild_id: int | None = None,
    ) -> tuple[Schedule, Schedule]:
        sql, params = "SELECT spec FROM schedules WHERE id = ?", [schedule_id]
        if guild_id is not None:
            sql += " AND guild_id = ?"
            params.append(guild_id)
        spec = await self._scalar(sql + db.row_lock, params)
        if spec is None:
            raise NotFoundError(f"no schedule {schedule_id}")
        before = Schedule.model_validate_json(spec, context=STORED)
        after, audit = change(before)
        if after is not before:
            if same_timing(before, after):  # counters, names, destinations: same next fire
                await db.execute(f"{_UPDATE} WHERE id = ?", (*schedule_row(after)[1:], schedule_id))
            else:
                await db.execute(
                    f"{_UPDATE}, next_fire_at = ? WHERE id = ?",
                    (*schedule_row(after)[1:], next_fire_column(after), schedule_id),
                )
                # When it fires changed: the owning process moves its job now, not at its
                # next poll. (A counter or a destination is read afresh by each run.)
                await db.changed(SCHEDULES_CHANNEL)
        if audit is not None:
            await self._insert_audit(db, audit)
        return before, after

    async def schedule_timings(
        self,
        status: ScheduleStatus | None = ScheduleStatus.ACTIVE,
        changed_since: datetime | None = None,
    ) -> list[ScheduleTiming]:
        """Timing data of many schedules at once (start-up restore, change polling)."""
        where_sql, params = where(
            ("status = ?", None if status is None else str(status)),
            ("updated_at >= ?", None if changed_since is None else encode_time(changed_since)),
        )
        scope = self._in_plan()
        if scope:
            where_sql = f"{where_sql}{scope}" if where_sql else f" WHERE 1 = 1{scope}"
        async with self._read():
            rows = await self._rows(
                f"SELECT {TIMING_COLUMNS} FROM schedules{where_sql}",  # noqa: S608
                params,
            )
        return [timing_from_row(row) for row in rows]

    async def schedules_with_rotated_secrets(self) -> list[str]:
        """Ids of schedules holding a rotated-out webhook signing secret (expired or not)."""
        # The one query each database words its own way: SQLite's json_each yields rows
        # with a `value`, PostgreSQL's json_array_elements yields the elements themselves.
        if self._db.dialect == "postgresql":
            elements = "json_array_elements(s.spec::json -> 'destinations') d"
            rotated = "d ->> 'previous_secret'"
        else:
            elements = "json_each(s.spec, '$.destinations') d"
            rotated = "json_extract(d.value, '$.previous_secret')"
        async with self._read():
            rows = await self._rows(
                f"SELECT s.id FROM schedules s WHERE EXISTS (SELECT 1 FROM {elements}"  # noqa: S608
                f" WHERE {rotated} IS NOT NULL){self._in_plan('s.guild_id')} ORDER BY s.id"
            )
        return [row[0] for row in rows]

    async def schedule_ids(self) -> set[str]:
        """Every stored schedule id (to notice deletions made by another process)."""
        async with self._read():
            return {row[0] for row in await self._rows("SELECT id FROM schedules")}

    async def count_schedules(self) -> dict[ScheduleStatus, int]:
        """Schedules per status."""
        async with self._read():
            rows = await self._rows("SELECT status, COUNT(*) FROM schedules GROUP BY status")
        return {ScheduleStatus(row[0]): row[1] for row in rows}

    async def get_schedule(self, schedule_id: str, guild_id: int | None = None) -> Schedule | None:
        """One schedule; with `guild_id`, a schedule of another guild is not found."""
        sql, params = "SELECT spec FROM schedules WHERE id = ?", [schedule_id]
        if guild_id is not None:
            sql += " AND guild_id = ?"
            params.append(guild_id)
        async with self._read():
            spec = await self._scalar(sql, params)
        return None if spec is None else Schedule.model_validate_json(spec, context=STORED)

    async def schedule_priority(self, schedule_id: str) -> str | None:
        """A schedule's priority alone (queueing for a run slot reads no whole model)."""
        async with self._read():
            return await self._scalar(
                "SELECT json_extract(spec, '$.priority') FROM schedules WHERE id = ?",
                (schedule_id,),
            )

    async def list_schedules(
        self, guild_id: int | None = None, status: ScheduleStatus | None = None
    ) -> list[Schedule]:
        """Schedules, oldest first, optionally of one guild and/or one status."""
        where_sql, params = where(
            ("guild_id = ?", guild_id), ("status = ?", None if status is None else str(status))
        )
        async with self._read():
            rows = await self._rows(
                f"SELECT spec FROM schedules{where_sql} ORDER BY created_at, id",  # noqa: S608
                params,
            )
        return [Schedule.model_validate_json(row[0], context=STORED) for row in rows]


def schedule_row(schedule: Schedule) -> tuple[Any, ...]:
    """The column values of a schedule row, `id` first."""
    return (
        schedule.id,
        schedule.guild_id,
        str(schedule.status),
        schedule.created_by,
        encode_time(schedule.created_at),
        encode_time(schedule.updated_at),
        schedule.model_dump_json(),
    )


def timing_from_row(row: Sequence[Any]) -> ScheduleTiming:
    """A `ScheduleTiming` from the `TIMING_COLUMNS` of a row."""
    # model_construct: the values were validated when the schedule was written.
    return ScheduleTiming.model_construct(
        id=row[0],
        status=ScheduleStatus(row[1]),
        recurrence=_RECURRENCE.validate_json(row[2], context=STORED),
        timezone=row[3],
        created_at=datetime.fromisoformat(row[4]),
        updated_at=datetime.fromisoformat(row[5]),
        next_fire_at=datetime.fromisoformat(row[6]) if row[6] else None,
    )


def same_timing(before: Schedule, after: Schedule) -> bool:
    """Whether a change leaves when a schedule fires alone (then its next fire stays)."""
    return (before.status, before.recurrence, before.timezone, before.created_at) == (
        after.status,
        after.recurrence,
        after.timezone,
        after.created_at,
    )


def next_fire_column(schedule: Schedule) -> str | None:
    """The `next_fire_at` written with a schedule's new timing: its first fire after the write.

    After, not at or after: `updated_at` is the moment of the change (creation, edit, resume),
    and a schedule fires from its next slot on, as APScheduler's first fire for a new job.
    """
    if schedule.status is not ScheduleStatus.ACTIVE:
        return None
    return optional_time(
        next_fire(schedule.recurrence, schedule.timezone, schedule.updated_at, schedule.created_at)
    )
