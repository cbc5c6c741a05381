"""Run queries: claims, outcomes, anchors and retention."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from scheduling.errors import NotFoundError
from scheduling.models import ANCHORING_STATUSES, Run, RunStatus, Schedule
from scheduling.stats import RunFact
from scheduling.store._base import decode_time, encode_time, optional_time
from scheduling.store._driver import IntegrityViolation
from scheduling.store.schedules import ScheduleChange, ScheduleQueries

RUN_COLUMNS = (
    "id, schedule_id, scheduled_for, trigger, triggered_by, status, attempt, window_start,"
    " window_end, message_count, error, started_at, finished_at"
)
# The same columns of `runs r` in a join.
RUN_COLUMNS_OF_R = ", ".join(f"r.{column.strip()}" for column in RUN_COLUMNS.split(","))


class RunQueries(ScheduleQueries):
    """Claim slots, record outcomes, find anchors, delete old runs."""

    async def claim_run(self, run: Run) -> Run | None:
        """Insert the run for its slot, or return None when that slot was claimed already."""
        try:
            return await self._claim_run(run)
        except IntegrityViolation:
            raise NotFoundError(f"no schedule {run.schedule_id}") from None

    async def _claim_run(self, run: Run) -> Run | None:
        async with self._write() as db:
            result = await db.execute(
                "INSERT INTO runs (schedule_id, scheduled_for, trigger, triggered_by, status,"
                " attempt, window_start, window_end, message_count, error, started_at,"
                " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (schedule_id, scheduled_for) DO NOTHING RETURNING id",
                (
                    run.schedule_id,
                    encode_time(run.scheduled_for),
                    str(run.trigger),
                    run.triggered_by,
                    *run_mutable(run),
                ),
            )
        return run.model_copy(update={"id": result.rows[0][0]}) if result.rows else None

    async def update_run(self, run: Run) -> None:
        """Write a run's progress or outcome (status, window, counts, error, times)."""
        if run.id is None:
            raise ValueError("update_run needs a stored run (id is None)")
        async with self._write() as db:
            result = await db.execute(
                "UPDATE runs SET status = ?, attempt = ?, window_start = ?, window_end = ?,"
                " message_count = ?, error = ?, started_at = ?, finished_at = ? WHERE id = ?",
                (*run_mutable(run), run.id),
            )
            if result.rowcount == 0:
                raise NotFoundError(f"no run {run.id}")

    async def get_run(self, run_id: int) -> Run | None:
        """One run by id."""
        async with self._read():
            rows = await self._rows(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))  # noqa: S608
        return run_from_row(rows[0]) if rows else None

    async def list_runs(
        self,
        schedule_id: str,
        limit: int = 50,
        statuses: Iterable[RunStatus] | None = None,
        offset: int = 0,
    ) -> list[Run]:
        """A schedule's runs, newest slot first."""
        sql = f"SELECT {RUN_COLUMNS} FROM runs WHERE schedule_id = ?"  # noqa: S608
        params: list[Any] = [schedule_id]
        if statuses is not None:
            wanted = [str(status) for status in statuses]
            sql += f" AND status IN ({', '.join('?' * len(wanted))})"
            params.extend(wanted)
        sql += " ORDER BY scheduled_for DESC, id DESC LIMIT ? OFFSET ?"
        params.extend((limit, offset))
        async with self._read():
            rows = await self._rows(sql, params)
        return [run_from_row(row) for row in rows]

    async def finish_run(
        self, run: Run, change: ScheduleChange | None = None
    ) -> tuple[Schedule, Schedule] | None:
        """Write a run's outcome and move its schedule's counters in one transaction."""
        if run.id is None:
            raise ValueError("finish_run needs a stored run (id is None)")
        async with self._write() as db:
            await db.execute(
                "UPDATE runs SET status = ?, attempt = ?, window_start = ?, window_end = ?,"
                " message_count = ?, error = ?, started_at = ?, finished_at = ? WHERE id = ?",
                (*run_mutable(run), run.id),
            )
            if change is None:
                return None
            return await self._modify_in(db, run.schedule_id, change)

    async def latest_anchor(self, schedule_id: str) -> Run | None:
        """The run whose window the next window continues from (None before the first)."""
        wanted = sorted(str(status) for status in ANCHORING_STATUSES)
        async with self._read():
            rows = await self._rows(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE schedule_id = ?"  # noqa: S608
                f" AND status IN ({', '.join('?' * len(wanted))}) AND window_end IS NOT NULL"
                " ORDER BY window_end DESC, id DESC LIMIT 1",
                (schedule_id, *wanted),
            )
        return run_from_row(rows[0]) if rows else None

    async def latest_run(self, schedule_id: str) -> Run | None:
        """The run of the latest slot, whatever its outcome (catch-up starts after it)."""
        runs = await self.list_runs(schedule_id, limit=1)
        return runs[0] if runs else None

    async def latest_slots(self) -> dict[str, datetime]:
        """Each schedule's latest claimed slot (start-up compares it with missed fire times)."""
        async with self._read():
            rows = await self._rows(
                "SELECT schedule_id, MAX(scheduled_for) FROM runs GROUP BY schedule_id"
            )
        return {row[0]: datetime.fromisoformat(row[1]) for row in rows}

    async def runs_with_status(self, *statuses: RunStatus) -> list[Run]:
        """Every run in the given states (e.g. `running` and `interrupted` at start-up).

        Only of this process's shards' guilds: another process recovers the others.
        """
        wanted = [str(status) for status in statuses]
        async with self._read():
            scope = self._in_plan("s.guild_id")
            rows = await self._rows(
                f"SELECT {RUN_COLUMNS_OF_R} FROM runs r JOIN schedules s ON s.id = r.schedule_id"  # noqa: S608
                f" WHERE r.status IN ({', '.join('?' * len(wanted))}){scope} ORDER BY r.id",
                wanted,
            )
        return [run_from_row(row) for row in rows]

    async def count_runs_since(self, since: datetime) -> dict[RunStatus, int]:
        """Runs started since `since`, per status."""
        async with self._read():
            rows = await self._rows(
                "SELECT status, COUNT(*) FROM runs WHERE started_at >= ? GROUP BY status",
                (encode_time(since),),
            )
        return {RunStatus(row[0]): row[1] for row in rows}

    async def guild_runs_since(self, guild_id: int, since: datetime) -> list[RunFact]:
        """Every run of a guild's schedules started since `since` (for `/summarybot stats`)."""
        async with self._read():
            rows = await self._rows(
                "SELECT r.schedule_id, r.status, r.started_at, r.finished_at, r.message_count"
                " FROM runs r JOIN schedules s ON s.id = r.schedule_id"
                " WHERE s.guild_id = ? AND r.started_at >= ? ORDER BY r.started_at, r.id",
                (guild_id, encode_time(since)),
            )
        return [
            RunFact(
                schedule_id=row[0],
                status=row[1],
                started_at=decode_time(row[2]),
                finished_at=decode_time(row[3]),
                message_count=row[4],
            )
            for row in rows
        ]

    async def save_summary(self, run_id: int, summary_json: str) -> None:
        """Keep the digest with its run: pending deliveries are resumed from it after a crash."""
        async with self._write() as db:
            await db.execute("UPDATE runs SET summary = ? WHERE id = ?", (summary_json, run_id))

    async def load_summary(self, run_id: int) -> str | None:
        """The stored digest of a run, as written by `save_summary`."""
        async with self._read():
            return await self._scalar("SELECT summary FROM runs WHERE id = ?", (run_id,))

    async def delete_runs_before(self, cutoff: datetime) -> int:
        """Delete runs (with deliveries and summaries) started before `cutoff`.

        Each schedule's anchoring run is kept whatever its age: deleting it would make the
        next window start from the lookback again and summarize old messages twice or skip some.
        """
        wanted = sorted(str(status) for status in ANCHORING_STATUSES)
        marks = ", ".join("?" * len(wanted))
        async with self._write() as db:
            result = await db.execute(
                "DELETE FROM runs WHERE started_at < ? AND status != 'running' AND id NOT IN ("  # noqa: S608
                " SELECT (SELECT a.id FROM runs a WHERE a.schedule_id = s.id"
                f" AND a.status IN ({marks}) AND a.window_end IS NOT NULL"
                " ORDER BY a.window_end DESC, a.id DESC LIMIT 1) FROM schedules s)",
                (encode_time(cutoff), *wanted),
            )
            return result.rowcount

    async def delete_audit_before(self, cutoff: datetime) -> int:
        """Delete audit entries older than `cutoff`."""
        async with self._write() as db:
            result = await db.execute("DELETE FROM audit_log WHERE at < ?", (encode_time(cutoff),))
            return result.rowcount


def run_mutable(run: Run) -> tuple[Any, ...]:
    """The columns a run's progress changes, in UPDATE order."""
    return (
        str(run.status),
        run.attempt,
        optional_time(run.window_start),
        optional_time(run.window_end),
        run.message_count,
        run.error,
        encode_time(run.started_at),
        optional_time(run.finished_at),
    )


def run_from_row(row: Sequence[Any]) -> Run:
    """A `Run` from a row selected with `RUN_COLUMNS`."""
    return Run(
        id=row[0],
        schedule_id=row[1],
        scheduled_for=decode_time(row[2]),
        trigger=row[3],
        triggered_by=row[4],
        status=row[5],
        attempt=row[6],
        window_start=decode_time(row[7]),
        window_end=decode_time(row[8]),
        message_count=row[9],
        error=row[10],
        started_at=decode_time(row[11]),
        finished_at=decode_time(row[12]),
    )
