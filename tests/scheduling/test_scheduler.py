"""TaskScheduler and run_summary: slots, windows, catch-up, retries, auto-pause, persistence."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest
from scheduling_fakes import DAY0, make_schedule

from scheduling import jobs
from scheduling.errors import NotFoundError, ScheduleStateError
from scheduling.models import (
    AuditAction,
    Once,
    RunStatus,
    RunTrigger,
    ScheduleStatus,
)
from scheduling.scheduler import summary_job_id

SLOT1 = DAY0.replace(hour=9)  # Monday 09:00 UTC, the first slot after creation at 08:00


async def _fire(harness, at):
    """What APScheduler does at a slot: call the job, which derives the slot from `now`."""
    harness.clock.now = at
    return await jobs.run_summary(harness.scheduler.context, harness.created.id)


@pytest.fixture
async def created(harness):
    harness.created = await harness.scheduler.create(make_schedule(), actor="user:7")
    return harness.created


async def test_first_window_reaches_back_one_period(harness, created):
    run = await _fire(harness, SLOT1 + timedelta(seconds=2))
    assert run.status is RunStatus.SUCCEEDED
    assert run.scheduled_for == SLOT1
    assert (run.window_start, run.window_end) == (SLOT1 - timedelta(days=1), SLOT1)
    assert run.message_count == 144


async def test_lookback_overrides_the_period(harness):
    harness.created = await harness.scheduler.create(
        make_schedule(lookback_seconds=3600), actor="user:7"
    )
    run = await _fire(harness, SLOT1)
    assert run.window_start == SLOT1 - timedelta(hours=1)


async def test_a_slot_runs_once_even_if_fired_twice(harness, created):
    first = await _fire(harness, SLOT1)
    second = await _fire(harness, SLOT1 + timedelta(minutes=1))
    assert first is not None
    assert second is None
    assert len(await harness.store.list_runs(created.id)) == 1
    assert harness.deliver.calls == [first.id]


async def test_windows_tile_across_skipped_and_retried_runs(harness, created):
    ctx = harness.scheduler.context
    day = timedelta(days=1)
    # Day 1 succeeds.
    await _fire(harness, SLOT1)
    # Day 2: too few messages (the source is sparse for this window) -> skipped.
    harness.source.every = timedelta(hours=12)
    skipped = await _fire(harness, SLOT1 + day)
    assert skipped.status is RunStatus.SKIPPED
    harness.source.every = timedelta(minutes=10)
    # Day 3: every destination fails -> failed, retried later within its slot, then succeeds.
    harness.deliver.failing = {"d_chan", "d_file"}
    failed = await _fire(harness, SLOT1 + 2 * day)
    assert failed.status is RunStatus.FAILED
    assert harness.scheduler._scheduler.get_job(f"retry:{failed.id}") is not None
    harness.deliver.failing = set()
    harness.clock.advance(minutes=1)
    retried = await jobs.run_summary(ctx, created.id, retry_run_id=failed.id)
    assert retried.status is RunStatus.SUCCEEDED
    assert retried.attempt == 2
    # Day 4 succeeds.
    await _fire(harness, SLOT1 + 3 * day)

    runs = sorted(await harness.store.list_runs(created.id), key=lambda r: r.scheduled_for)
    assert [r.status for r in runs] == [RunStatus.SUCCEEDED, RunStatus.SKIPPED] + [
        RunStatus.SUCCEEDED
    ] * 2
    for before, after in itertools.pairwise(runs):
        assert before.window_end == after.window_start
    assert runs[-1].window_end == SLOT1 + 3 * day


async def test_a_failed_run_without_anchor_keeps_the_next_window_reaching_back(harness, created):
    await _fire(harness, SLOT1)
    harness.source.fail_next = 10
    failed = await _fire(harness, SLOT1 + timedelta(days=1))
    assert failed.status is RunStatus.FAILED
    assert "the source is down" in failed.error
    harness.source.fail_next = 0
    # The retry never happened (e.g. its slot was superseded): the next run covers both days.
    nxt = await _fire(harness, SLOT1 + timedelta(days=2))
    assert (nxt.window_start, nxt.window_end) == (SLOT1, SLOT1 + timedelta(days=2))
    # And the old retry, arriving late, does nothing: its messages were already summarized.
    assert (
        await jobs.run_summary(harness.scheduler.context, created.id, retry_run_id=failed.id)
        is None
    )


async def test_partial_delivery_is_not_a_failure(harness, created):
    harness.deliver.failing = {"d_file"}
    run = await _fire(harness, SLOT1)
    assert run.status is RunStatus.PARTIAL
    assert "1 of 2 destinations failed" in run.error
    schedule = await harness.store.get_schedule(created.id)
    assert schedule.consecutive_failures == 0


async def test_auto_pause_after_consecutive_failures(harness, created):
    harness.deliver.failing = {"d_chan", "d_file"}
    ctx = harness.scheduler.context
    for day in range(3):
        run = await _fire(harness, SLOT1 + timedelta(days=day))
        for _ in range(harness.settings.retry_attempts):
            harness.clock.advance(minutes=5)
            run = await jobs.run_summary(ctx, created.id, retry_run_id=run.id)
        assert run.status is RunStatus.FAILED
    schedule = await harness.store.get_schedule(created.id)
    assert schedule.status is ScheduleStatus.PAUSED
    assert schedule.pause_reason.startswith("failing: 3 runs in a row failed")
    assert harness.scheduler.next_run_time(created.id) is None
    # Each failed run is told (the bot keeps one a day per kind), then the pause.
    assert [n.kind for n in harness.notices] == ["run_failed", "run_failed", "auto_paused"]
    audit = await harness.store.list_audit(schedule_id=created.id, limit=1)
    assert (audit[0].action, audit[0].actor) == (AuditAction.PAUSED, "system")


async def test_retry_delay_grows_exponentially(harness, created):
    harness.deliver.failing = {"d_chan", "d_file"}
    run = await _fire(harness, SLOT1)
    job = harness.scheduler._scheduler.get_job(f"retry:{run.id}")
    delay = (job.trigger.run_date - harness.clock.now).total_seconds()
    assert 5 <= delay <= 15  # base 10 s with ±50 % jitter
    run = await jobs.run_summary(harness.scheduler.context, created.id, retry_run_id=run.id)
    job = harness.scheduler._scheduler.get_job(f"retry:{run.id}")
    delay = (job.trigger.run_date - harness.clock.now).total_seconds()
    assert 10 <= delay <= 30


async def test_run_timeout_fails_the_run(harness, created):
    harness.settings = harness.settings.model_copy(update={"run_timeout_seconds": 1})
    harness.scheduler.context.settings = harness.settings.model_copy(
        update={"run_timeout_seconds": 0.05, "retry_attempts": 0}
    )
    harness.source.block = True
    run = await _fire(harness, SLOT1)
    assert run.status is RunStatus.FAILED
    assert run.error.startswith("timed out after")


async def test_operations_persist_across_a_restart(harness):
    ts = harness.scheduler
    keep = await ts.create(make_schedule(name="keep"), actor="user:7")
    edit = await ts.create(make_schedule(name="edit"), actor="user:7")
    pause = await ts.create(make_schedule(name="pause"), actor="user:7")
    resume = await ts.create(make_schedule(name="resume"), actor="user:7")
    gone = await ts.create(make_schedule(name="gone"), actor="user:7")
    await ts.edit(edit.id, {"name": "edited", "lookback_seconds": 600}, actor="user:8")
    await ts.pause(pause.id, actor="user:8", reason="holiday")
    await ts.pause(resume.id, actor="user:8")
    await ts.resume(resume.id, actor="user:8")
    await ts.delete(gone.id, actor="user:8")
    harness.clock.now = SLOT1 - timedelta(minutes=30)
    manual = await ts.trigger(keep.id, actor="user:9", user_id=9)
    assert manual.trigger is RunTrigger.MANUAL

    ts = await harness.restart()
    by_name = {s.name: s for s in await ts.list()}
    assert set(by_name) == {"keep", "edited", "pause", "resume"}
    assert by_name["edited"].lookback_seconds == 600
    assert by_name["pause"].status is ScheduleStatus.PAUSED
    assert by_name["pause"].pause_reason == "holiday"
    assert by_name["resume"].status is ScheduleStatus.ACTIVE
    assert ts.next_run_time(keep.id) is not None
    assert ts.next_run_time(pause.id) is None
    assert ts.next_run_time(gone.id) is None
    runs = await harness.store.list_runs(keep.id)
    assert [r.trigger for r in runs] == [RunTrigger.MANUAL]
    actions = [e.action for e in await harness.store.list_audit(limit=100)]
    for action in ("created", "edited", "paused", "resumed", "deleted", "triggered"):
        assert action in actions


async def test_pause_and_resume_refuse_the_wrong_state(harness, created):
    with pytest.raises(ScheduleStateError, match="not paused"):
        await harness.scheduler.resume(created.id, actor="user:7")
    await harness.scheduler.pause(created.id, actor="user:7")
    with pytest.raises(ScheduleStateError, match="not active"):
        await harness.scheduler.pause(created.id, actor="user:7")


async def test_another_guilds_schedule_is_not_found(harness, created):
    with pytest.raises(NotFoundError):
        await harness.scheduler.pause(created.id, actor="user:7", guild_id=999)
    with pytest.raises(NotFoundError):
        await harness.scheduler.trigger(created.id, actor="user:7", guild_id=999)


async def test_a_paused_schedule_does_not_run_when_its_job_fires(harness, created):
    await harness.scheduler.pause(created.id, actor="user:7")
    assert await _fire(harness, SLOT1) is None


async def test_catch_up_coalesce_runs_once_for_everything_missed(harness, created):
    await _fire(harness, SLOT1)
    await harness.close()
    harness.clock.now = SLOT1 + timedelta(days=3, hours=1)  # down for three slots
    await harness.open(start=True)
    runs = await harness.store.list_runs(created.id)
    assert len(runs) == 2
    catch_up = runs[0]
    assert catch_up.trigger is RunTrigger.CATCH_UP
    assert catch_up.scheduled_for == SLOT1 + timedelta(days=3)
    assert (catch_up.window_start, catch_up.window_end) == (SLOT1, SLOT1 + timedelta(days=3))
    # A second restart does not catch up again.
    await harness.restart()
    assert len(await harness.store.list_runs(created.id)) == 2


async def test_catch_up_skip_waits_for_the_next_slot_which_covers_the_gap(harness, created):
    await _fire(harness, SLOT1)
    await harness.close()
    harness.settings = harness.settings.model_copy(update={"catch_up": "skip"})
    harness.clock.now = SLOT1 + timedelta(days=3, hours=1)
    await harness.open(start=True)
    assert len(await harness.store.list_runs(created.id)) == 1
    nxt = await _fire(harness, SLOT1 + timedelta(days=4))
    assert (nxt.window_start, nxt.window_end) == (SLOT1, SLOT1 + timedelta(days=4))


async def test_lookback_cap_limits_a_caught_up_window(harness, created):
    await _fire(harness, SLOT1)
    await harness.close()
    harness.settings = harness.settings.model_copy(update={"max_lookback_hours": 48})
    harness.clock.now = SLOT1 + timedelta(days=10, hours=1)
    await harness.open(start=True)
    catch_up = (await harness.store.list_runs(created.id))[0]
    assert catch_up.window_end - catch_up.window_start == timedelta(hours=48)


async def test_a_run_cut_off_by_a_crash_is_resumed_at_start(harness, created):
    harness.clock.now = SLOT1
    run = await harness.store.claim_run(
        jobs.Run(schedule_id=created.id, scheduled_for=SLOT1, started_at=SLOT1)
    )  # claimed, then the process died: still `running`
    harness.clock.now = SLOT1 + timedelta(minutes=5)
    await harness.restart()
    resumed = await harness.store.get_run(run.id)
    assert resumed.status is RunStatus.SUCCEEDED
    assert resumed.attempt == 2
    assert len(await harness.store.list_runs(created.id)) == 1


async def test_stop_marks_running_runs_interrupted(harness, created):
    harness.source.block = True
    harness.clock.now = SLOT1
    task = asyncio.create_task(jobs.run_summary(harness.scheduler.context, created.id))
    await harness.source.fetching.wait()
    await harness.scheduler.stop(timeout=0)
    with pytest.raises(asyncio.CancelledError):
        await task
    (run,) = await harness.store.list_runs(created.id)
    assert run.status is RunStatus.INTERRUPTED


async def test_once_schedule_completes_after_its_run(harness):
    harness.created = await harness.scheduler.create(
        make_schedule(recurrence=Once(date=SLOT1.date(), time=SLOT1.time())), actor="user:7"
    )
    await _fire(harness, SLOT1)
    schedule = await harness.store.get_schedule(harness.created.id)
    assert schedule.status is ScheduleStatus.COMPLETED
    assert harness.scheduler.next_run_time(schedule.id) is None


async def test_max_runs_completes_the_schedule(harness):
    harness.created = await harness.scheduler.create(make_schedule(max_runs=2), actor="user:7")
    await _fire(harness, SLOT1)
    assert (await harness.store.get_schedule(harness.created.id)).status is ScheduleStatus.ACTIVE
    await _fire(harness, SLOT1 + timedelta(days=1))
    assert (await harness.store.get_schedule(harness.created.id)).status is ScheduleStatus.COMPLETED


async def test_end_at_completes_the_schedule(harness):
    harness.created = await harness.scheduler.create(
        make_schedule(end_at=SLOT1 + timedelta(hours=12)), actor="user:7"
    )
    await _fire(harness, SLOT1)
    assert (await harness.store.get_schedule(harness.created.id)).status is ScheduleStatus.COMPLETED


async def test_a_change_made_by_another_process_is_picked_up_by_the_poll(harness, created):
    from scheduling.service import ScheduleService

    ts = harness.scheduler
    assert ts.next_run_time(created.id) is not None
    other = ScheduleService(harness.store, harness.settings, harness.clock)
    harness.clock.advance(seconds=1)
    await other.pause(created.id, actor="cli")
    await ts.poll()
    assert ts.next_run_time(created.id) is None
    harness.clock.advance(seconds=1)
    await other.resume(created.id, actor="cli")
    await ts.poll()
    assert ts.next_run_time(created.id) is not None


async def test_stats_report_counts_and_next_runs(harness, created):
    await harness.scheduler.start()
    await _fire(harness, SLOT1)
    stats = await harness.scheduler.stats()
    assert stats.schedules == {ScheduleStatus.ACTIVE: 1}
    assert stats.runs_last_24h == {RunStatus.SUCCEEDED: 1}
    assert [schedule_id for schedule_id, _ in stats.next_runs] == [created.id]
    assert stats.queue_depth == 0
    assert summary_job_id(created.id) == f"summary:{created.id}"


async def test_cleanup_keeps_the_window_anchor(harness, created):
    day = timedelta(days=1)
    await _fire(harness, SLOT1)
    anchor = await _fire(harness, SLOT1 + day)
    harness.deliver.failing = {"d_chan", "d_file"}
    harness.scheduler.context.settings = harness.settings.model_copy(update={"retry_attempts": 0})
    await _fire(harness, SLOT1 + 2 * day)  # failed: not an anchor
    harness.clock.now = SLOT1 + timedelta(days=200)
    report = await harness.scheduler.cleanup()
    assert report.runs == 2
    (kept,) = await harness.store.list_runs(created.id)
    assert kept.id == anchor.id
    assert kept.window_end == SLOT1 + day


async def test_cleanup_removes_old_audit_entries_and_records_itself(harness, created):
    harness.clock.now = DAY0 + timedelta(days=400)
    report = await harness.scheduler.cleanup()
    assert report.audit_entries == 1  # the creation entry
    (entry,) = await harness.store.list_audit()
    assert entry.action is AuditAction.CLEANED_UP
    assert entry.detail == {"runs": 0, "audit_entries": 1, "files": 0}


class RecordingObserver:
    def __init__(self, *, broken: bool = False) -> None:
        self.runs = []
        self.deliveries = []
        self.broken = broken

    def run_finished(self, run) -> None:
        if self.broken:
            raise RuntimeError("metrics are down")
        self.runs.append(run.status)

    def deliveries_finished(self, deliveries) -> None:
        if self.broken:
            raise RuntimeError("metrics are down")
        self.deliveries.append(sorted(d.status for d in deliveries))


async def test_the_observer_sees_every_attempt_and_its_deliveries(harness, created):
    observer = RecordingObserver()
    harness.scheduler.context.observer = observer
    harness.deliver.failing = {"d_chan", "d_file"}
    failed = await _fire(harness, SLOT1)
    harness.deliver.failing = {"d_file"}
    harness.clock.advance(minutes=5)
    await jobs.run_summary(harness.scheduler.context, created.id, retry_run_id=failed.id)

    assert observer.runs == [RunStatus.FAILED, RunStatus.PARTIAL]
    assert observer.deliveries == [["failed", "failed"], ["delivered", "failed"]]


async def test_a_broken_observer_does_not_fail_the_run(harness, created):
    harness.scheduler.context.observer = RecordingObserver(broken=True)
    run = await _fire(harness, SLOT1)
    assert run.status is RunStatus.SUCCEEDED


async def test_a_check_that_cannot_be_made_leaves_the_slot_for_later(harness, created):
    from scheduling.errors import CheckUnavailableError

    async def not_connected(schedule):
        raise CheckUnavailableError("not connected to Discord")

    first = await _fire(harness, SLOT1)
    harness.scheduler.context.precheck = not_connected
    assert await _fire(harness, SLOT1 + timedelta(days=1)) is None
    assert len(await harness.store.list_runs(created.id)) == 1
    assert (await harness.store.get_schedule(created.id)).status is ScheduleStatus.ACTIVE

    harness.scheduler.context.precheck = None
    later = await _fire(harness, SLOT1 + timedelta(days=2))
    # The next run's window reaches back over the slot that could not run: nothing skipped.
    assert later.window_start == first.window_end == SLOT1


async def test_the_check_runs_inside_the_run_slot(tmp_path, clock):
    """A burst goes check-then-digest schedule by schedule, not every check first."""
    from scheduling_fakes import Harness

    from scheduling.settings import SchedulingSettings

    made = Harness(
        path=tmp_path / "slot.db",
        clock=clock,
        settings=SchedulingSettings(min_interval_seconds=60, max_concurrent_runs=1),
    )
    await made.open()
    try:
        events = []

        async def precheck(schedule):
            events.append(("check", schedule.id))

        made.scheduler.context.precheck = precheck
        first = await made.scheduler.create(make_schedule(), actor="user:7")
        second = await made.scheduler.create(make_schedule(), actor="user:7")
        made.source.block = True
        clock.now = SLOT1
        one = asyncio.create_task(jobs.run_summary(made.scheduler.context, first.id))
        await made.source.fetching.wait()
        two = asyncio.create_task(jobs.run_summary(made.scheduler.context, second.id))
        # Queueing reads the schedule's priority first (in the store's thread): wait for it.
        for _ in range(500):
            if made.scheduler.context.waiting:
                break
            await asyncio.sleep(0.01)
        assert events == [("check", first.id)]  # the second waits for a slot, unchecked
        assert made.scheduler.context.waiting == 1
        one.cancel()
        made.source.block = False
        await asyncio.gather(one, return_exceptions=True)
        assert (await two).status is RunStatus.SUCCEEDED
        assert events == [("check", first.id), ("check", second.id)]
    finally:
        await made.close()


async def test_a_cut_off_run_a_later_window_covered_is_closed_not_left_running(harness, created):
    harness.clock.now = SLOT1
    cut_off = await harness.store.claim_run(
        jobs.Run(schedule_id=created.id, scheduled_for=SLOT1, started_at=SLOT1)
    )
    await harness.store.create_deliveries(cut_off.id, created.destinations, SLOT1)
    later = await _fire(harness, SLOT1 + timedelta(days=1))  # covers SLOT1's messages too
    assert later.window_end > cut_off.scheduled_for

    assert (
        await jobs.run_summary(harness.scheduler.context, created.id, retry_run_id=cut_off.id)
        is None
    )

    closed = await harness.store.get_run(cut_off.id)
    assert closed.status is RunStatus.FAILED
    assert closed.error.startswith("superseded")
    rows = await harness.store.list_deliveries(cut_off.id)
    assert {row.status for row in rows} == {"failed"}
    assert await harness.store.runs_with_status(RunStatus.RUNNING) == []


async def test_a_run_that_raises_keeps_its_window(harness, created):
    harness.deliver.failing = set()

    async def broken_deliver(schedule, run, summary, deliveries):
        raise RuntimeError("the outbox broke")

    harness.scheduler.context.deliver = broken_deliver
    run = await _fire(harness, SLOT1)

    assert run.status is RunStatus.FAILED
    stored = await harness.store.get_run(run.id)
    assert (stored.window_start, stored.window_end) == (SLOT1 - timedelta(days=1), SLOT1)
    assert stored.message_count == 144


async def test_a_catch_up_before_the_first_run_reaches_back_to_the_first_window(harness, created):
    """Down from before the first slot: the catch-up is the first run, and its window starts
    where the first slot's would have (not one period before the latest slot, which left
    the messages of the earlier missed slots in no digest)."""
    await harness.close()
    harness.clock.now = SLOT1 + timedelta(days=3, hours=1)  # the first three slots missed
    await harness.open(start=True)
    [catch_up] = await harness.store.list_runs(created.id)
    assert catch_up.trigger is RunTrigger.CATCH_UP
    assert catch_up.scheduled_for == SLOT1 + timedelta(days=3)
    assert (catch_up.window_start, catch_up.window_end) == (
        SLOT1 - timedelta(days=1),
        SLOT1 + timedelta(days=3),
    )
