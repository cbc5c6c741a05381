"""Next-fire queries: what the restore horizon reads instead of every schedule.

`schedules.next_fire_at` holds each active schedule's earliest fire not yet handled (see
migration 006). The scheduler keeps APScheduler jobs only for schedules due soon and finds
the rest here, through an index, a page at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from scheduling.store._base import StoreBase, encode_time, optional_time
from scheduling.store.schedules import TIMING_COLUMNS, ScheduleTiming, timing_from_row

# Where a page of `due_timings` ended: the last row's (next_fire_at, id) as stored.
FireKey = tuple[str, str]
# What a page of `due_timings` is chosen with; `TIMING_COLUMNS` are then read from it.
_PAGE_COLUMNS = "id, status, spec, created_at, updated_at, next_fire_at"
# Bound parameters per `IN (…)` list: far below SQLite's limit on every version.
_CHUNK = 500
# Next-fire moves per statement (three parameters each: under SQLite's old limit of 999).
_MOVES = 300


class FireQueries(StoreBase):
    """Read and advance the next fire times of schedules."""

    async def due_timings(
        self,
        before: datetime,
        after: FireKey | None = None,
        limit: int = 500,
        *,
        since: datetime | None = None,
    ) -> tuple[list[ScheduleTiming], FireKey | None]:
        """One page of active schedules whose next fire is before `before`, earliest first.

        From `since` on (inclusive) if given, else from the first, unknown ('') ones included.
        Pages, not one list: the caller adds each page's jobs and lets the event loop run
        before the next, and the store's lock is never held across them. Returns the page and
        the key to pass for the next one (None after the last page).
        """
        # ids are never empty, so (since, '') starts at `since` itself.
        last = after or ("" if since is None else encode_time(since), "")
        async with self._read():
            # `+status`: judged row by row, so that SQLite walks the next-fire index in order
            # instead of every active schedule through the status index, then sorting. The
            # page is chosen first and only its rows' JSON is read: PostgreSQL without fresh
            # statistics (after a bulk import) sorts every remaining due row for each page,
            # and reading two JSON fields of each before the sort cost 0.2 s a page at 30,000.
            rows = await self._rows(
                f"SELECT {TIMING_COLUMNS} FROM ("  # noqa: S608
                f"SELECT {_PAGE_COLUMNS} FROM schedules"
                " WHERE +status = 'active' AND next_fire_at IS NOT NULL AND next_fire_at < ?"
                f" AND (next_fire_at, id) > (?, ?){self._in_plan()}"
                " ORDER BY next_fire_at, id LIMIT ?) AS page ORDER BY next_fire_at, id",
                (encode_time(before), *last, limit),
            )
        page = [timing_from_row(row) for row in rows]
        key = (rows[-1][6], rows[-1][0]) if len(rows) == limit else None
        return page, key

    async def advance_next_fires(
        self, moves: Sequence[tuple[str, datetime, datetime | None]]
    ) -> int:
        """Move next fires forward once their slots are handled; returns the rows moved.

        Each move is (schedule id, the `updated_at` it was computed from, the new next fire or
        None for "never again"). A move applies only to that version of an active schedule and
        only forward, so a stale writer (an edit or pause happened meanwhile, or another move
        got further) changes nothing: the column never skips a fire nobody handled.
        """
        if not moves:
            return 0
        # One move per schedule version, as applying them in turn would leave it: the furthest,
        # or "never again" if any says so (a statement below applies one of a row's matches).
        merged: dict[tuple[str, datetime], datetime | None] = {}
        for schedule_id, version, new in moves:
            key = (schedule_id, version)
            held = merged.get(key, new)
            merged[key] = None if held is None or new is None else max(held, new)
        distinct = [(schedule_id, version, new) for (schedule_id, version), new in merged.items()]
        moved = 0
        async with self._write() as db:
            # A statement per _MOVES moves, not per move: a restore moves a thousand or more,
            # and on PostgreSQL each statement is a round trip.
            for start in range(0, len(distinct), _MOVES):
                chunk = distinct[start : start + _MOVES]
                rows = ", ".join(["(?, ?, CAST(? AS TEXT))"] * len(chunk))
                params = [
                    value
                    for schedule_id, version, new in chunk
                    for value in (schedule_id, encode_time(version), optional_time(new))
                ]
                # VALUES names its columns column1-3 on both databases (SQLite takes no names
                # for them), and a statement that starts with UPDATE reports its row count.
                result = await db.execute(
                    "UPDATE schedules SET next_fire_at = moves.column3"  # noqa: S608
                    f" FROM (VALUES {rows}) AS moves"
                    " WHERE schedules.id = moves.column1 AND schedules.updated_at = moves.column2"
                    " AND schedules.status = 'active' AND schedules.next_fire_at IS NOT NULL"
                    " AND (moves.column3 IS NULL OR schedules.next_fire_at < moves.column3)",
                    params,
                )
                moved += result.rowcount
        return moved

    async def latest_slots_of(self, schedule_ids: Sequence[str]) -> dict[str, datetime]:
        """The latest claimed slot of each of these schedules (missed-run checks at start)."""
        found: dict[str, datetime] = {}
        async with self._read():
            for start in range(0, len(schedule_ids), _CHUNK):
                chunk = list(schedule_ids[start : start + _CHUNK])
                rows = await self._rows(
                    "SELECT schedule_id, MAX(scheduled_for) FROM runs"  # noqa: S608
                    f" WHERE schedule_id IN ({', '.join('?' * len(chunk))})"
                    " GROUP BY schedule_id",
                    chunk,
                )
                found.update((row[0], datetime.fromisoformat(row[1])) for row in rows)
        return found

    async def upcoming_fires(self, after: datetime, limit: int) -> list[tuple[str, datetime]]:
        """The next `limit` stored next fires after `after`, earliest first (status)."""
        async with self._read():
            rows = await self._rows(
                "SELECT id, next_fire_at FROM schedules WHERE +status = 'active'"  # noqa: S608
                f" AND next_fire_at IS NOT NULL AND next_fire_at > ?{self._in_plan()}"
                " ORDER BY next_fire_at, id LIMIT ?",
                (encode_time(after), limit),
            )
        return [(row[0], datetime.fromisoformat(row[1])) for row in rows]

    async def latest_update(self) -> datetime | None:
        """The latest `updated_at` of any schedule (where the change poll starts)."""
        async with self._read():
            value = await self._scalar("SELECT MAX(updated_at) FROM schedules")
        return None if value is None else datetime.fromisoformat(value)
