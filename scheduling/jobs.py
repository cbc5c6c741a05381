"""The work APScheduler fires: `run_summary(context, schedule_id)` (and `cleanup.run_cleanup`).

Job functions are module-level, take ids and reload state from the store when they run, so a
job that fires after its schedule was paused, edited or deleted acts on the current truth.
APScheduler does not tell a job which slot it was scheduled for; `run_summary` derives it as
the latest fire time at or before now, which is that slot even when the job starts late.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from delivery.models import Destination
from scheduling.bounds import MAX_SPAN_SECONDS
from scheduling.errors import CheckUnavailableError, NotFoundError
from scheduling.models import (
    AuditAction,
    AuditEntry,
    Run,
    RunStatus,
    RunTrigger,
    Schedule,
    ScheduleNotice,
    ScheduleStatus,
)
from scheduling.ports import (
    Deliver,
    MessageSource,
    Notify,
    RunObserver,
    Summarize,
    ThreadFilter,
    summary_options,
    tell,
)
from scheduling.recurrence import next_fire_times, nominal_period, previous_fire_time
from scheduling.run_end import (
    delivery_verdict,
    ended,
    error_text,
    observe,
    record,
    reopen,
    timed_out,
)
from scheduling.settings import RetentionSettings, SchedulingSettings
from scheduling.slots import Pace, PrioritySlots, run_capacity, run_slot
from scheduling.store import Store
from scheduling.subscriptions import settle_dm_outcomes
from scheduling.windows import window_for
from summarizer.models import Summary
from summarizer.notes import count

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    """Everything a job needs, built once by `TaskScheduler` and passed to every job."""

    store: Store
    settings: SchedulingSettings
    retention: RetentionSettings
    source: MessageSource
    summarize: Summarize
    deliver: Deliver
    clock: Callable[[], datetime]
    file_root: Path
    max_messages: int
    min_messages: int
    default_engine: str = "extractive"
    # Called after a run changed a schedule (to sync APScheduler) or found it gone (None).
    on_change: Callable[[str, Schedule | None], None] = lambda _id, _schedule: None
    # Asks for a retry of run `run_id` of schedule `schedule_id` at a given time.
    schedule_retry: Callable[[str, int, datetime], None] = lambda _s, _r, _when: None
    notify: Notify | None = None
    # Checked before every scheduled run: a reason (the creator left, the bot lost access)
    # pauses the schedule with that reason instead of running it.
    precheck: Callable[[Schedule], Awaitable[str | None]] | None = None
    observer: RunObserver | None = None
    # The DM destinations of members subscribed to a schedule who may receive this run's
    # digest (the bot checks each can still read every source).
    subscribers: Callable[[Schedule, Run], Awaitable[list[Destination]]] | None = None
    # Which private threads under a schedule's sources its digest may include (the bot asks
    # whether everybody the digest reaches could read each); None includes none.
    private_threads: Callable[[Schedule], ThreadFilter] | None = None
    rng: random.Random = field(default_factory=random.Random)
    # The REST rate and latency that size `max_concurrent_runs = "auto"` (the bot's pacer).
    pace: Pace | None = None
    # The `max_concurrent_runs` run slots: higher priority first, then earliest due.
    slots: PrioritySlots = field(init=False)
    # One run of a schedule at a time: a slot due while the previous run is still delivering
    # waits for it, then reads from where it ended (windows tile) instead of being dropped.
    schedule_locks: dict[str, tuple[asyncio.Lock, int]] = field(default_factory=dict)
    running: set[asyncio.Task[object]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.slots = PrioritySlots(run_capacity(self.settings.max_concurrent_runs, self.pace))

    @property
    def waiting(self) -> int:
        """Runs waiting for a slot."""
        return self.slots.waiting


async def run_summary(
    context: JobContext,
    schedule_id: str,
    *,
    scheduled_for: datetime | None = None,
    trigger: RunTrigger = RunTrigger.SCHEDULED,
    triggered_by: int | None = None,
    retry_run_id: int | None = None,
) -> Run | None:
    """Run one slot of a schedule; None when there is nothing to do (claimed, paused, gone).

    Everything happens inside a run slot (`max_concurrent_runs`), the checks included: when
    a thousand schedules fall due at once, each goes from check to digest in turn, so the
    first digests arrive at once instead of after every check has queued at Discord.
    """
    fired = context.clock()  # the slot is the latest fire time at or before this moment
    due = scheduled_for or fired
    async with _one_at_a_time(context, schedule_id), _run_slot(context, schedule_id, due):
        schedule = await context.store.get_schedule(schedule_id)
        if schedule is None:
            context.on_change(schedule_id, None)
            return None
        if trigger is not RunTrigger.MANUAL and schedule.status != "active":
            context.on_change(schedule_id, schedule)
            return None
        if context.precheck is not None and retry_run_id is None:
            try:
                problem = await context.precheck(schedule)
            except CheckUnavailableError as exc:
                log.warning("schedule %s: not run now: %s", schedule.id, exc)
                return None
            if problem is not None:
                await _pause_for(context, schedule, problem)
                return None
        run = await _claim(
            context, schedule, fired, scheduled_for, trigger, triggered_by, retry_run_id
        )
        if run is None:
            return None
        return await _run_with_limits(context, schedule, run)


async def _claim(
    context: JobContext,
    schedule: Schedule,
    fired: datetime,
    scheduled_for: datetime | None,
    trigger: RunTrigger,
    triggered_by: int | None,
    retry_run_id: int | None,
) -> Run | None:
    """The run to carry out: a retried one reopened, or this slot claimed (None if taken)."""
    now = context.clock()
    if retry_run_id is not None:
        return await reopen(context, retry_run_id, now)
    slot = scheduled_for or previous_fire_time(
        schedule.recurrence, schedule.timezone, before=fired, start=schedule.created_at
    )
    if slot is None:
        return None
    run = await context.store.claim_run(
        Run(
            schedule_id=schedule.id,
            scheduled_for=slot,
            trigger=trigger,
            triggered_by=triggered_by,
            started_at=now,
        )
    )
    if run is None:
        log.info("schedule %s: slot %s already claimed", schedule.id, slot.isoformat())
    return run


@contextlib.asynccontextmanager
async def _one_at_a_time(context: JobContext, schedule_id: str) -> AsyncIterator[None]:
    """Serialize the runs of one schedule; the lock is dropped when nobody holds or wants it."""
    lock, users = context.schedule_locks.get(schedule_id, (asyncio.Lock(), 0))
    context.schedule_locks[schedule_id] = (lock, users + 1)
    try:
        async with lock:
            yield
    finally:
        lock, users = context.schedule_locks[schedule_id]
        if users <= 1:
            del context.schedule_locks[schedule_id]
        else:
            context.schedule_locks[schedule_id] = (lock, users - 1)


@contextlib.asynccontextmanager
async def _run_slot(context: JobContext, schedule_id: str, due: datetime) -> AsyncIterator[None]:
    """One of `max_concurrent_runs` slots, queued by the schedule's priority and `due`."""
    priority = await context.store.schedule_priority(schedule_id)
    # `auto` follows the latency measured so far: the burst's first runs already see it.
    context.slots.resize(run_capacity(context.settings.max_concurrent_runs, context.pace))
    async with run_slot(context.slots, context.running, priority, due):
        yield


async def _pause_for(context: JobContext, schedule: Schedule, reason: str) -> None:
    """Pause a schedule that can no longer run as configured, and tell its guild why."""
    now = context.clock()

    def change(before: Schedule) -> tuple[Schedule, AuditEntry | None]:
        if before.status is not ScheduleStatus.ACTIVE:
            return before, None
        after = before.model_copy(
            update={"status": ScheduleStatus.PAUSED, "pause_reason": reason, "updated_at": now}
        )
        audit = AuditEntry(
            at=now,
            guild_id=after.guild_id,
            schedule_id=after.id,
            actor="system",
            action=AuditAction.PAUSED,
            detail={"reason": reason},
        )
        return after, audit

    try:
        changed = await context.store.modify_schedule(schedule.id, change)
    except NotFoundError:  # deleted meanwhile: nothing left to pause
        context.on_change(schedule.id, None)
        return
    context.on_change(schedule.id, changed[1])
    if changed[1].status is ScheduleStatus.PAUSED and changed[0].status is ScheduleStatus.ACTIVE:
        await tell(
            context.notify,
            ScheduleNotice(
                kind="auto_paused",
                schedule_id=schedule.id,
                guild_id=schedule.guild_id,
                created_by=schedule.created_by,
                message=f"paused: {reason}",
            ),
        )


async def _run_with_limits(context: JobContext, schedule: Schedule, run: Run) -> Run:
    timeout = context.settings.run_timeout_seconds
    try:
        finished = await asyncio.wait_for(_execute(context, schedule, run), timeout)
    except TimeoutError:
        finished = await timed_out(context, run, timeout)
    except asyncio.CancelledError:
        # The process is stopping: record it so start-up resumes this slot. The stored run
        # keeps its window, so the resumed run resends the stored digest (same delivery ids)
        # instead of summarizing again.
        current = await context.store.get_run(run.id or 0) or run
        await context.store.update_run(
            ended(context, current, RunStatus.INTERRUPTED, "the bot stopped during this run")
        )
        raise
    except Exception as exc:
        log.exception("schedule %s: run %s failed", schedule.id, run.id)
        # The stored run keeps the window it had reached, so a retry resends its digest.
        current = await context.store.get_run(run.id or 0) or run
        finished = ended(context, current, RunStatus.FAILED, error_text(exc))
    return await record(context, finished)


async def _execute(context: JobContext, schedule: Schedule, run: Run) -> Run:
    store = context.store
    if run.id is not None and run.window_end is not None:
        stored = await store.load_summary(run.id)
        if stored is not None:
            # A retried or resumed run sends the digest it already made: the same text and
            # the same delivery ids, so consumers can recognise a repeat.
            return await _send(context, schedule, run, Summary.model_validate_json(stored))
    anchor = await store.latest_anchor(schedule.id)
    lookback = (
        # Capped: a row stored before lookbacks were bounded must not overflow timedelta.
        timedelta(seconds=min(schedule.lookback_seconds, MAX_SPAN_SECONDS))
        if schedule.lookback_seconds
        else nominal_period(schedule.recurrence)
    )
    first_slot = None
    if anchor is None:  # no run yet: the first window is the first slot's, however late
        upcoming = next_fire_times(
            schedule.recurrence,
            schedule.timezone,
            after=schedule.created_at,
            count=1,
            start=schedule.created_at,
        )
        first_slot = upcoming[0] if upcoming else None
    window = window_for(
        run.scheduled_for,
        anchor_end=anchor.window_end if anchor else None,
        lookback=lookback,
        max_lookback=timedelta(hours=context.settings.max_lookback_hours),
        first_slot=first_slot,
    )
    if window.empty:
        # An earlier manual run already reached past this slot: nothing new to read.
        empty = run.model_copy(
            update={"window_start": window.start, "window_end": window.start, "message_count": 0}
        )
        return ended(context, empty, RunStatus.SKIPPED, "nothing new since the last digest")
    run = run.model_copy(update={"window_start": window.start, "window_end": window.end})
    await store.update_run(run)

    fetched = await context.source.fetch(
        schedule.channel_ids,
        window.start,
        window.end,
        limit=context.max_messages,
        include_threads=schedule.include_threads,
        private_threads=context.private_threads(schedule) if context.private_threads else None,
    )
    fetched = fetched.without_authors(await store.optouts(schedule.guild_id))
    run = run.model_copy(update={"message_count": len(fetched.messages)})
    await store.update_run(run)  # a run cut off from here on still says what it read
    minimum = schedule.min_messages if schedule.min_messages is not None else context.min_messages
    if run.trigger is not RunTrigger.MANUAL and len(fetched.messages) < minimum:
        reason = f"{count(len(fetched.messages), 'message')}, fewer than the minimum of {minimum}"
        return ended(context, run, RunStatus.SKIPPED, reason)

    options = summary_options(
        schedule,
        fetched,
        start=window.start,
        end=window.end,
        max_messages=context.max_messages,
        default_engine=context.default_engine,
        generated_at=context.clock(),
    )
    summary = await context.summarize(fetched.messages, options)
    summary = fetched.mark_truncation(summary, context.max_messages)
    if window.capped:
        note = (
            f"only the last {context.settings.max_lookback_hours} hours are summarized "
            "(scheduling.max_lookback_hours)"
        )
        summary = summary.model_copy(update={"notes": [*summary.notes, note]})
    await store.save_summary(run.id or 0, summary.model_dump_json(by_alias=True))
    return await _send(context, schedule, run, summary)


async def _send(context: JobContext, schedule: Schedule, run: Run, summary: Summary) -> Run:
    enabled = [d for d in schedule.destinations if d.disabled_reason is None]
    if not enabled:
        return ended(
            context, run, RunStatus.FAILED, "every destination of this schedule is disabled"
        )
    subscribers = await context.subscribers(schedule, run) if context.subscribers else []
    deliveries = await context.store.create_deliveries(
        run.id or 0, [*enabled, *subscribers], context.clock()
    )
    outcomes = await context.deliver(schedule, run, summary, deliveries)
    observe(context, "deliveries_finished", outcomes)
    await settle_dm_outcomes(context.store, schedule, outcomes, context.notify)
    return ended(context, run, *delivery_verdict(outcomes))
