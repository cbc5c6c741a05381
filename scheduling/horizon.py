"""The restore horizon: APScheduler holds jobs only for schedules due soon.

SQLite is the truth, and `schedules.next_fire_at` (indexed) says when each active schedule
fires next. A bot with 100,000 schedules needs timers for the few due within the next hour,
not for all of them: `fill()` gives a job to every schedule due before `reach()` (now, the
horizon and two polls, so consecutive fills overlap), a page at a time, yielding to the event
loop between pages and with the garbage collector paused meanwhile. The change poll calls it
every few seconds, so a schedule gets its job about an hour before it fires.

When a job's slot is claimed its next fire is written back (`settle`) and a job whose next
fire lies beyond the horizon is dropped; the fill brings it back in time. Stored next fires
are lower bounds (every write only moves one forward past a handled slot, for the version it
was computed from), so a fill can read a schedule twice but never lets one slip between fills.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Coroutine, Iterator
from datetime import datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from scheduling import jobs
from scheduling.models import RunTrigger, ScheduleStatus
from scheduling.recurrence import (
    RecurrenceTrigger,
    build_trigger,
    next_fire_times,
    previous_fire_time,
)
from scheduling.store import ScheduleTiming, Store
from summarizer.collection import paused_collection

log = logging.getLogger(__name__)

HORIZON = timedelta(hours=1)
# Rows read and jobs added between two yields to the event loop (a few ms of work each).
PAGE = 250
# Missed schedules judged between two yields: each spawns a run whose first step follows.
RECOVER_STEP = 100


def summary_job_id(schedule_id: str) -> str:
    """APScheduler's id for a schedule's job."""
    return f"summary:{schedule_id}"


class GcPause:
    """Set `bulk` when many long-lived objects were made while paused (see `gc_paused`)."""

    bulk = False


@contextlib.contextmanager
def gc_paused() -> Iterator[GcPause]:
    """No garbage collection while thousands of long-lived objects are made, then as before.

    Every few hundred allocations start a collection that walks the young objects, and the
    older generations grow until a full collection walks them all: a 100,000-job restore spent
    a third of its time there, in stretches that blocked the loop. After a bulk load what was
    made goes straight to the oldest generation, unwalked (freeze sets every tracked object
    aside, unfreeze puts them back there; garbage among them is still found by the next full
    collection), unless something froze the heap already: unfreezing would undo that.
    """
    pause = GcPause()
    with paused_collection():
        try:
            yield pause
        finally:
            if pause.bulk and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()


class Horizon:
    """Which schedules have an APScheduler job, and keeping that set right as time passes."""

    def __init__(
        self,
        scheduler: AsyncIOScheduler,
        store: Store,
        context: jobs.JobContext,
        clock: Callable[[], datetime],
        *,
        width: timedelta = HORIZON,
        poll_seconds: float = 5.0,
    ) -> None:
        self._scheduler = scheduler
        self.store = store
        self.context = context
        self.clock = clock
        self.width = width
        self.poll = timedelta(seconds=poll_seconds)
        # Schedules with a job, by the `updated_at` the job was built from.
        self.versions: dict[str, datetime] = {}
        # Changed since the current fill began (its rows for them may be stale: skip them).
        self._touched: set[str] = set()
        # A catch-up run is under way: its next fire moves when the run has returned.
        self.catching_up: set[str] = set()
        # Next fires to write (version, new value), written together by one task at a time:
        # a thousand catch-ups ending at once make a few transactions, not a thousand.
        self._moves: dict[str, tuple[datetime, datetime | None]] = {}
        self._writer: asyncio.Future[None] | None = None
        # The reach of the last complete fill: the next one reads on from there.
        self._reached: datetime | None = None

    def reach(self, now: datetime) -> datetime:
        """Schedules firing before this have a job; two polls of overlap between fills."""
        return now + self.width + 2 * self.poll

    # --- reading the store ------------------------------------------------------------------

    async def fill(self) -> list[ScheduleTiming]:
        """Give a job to every active schedule due before `reach()`; return the missed ones.

        Missed: the stored next fire is unknown or already past and no job or catch-up has it
        (after a restart, or written so by another process). They get a job only if they fire
        again within the horizon; the caller decides about their missed slot (`recover`).

        After the first fill only what is new is read: the past (missed ones, and jobs whose
        slot is being handled) and from the previous fill's reach on. What lies between was
        placed by that fill, and a schedule that left the jobs since (an edit, a job dropped
        after firing) left with a next fire beyond the reach of that moment, so beyond it.
        """
        now = self.clock()
        reach = self.reach(now)
        self._touched.clear()
        missed: list[ScheduleTiming] = []
        if self._reached is None:
            ranges = [(None, reach)]
        else:
            ranges = [(None, now), (max(self._reached, now), reach)]
        with gc_paused() as pause:
            for since, before in ranges:
                key = None
                while True:
                    page, key = await self.store.due_timings(before, key, PAGE, since=since)
                    for timing in page:
                        self._place(timing, now, reach, missed)
                    if key is None:
                        break
                    pause.bulk = True  # more than a page: a restore, not a routine refill
                    await asyncio.sleep(0)
        self._reached = reach
        return missed

    def _place(
        self, timing: ScheduleTiming, now: datetime, reach: datetime, missed: list[ScheduleTiming]
    ) -> None:
        """One row of a fill: a job if it is due within `reach`; `missed` if it is past."""
        schedule_id = timing.id
        if schedule_id in self.versions or schedule_id in self._touched:
            return  # it has a job, or a change placed it while this fill read
        if schedule_id in self.catching_up:
            return  # its next fire moves when the catch-up run returns
        due = timing.next_fire_at
        if schedule_id in self._moves:  # a handled slot not written yet: the row is stale
            due = self._moves[schedule_id][1]
            if due is None or due >= reach:
                return
        if due is not None and due > now:
            self._put(timing, self._trigger(timing))
            return
        missed.append(timing)
        trigger = self._trigger(timing)
        first = trigger.get_next_fire_time(None, now)
        if first is not None and first <= reach:
            self._put(timing, trigger)

    async def recover(
        self,
        missed: list[ScheduleTiming],
        spawn: Callable[[Coroutine[Any, Any, Any]], object],
    ) -> None:
        """Catch up slots missed while down, then move the missed schedules' next fires on.

        `missed` are the schedules whose stored next fire has passed with no job to fire it
        (`fill`): only they can have missed a slot. With `catch_up = "coalesce"` one run
        covers the latest missed slot (its window reaches back to the anchor), unless a run
        claimed it already; with "skip" the next scheduled run's window covers the gap.
        """
        if not missed:
            return
        now = self.clock()
        coalesce = self.context.settings.catch_up == "coalesce"
        latest = await self.store.latest_slots_of([t.id for t in missed]) if coalesce else {}
        moves: list[tuple[str, datetime, datetime | None]] = []
        for number, timing in enumerate(missed, start=1):
            if number % RECOVER_STEP == 0:
                await asyncio.sleep(0)  # thousands missed: let the gateway breathe meanwhile
            slot = previous_fire_time(
                timing.recurrence, timing.timezone, before=now, start=timing.created_at
            )
            last = latest.get(timing.id)
            if (
                coalesce
                and slot is not None
                and slot > timing.created_at
                and (last is None or last < slot)
            ):
                self.catching_up.add(timing.id)
                spawn(self._catch_up(timing, slot))
                continue
            following = next_fire_times(
                timing.recurrence, timing.timezone, after=now, count=1, start=timing.created_at
            )
            moves.append((timing.id, timing.updated_at, following[0] if following else None))
        await self.store.advance_next_fires(moves)

    async def _catch_up(self, timing: ScheduleTiming, slot: datetime) -> None:
        """One run for a missed slot; the next fire moves on once the run has returned.

        Returned, whatever it did: a slot that could not be judged (the bot not connected)
        waits for the next one, whose window covers it, as before the horizon.
        """
        try:
            await jobs.run_summary(
                self.context, timing.id, scheduled_for=slot, trigger=RunTrigger.CATCH_UP
            )
        finally:
            self.catching_up.discard(timing.id)
        await self.settle(timing.id, timing.updated_at, self._trigger(timing), slot)

    # --- one schedule -----------------------------------------------------------------------

    def sync(self, timing: ScheduleTiming) -> None:
        """After a change: a job if the schedule is active and fires within the horizon."""
        self._touched.add(timing.id)
        if timing.status is not ScheduleStatus.ACTIVE:
            self.remove(timing.id)
            return
        if self.versions.get(timing.id) == timing.updated_at:
            return
        trigger = self._trigger(timing)
        first = trigger.get_next_fire_time(None, self.clock())
        if first is not None and first <= self.reach(self.clock()):
            self._put(timing, trigger)
        else:
            self.remove(timing.id)

    def remove(self, schedule_id: str) -> None:
        """Drop a schedule's job, if it has one."""
        self._touched.add(schedule_id)
        if self.versions.pop(schedule_id, None) is None:
            return
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(summary_job_id(schedule_id))

    def next_fire(self, schedule_id: str) -> datetime | None:
        """When the job of a schedule fires next (None: it has no job)."""
        job = self._scheduler.get_job(summary_job_id(schedule_id))
        if job is None:
            return None
        if self._scheduler.state == STATE_STOPPED:  # queued jobs get a time at start
            return job.trigger.get_next_fire_time(None, self.clock())
        return job.next_run_time

    def upcoming(self) -> list[tuple[str, datetime]]:
        """Every job's schedule and next fire, earliest first."""
        return [
            (job.id.removeprefix("summary:"), job.next_run_time)
            for job in self._scheduler.get_jobs()
            if job.id.startswith("summary:") and job.next_run_time is not None
        ]

    # --- firing -----------------------------------------------------------------------------

    async def fire(self, schedule_id: str) -> None:
        """The job APScheduler runs: one slot, then the stored next fire moves past it.

        Also when the run did nothing: the slot was claimed already, or could not be judged
        (the bot not connected), which waits for the next slot as it always did. Only a run
        that never returned (the process died) leaves the stored value for recovery.
        """
        version = self.versions.get(schedule_id)
        job = self._scheduler.get_job(summary_job_id(schedule_id))
        fired = self.clock()
        run = await jobs.run_summary(self.context, schedule_id)
        if version is None or job is None:
            return  # the job went meanwhile: whoever removed it has placed the schedule
        trigger = job.trigger
        slot = (
            run.scheduled_for
            if run is not None
            else previous_fire_time(
                trigger.recurrence, trigger.zone, before=fired, start=trigger.start
            )
        )
        if slot is not None:
            await self.settle(schedule_id, version, trigger, slot)

    async def settle(
        self, schedule_id: str, version: datetime, trigger: Any, slot: datetime
    ) -> None:
        """`slot` is claimed: store the next fire after it, and drop a job not needed soon."""
        following = trigger.get_next_fire_time(slot, slot)
        if self.versions.get(schedule_id) == version and (
            following is None or following > self.reach(self.clock())
        ):
            self.remove(schedule_id)  # (a changed schedule was placed by `sync` already)
        # Until it is written, fills read the pending value instead of the stored one.
        self._moves[schedule_id] = (version, following)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write_moves())
        await asyncio.shield(self._writer)

    async def _write_moves(self) -> None:
        """Write the pending moves, and those added meanwhile, a transaction per round."""
        while self._moves:
            batch = dict(self._moves)
            await self.store.advance_next_fires(
                [(schedule_id, *move) for schedule_id, move in batch.items()]
            )
            for schedule_id, move in batch.items():
                if self._moves.get(schedule_id) == move:
                    del self._moves[schedule_id]

    # --- APScheduler ------------------------------------------------------------------------

    def _trigger(self, timing: ScheduleTiming) -> RecurrenceTrigger:
        return build_trigger(timing.recurrence, timing.timezone, start=timing.created_at)

    def _put(self, timing: ScheduleTiming, trigger: RecurrenceTrigger) -> None:
        job_id = summary_job_id(timing.id)
        # `replace_existing` only replaces jobs of a started scheduler; before start a second
        # add would queue a duplicate. Only look up jobs we know exist: a lookup scans the
        # queue of a scheduler not started yet.
        if timing.id in self.versions and self._scheduler.state == STATE_STOPPED:
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(job_id)
        self._scheduler.add_job(
            self.fire, trigger, args=(timing.id,), id=job_id, replace_existing=True
        )
        self.versions[timing.id] = timing.updated_at
