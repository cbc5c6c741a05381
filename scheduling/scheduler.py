"""TaskScheduler: SQLite is the truth, APScheduler holds the jobs due within the horizon.

Every operation writes the store (with its audit entry) first and only then touches
APScheduler, so a crash between the two loses nothing: the next start rebuilds the jobs from
the store. Only schedules due within the next hour have a job (`scheduling.horizon`); a short
poll (`scheduling.change_poll`) refills them from the store's next-fire index and picks up
changes made by another process (the `summarybot schedules` CLI) through `updated_at`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import BaseModel

from delivery.models import Destination
from scheduling import jobs
from scheduling.change_poll import ChangePoll
from scheduling.cleanup import CleanupReport, run_cleanup
from scheduling.horizon import HORIZON, Horizon, summary_job_id
from scheduling.models import (
    AuditAction,
    AuditEntry,
    Cron,
    PauseCause,
    Run,
    RunStatus,
    RunTrigger,
    Schedule,
    ScheduleStatus,
    utc_now,
)
from scheduling.ports import (
    Deliver,
    MessageSource,
    Notify,
    RunObserver,
    Summarize,
    ThreadFilter,
)
from scheduling.recurrence import build_trigger, next_fire_times
from scheduling.service import ScheduleService
from scheduling.settings import RetentionSettings, SchedulingSettings
from scheduling.store import ScheduleTiming, Store

log = logging.getLogger(__name__)

CLEANUP_JOB = "cleanup"
POLL_JOB = "poll"
__all__ = ["SchedulerStats", "TaskScheduler", "summary_job_id"]


class SchedulerStats(BaseModel):
    """A snapshot for `/summarybot status` and the health endpoint."""

    schedules: dict[ScheduleStatus, int]
    runs_last_24h: dict[RunStatus, int]
    next_runs: list[tuple[str, datetime]]
    queue_depth: int
    running: int


class TaskScheduler:
    """Schedules as jobs: create, edit, pause, resume, delete, trigger, list, stats."""

    def __init__(
        self,
        store: Store,
        settings: SchedulingSettings,
        retention: RetentionSettings,
        *,
        source: MessageSource,
        summarize: Summarize,
        deliver: Deliver,
        file_root: Path,
        max_messages: int,
        min_messages: int,
        default_engine: str = "extractive",
        clock: Callable[[], datetime] = utc_now,
        notify: Notify | None = None,
        precheck: Callable[[Schedule], Awaitable[str | None]] | None = None,
        observer: RunObserver | None = None,
        subscribers: Callable[[Schedule, Run], Awaitable[list[Destination]]] | None = None,
        private_threads: Callable[[Schedule], ThreadFilter] | None = None,
        poll_seconds: float = 5.0,
        rng: random.Random | None = None,
        horizon: timedelta = HORIZON,
    ) -> None:
        self.store = store
        self.settings = settings
        self.retention = retention
        self.clock = clock
        self.service = ScheduleService(store, settings, clock)
        self.poll_seconds = poll_seconds
        self.context = jobs.JobContext(
            store=store,
            settings=settings,
            retention=retention,
            source=source,
            summarize=summarize,
            deliver=deliver,
            clock=clock,
            file_root=file_root,
            max_messages=max_messages,
            min_messages=min_messages,
            default_engine=default_engine,
            on_change=self._sync,
            schedule_retry=self._add_retry,
            notify=notify,
            precheck=precheck,
            observer=observer,
            subscribers=subscribers,
            private_threads=private_threads,
            rng=rng or random.Random(),  # noqa: S311 -- retry jitter, not secrets
        )
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                # APScheduler's default grace of 1 s silently drops a job that starts late
                # (a busy loop, a burst): give late jobs the configured grace instead.
                "misfire_grace_time": settings.misfire_grace_seconds,
                "coalesce": True,
                # A slot due while the previous run still delivers starts and waits for it
                # (runs of one schedule are serialized in `jobs`); one more is coalesced.
                "max_instances": 2,
            },
        )
        self.horizon = Horizon(
            self._scheduler, store, self.context, clock, width=horizon, poll_seconds=poll_seconds
        )
        self.changes = ChangePoll(store, self.horizon, clock, self._recover)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.started = False

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start APScheduler paused, load the jobs due within the horizon, go, then recover.

        Paused while loading: each job added to a running scheduler wakes it. Only the
        schedules due soon are read (through the next-fire index), a page at a time with the
        event loop running in between; recovery looks only at the schedules whose stored next
        fire has passed.
        """
        await self.changes.begin()
        self._scheduler.add_job(
            run_cleanup,
            build_trigger(Cron(expression=self.retention.cleanup_cron), "UTC", start=self.clock()),
            args=(self.context,),
            id=CLEANUP_JOB,
        )
        self._scheduler.add_job(
            self.poll,
            IntervalTrigger(seconds=self.poll_seconds, timezone=UTC),
            id=POLL_JOB,
            max_instances=1,
        )
        # PostgreSQL tells of another process's change at once; SQLite leaves it to the poll.
        await self.store.watch_schedules(self._changed_elsewhere)
        # Cut-off runs first: their tasks queue for their schedules' locks before APScheduler
        # can fire a later slot, whose window must start where theirs ends.
        for run in await self.store.runs_with_status(RunStatus.RUNNING, RunStatus.INTERRUPTED):
            log.info("resuming run %s of schedule %s", run.id, run.schedule_id)
            self._spawn(jobs.run_summary(self.context, run.schedule_id, retry_run_id=run.id))
        self._scheduler.start(paused=True)
        self.started = True
        missed = await self.horizon.fill()
        self._scheduler.resume()
        self._spawn(self._recover(missed))

    async def stop(self, timeout: float = 30) -> None:  # noqa: ASYNC109 -- a grace period
        """Stop firing; wait up to `timeout` s for running runs, then mark them interrupted.

        APScheduler's executor cancels running jobs on shutdown, so it is only paused while
        the grace period runs and shut down afterwards.
        """
        if self.started:
            self._scheduler.pause()
        pending = set(self.context.running) | self._tasks | self.changes.stop()
        if pending:
            _, late = await asyncio.wait(pending, timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        if self.started:
            self._scheduler.shutdown(wait=False)
            self.started = False

    async def _recover(self, missed: list[ScheduleTiming]) -> None:
        """Catch up what the schedules in `missed` missed while down (`Horizon.recover`)."""
        await self.horizon.recover(missed, self._spawn)

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background scheduling task failed", exc_info=task.exception())

    async def wait_idle(self) -> None:
        """Wait until no background task (recovery, catch-up) is left (for tests and stop)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    # --- APScheduler sync ---------------------------------------------------------------

    def _sync(self, schedule_id: str, schedule: Schedule | None) -> None:
        plan = self.store.plan
        if schedule is None or (plan is not None and not plan.owns(schedule.guild_id)):
            # Gone, or another process's (a change made here for its guild): that process
            # places it, told by the database; a job here would only fire it twice.
            self.horizon.remove(schedule_id)
        else:
            self.horizon.sync(_timing(schedule))

    def _add_retry(self, schedule_id: str, run_id: int, when: datetime) -> None:
        job_id = f"retry:{run_id}"
        if not self.started and self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)  # before start a second add would queue twice
        self._scheduler.add_job(
            jobs.run_summary,
            DateTrigger(run_date=when, timezone=UTC),
            args=(self.context, schedule_id),
            kwargs={"retry_run_id": run_id},
            id=job_id,
            replace_existing=True,
        )

    def _changed_elsewhere(self) -> None:
        """A schedule's timing changed (maybe in another process): poll now, not in 5 s."""
        if self.started and self.changes.wanted():
            self._scheduler.modify_job(POLL_JOB, next_run_time=datetime.now(UTC))

    async def poll(self) -> None:
        """The poll job: changes made elsewhere, then the horizon refilled (`ChangePoll.run`)."""
        await self.changes.run()

    # --- operations ---------------------------------------------------------------------

    async def create(self, schedule: Schedule, actor: str) -> Schedule:
        """Store a schedule and start firing it."""
        stored = await self.service.create(schedule, actor)
        self._sync(stored.id, stored)
        return stored

    async def edit(
        self, schedule_id: str, changes: dict[str, Any], actor: str, guild_id: int | None = None
    ) -> Schedule:
        """Change a schedule; its next fire time is recomputed."""
        edited = await self.service.edit(schedule_id, changes, actor, guild_id)
        self._sync(edited.id, edited)
        return edited

    async def pause(
        self, schedule_id: str, actor: str, reason: str = "paused", guild_id: int | None = None
    ) -> Schedule:
        """Stop firing a schedule until resumed."""
        paused = await self.service.pause(schedule_id, actor, reason, guild_id)
        self._sync(paused.id, paused)
        return paused

    async def resume(self, schedule_id: str, actor: str, guild_id: int | None = None) -> Schedule:
        """Fire a paused schedule again, from its next slot.

        Its window reaches back to the last digest, so nothing said while paused is lost.
        """
        resumed = await self.service.resume(schedule_id, actor, guild_id)
        self._sync(resumed.id, resumed)
        return resumed

    async def pause_all(
        self, guild_id: int, actor: str, cause: PauseCause, reason: str
    ) -> list[Schedule]:
        """Pause every active schedule of one guild (emergency stop, the bot left)."""
        paused = await self.service.pause_all(guild_id, actor, cause, reason)
        for schedule in paused:
            self._sync(schedule.id, schedule)
        return paused

    async def resume_all(self, guild_id: int, actor: str) -> tuple[list[Schedule], list[str]]:
        """Resume what a guild-wide pause paused (see `ScheduleService.resume_all`)."""
        resumed, problems = await self.service.resume_all(guild_id, actor)
        for schedule in resumed:
            self._sync(schedule.id, schedule)
        return resumed, problems

    async def apply_import(
        self,
        creates: list[Schedule],
        updates: list[tuple[Schedule, Schedule]],
        actor: str,
        guild_id: int,
    ) -> list[Schedule]:
        """Store an import at once (`ScheduleService.apply_import`), then fire what it wrote."""
        written = await self.service.apply_import(creates, updates, actor, guild_id)
        for schedule in written:
            self._sync(schedule.id, schedule)
        return written

    async def delete(self, schedule_id: str, actor: str, guild_id: int | None = None) -> None:
        """Delete a schedule and its job."""
        await self.service.delete(schedule_id, actor, guild_id)
        self.horizon.remove(schedule_id)

    async def trigger(
        self, schedule_id: str, actor: str, user_id: int | None = None, guild_id: int | None = None
    ) -> Run | None:
        """Run a schedule now, outside its rhythm; the next scheduled window starts after it."""
        schedule = await self.service.get(schedule_id, guild_id)
        now = self.clock()
        await self.store.append_audit(
            AuditEntry(
                at=now,
                guild_id=schedule.guild_id,
                schedule_id=schedule.id,
                actor=actor,
                action=AuditAction.TRIGGERED,
            )
        )
        return await jobs.run_summary(
            self.context,
            schedule.id,
            scheduled_for=now,
            trigger=RunTrigger.MANUAL,
            triggered_by=user_id,
        )

    async def get(self, schedule_id: str, guild_id: int | None = None) -> Schedule:
        """One schedule (another guild's is not found)."""
        return await self.service.get(schedule_id, guild_id)

    async def list(
        self, guild_id: int | None = None, status: ScheduleStatus | None = None
    ) -> list[Schedule]:
        """Schedules, oldest first."""
        return await self.service.list(guild_id, status)

    def next_run_time(self, schedule: Schedule | str) -> datetime | None:
        """When a schedule fires next (None when it is not active or never fires again).

        A schedule due within the horizon has a job, which knows. Given the `Schedule`, one
        further out is answered from its trigger; given only an id, such a one gets None.
        """
        schedule_id = schedule if isinstance(schedule, str) else schedule.id
        live = self.horizon.next_fire(schedule_id)
        if live is not None or isinstance(schedule, str):
            return live
        if schedule.status is not ScheduleStatus.ACTIVE:
            return None
        upcoming = next_fire_times(
            schedule.recurrence,
            schedule.timezone,
            after=self.clock(),
            count=1,
            start=schedule.created_at,
        )
        return upcoming[0] if upcoming else None

    async def cleanup(self) -> CleanupReport:
        """Run retention now (it also runs on `retention.cleanup_cron`)."""
        return await run_cleanup(self.context)

    async def stats(self, next_count: int = 5) -> SchedulerStats:
        """Counts by status, the last day's runs by outcome, the next fire times, the queue.

        The jobs hold the next fires within the horizon; the store's index the ones after.
        """
        upcoming = self.horizon.upcoming()[:next_count]
        if len(upcoming) < next_count:
            live = {schedule_id for schedule_id, _ in upcoming}
            later = await self.store.upcoming_fires(self.horizon.reach(self.clock()), next_count)
            upcoming += [(s, when) for s, when in later if s not in live]
            upcoming = sorted(upcoming, key=lambda item: item[1])[:next_count]
        return SchedulerStats(
            schedules=await self.store.count_schedules(),
            runs_last_24h=await self.store.count_runs_since(self.clock() - timedelta(days=1)),
            next_runs=upcoming,
            queue_depth=self.context.waiting,
            running=len(self.context.running) - self.context.waiting,
        )


def _timing(schedule: Schedule) -> ScheduleTiming:
    return ScheduleTiming(
        id=schedule.id,
        status=schedule.status,
        recurrence=schedule.recurrence,
        timezone=schedule.timezone,
        created_at=schedule.created_at,
        updated_at=schedule.updated_at,
    )
