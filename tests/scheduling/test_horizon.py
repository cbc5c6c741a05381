"""The restore horizon: jobs only for schedules due within the hour, the rest from the store."""

from __future__ import annotations

import asyncio
import gc
import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from scheduling_fakes import DAY0, make_schedule, raw_sql

from scheduling import jobs
from scheduling.firing import next_fire
from scheduling.models import Daily, Once, RunStatus, RunTrigger, ScheduleStatus
from scheduling.scheduler import POLL_JOB, summary_job_id

FAR = datetime(9000, 1, 1, tzinfo=UTC)
NEAR_TIME = time(8, 30)  # 30 minutes after DAY0 (08:00): inside the hour
FAR_TIME = time(15, 0)  # 7 hours after DAY0: beyond it


def has_job(harness, schedule_id):
    return harness.scheduler._scheduler.get_job(summary_job_id(schedule_id)) is not None


async def stored_next(harness, schedule_id):
    """The schedule's `next_fire_at` as stored, or None when it has none (or no row)."""
    page, _ = await harness.store.due_timings(FAR, limit=1000)
    return {t.id: t.next_fire_at for t in page}.get(schedule_id)


async def far_schedule(harness, **changes):
    schedule = make_schedule(recurrence=Daily(time=FAR_TIME), **changes)
    return await harness.scheduler.create(schedule, actor="user:7")


async def test_a_schedule_due_within_the_hour_gets_a_job_at_once(harness):
    near = await harness.scheduler.create(
        make_schedule(recurrence=Daily(time=NEAR_TIME)), actor="user:7"
    )
    assert has_job(harness, near.id)
    assert harness.scheduler.next_run_time(near.id) == DAY0.replace(hour=8, minute=30)


async def test_a_far_schedule_has_no_job_but_a_stored_and_reported_next_fire(harness):
    far = await far_schedule(harness)
    nine_hours = DAY0.replace(hour=15)
    assert not has_job(harness, far.id)
    assert await stored_next(harness, far.id) == nine_hours
    # Given the schedule, its next fire comes from the trigger; an id alone knows no job.
    assert harness.scheduler.next_run_time(far) == nine_hours
    assert harness.scheduler.next_run_time(far.id) is None
    stats = await harness.scheduler.stats()
    assert stats.next_runs == [(far.id, nine_hours)]


async def test_the_refill_gives_a_far_schedule_its_job_as_it_comes_within_the_hour(harness):
    far = await far_schedule(harness)
    harness.clock.now = DAY0.replace(hour=13, minute=50)  # 70 minutes before: still beyond
    await harness.scheduler.poll()
    assert not has_job(harness, far.id)
    harness.clock.now = DAY0.replace(hour=14, minute=0, second=1)  # inside the hour
    await harness.scheduler.poll()
    assert has_job(harness, far.id)
    assert harness.scheduler.next_run_time(far.id) == DAY0.replace(hour=15)


async def test_the_refill_overlaps_the_next_one_so_nothing_slips_between_polls(harness):
    """A fill reaches two polls past the hour: a schedule due just beyond it is read early."""
    ts = harness.scheduler
    far = await far_schedule(harness)
    harness.clock.now = (
        DAY0.replace(hour=14) - 2 * timedelta(seconds=ts.poll_seconds) + (timedelta(seconds=1))
    )
    await ts.poll()
    assert has_job(harness, far.id)


async def test_overlapping_refills_add_one_job_and_the_slot_runs_once(harness):
    near = await harness.scheduler.create(
        make_schedule(recurrence=Daily(time=NEAR_TIME)), actor="user:7"
    )
    await harness.restart(start=False)
    ts = harness.scheduler
    await asyncio.gather(ts.poll(), ts.poll())
    await ts.poll()
    assert [job.id for job in ts._scheduler.get_jobs()] == [summary_job_id(near.id)]
    harness.clock.now = DAY0.replace(hour=8, minute=30)
    await asyncio.gather(ts.horizon.fire(near.id), ts.horizon.fire(near.id))
    runs = await harness.store.list_runs(near.id)
    assert [(r.trigger, r.status) for r in runs] == [(RunTrigger.SCHEDULED, RunStatus.SUCCEEDED)]
    await ts.poll()
    assert len(await harness.store.list_runs(near.id)) == 1


async def test_a_fired_job_stores_its_next_fire_and_leaves_until_the_refill(harness):
    near = await harness.scheduler.create(
        make_schedule(recurrence=Daily(time=NEAR_TIME)), actor="user:7"
    )
    harness.clock.now = DAY0.replace(hour=8, minute=30)
    await harness.scheduler.horizon.fire(near.id)
    tomorrow = DAY0.replace(hour=8, minute=30) + timedelta(days=1)
    assert await stored_next(harness, near.id) == tomorrow
    assert not has_job(harness, near.id)  # a day away: the store holds it meanwhile
    assert harness.scheduler.next_run_time(await harness.scheduler.get(near.id)) == tomorrow
    harness.clock.now = tomorrow - timedelta(minutes=30)
    await harness.scheduler.poll()
    assert has_job(harness, near.id)


async def test_an_hourly_job_stays_after_it_fires(harness):
    hourly = await harness.scheduler.create(
        make_schedule(recurrence={"kind": "cron", "expression": "30 * * * *"}), actor="user:7"
    )
    harness.clock.now = DAY0.replace(minute=30)
    await harness.scheduler.horizon.fire(hourly.id)
    assert has_job(harness, hourly.id)
    assert await stored_next(harness, hourly.id) == DAY0.replace(hour=9, minute=30)


async def test_pause_resume_edit_and_delete_beyond_the_horizon(harness):
    ts = harness.scheduler
    far = await far_schedule(harness)

    paused = await ts.pause(far.id, actor="user:7")
    assert await stored_next(harness, far.id) is None
    assert ts.next_run_time(paused) is None
    harness.clock.now = DAY0.replace(hour=14, minute=30)
    await ts.poll()
    assert not has_job(harness, far.id)  # paused: the refill does not bring it back

    harness.clock.now = DAY0.replace(hour=16)
    resumed = await ts.resume(far.id, actor="user:7")
    tomorrow = DAY0.replace(hour=15) + timedelta(days=1)
    assert await stored_next(harness, far.id) == tomorrow  # from its next slot on
    assert not has_job(harness, far.id)
    assert ts.next_run_time(resumed) == tomorrow

    soon = await ts.edit(far.id, {"recurrence": Daily(time=time(16, 45))}, actor="user:7")
    assert has_job(harness, far.id)  # now due within the hour: a job at once
    assert ts.next_run_time(soon.id) == DAY0.replace(hour=16, minute=45)
    harness.clock.advance(seconds=1)
    later = await ts.edit(far.id, {"recurrence": Daily(time=time(22, 0))}, actor="user:7")
    assert not has_job(harness, far.id)
    assert await stored_next(harness, far.id) == DAY0.replace(hour=22)
    assert ts.next_run_time(later) == DAY0.replace(hour=22)
    harness.clock.advance(seconds=1)
    renamed = await ts.edit(far.id, {"name": "renamed"}, actor="user:7")
    assert await stored_next(harness, far.id) == DAY0.replace(hour=22)  # timing unchanged
    assert ts.next_run_time(renamed) == DAY0.replace(hour=22)

    await ts.delete(far.id, actor="user:7")
    harness.clock.now = DAY0.replace(hour=21, minute=30)
    await ts.poll()
    assert not has_job(harness, far.id)
    assert await stored_next(harness, far.id) is None


async def test_a_far_schedule_paused_and_resumed_by_another_process(harness):
    from scheduling.service import ScheduleService

    far = await far_schedule(harness)
    other = ScheduleService(harness.store, harness.settings, harness.clock)
    harness.clock.advance(seconds=1)
    await other.pause(far.id, actor="cli")
    await harness.scheduler.poll()
    harness.clock.now = DAY0.replace(hour=14, minute=30)
    await harness.scheduler.poll()
    assert not has_job(harness, far.id)
    await other.resume(far.id, actor="cli")
    await harness.scheduler.poll()
    assert has_job(harness, far.id)


async def test_a_restart_loads_only_what_is_due_within_the_hour(harness):
    ts = harness.scheduler
    near = await ts.create(make_schedule(recurrence=Daily(time=NEAR_TIME)), actor="user:7")
    far = await far_schedule(harness)
    await harness.restart()
    assert has_job(harness, near.id)
    assert not has_job(harness, far.id)
    assert harness.scheduler.next_run_time(await harness.scheduler.get(far.id)) == DAY0.replace(
        hour=15
    )


async def test_a_restart_catches_up_missed_slots_within_and_beyond_the_horizon(harness):
    ts = harness.scheduler
    near = await ts.create(make_schedule(recurrence=Daily(time=time(9, 0))), actor="user:7")
    far = await ts.create(make_schedule(recurrence=Daily(time=time(20, 0))), actor="user:7")
    await harness.close()
    harness.clock.now = DAY0.replace(hour=8, minute=30) + timedelta(days=1)  # down a day
    await harness.open(start=True)

    for schedule, slot in ((near, DAY0.replace(hour=9)), (far, DAY0.replace(hour=20))):
        [run] = await harness.store.list_runs(schedule.id)
        assert (run.trigger, run.scheduled_for) == (RunTrigger.CATCH_UP, slot)
    assert has_job(harness, near.id)  # its next slot (09:00) is within the hour
    assert not has_job(harness, far.id)
    assert await stored_next(harness, near.id) == DAY0.replace(hour=9) + timedelta(days=1)
    assert await stored_next(harness, far.id) == DAY0.replace(hour=20) + timedelta(days=1)

    await harness.restart()  # nothing is caught up twice
    assert len(await harness.store.list_runs(near.id)) == 1
    assert len(await harness.store.list_runs(far.id)) == 1


async def test_a_catch_up_the_check_cannot_judge_waits_for_the_next_slot(harness):
    from scheduling.errors import CheckUnavailableError

    far = await far_schedule(harness)
    await harness.close()
    harness.clock.now = DAY0.replace(hour=16)

    async def not_connected(schedule):
        raise CheckUnavailableError("not connected to Discord")

    await harness.open()
    harness.scheduler.context.precheck = not_connected
    await harness.scheduler.start()
    await harness.scheduler.wait_idle()
    await harness.scheduler.poll()  # the refill does not try again every few seconds
    await harness.scheduler.wait_idle()
    assert await harness.store.list_runs(far.id) == []
    assert await stored_next(harness, far.id) == DAY0.replace(hour=15) + timedelta(days=1)


async def test_catch_up_skip_still_moves_the_missed_next_fire_on(harness):
    far = await far_schedule(harness)
    await harness.close()
    harness.settings = harness.settings.model_copy(update={"catch_up": "skip"})
    harness.clock.now = DAY0.replace(hour=16)
    await harness.open(start=True)
    assert await harness.store.list_runs(far.id) == []
    assert await stored_next(harness, far.id) == DAY0.replace(hour=15) + timedelta(days=1)


async def test_a_database_from_before_the_column_is_caught_up_like_before(harness):
    """Rows migrated with an unknown next fire ('') are judged at start by the old rules."""
    ts = harness.scheduler
    near = await ts.create(make_schedule(recurrence=Daily(time=time(9, 0))), actor="user:7")
    far = await far_schedule(harness)
    await harness.close()
    await raw_sql(harness, "UPDATE schedules SET next_fire_at = ''")
    harness.clock.now = DAY0.replace(hour=9, minute=30)
    await harness.open(start=True)
    [run] = await harness.store.list_runs(near.id)
    assert (run.trigger, run.scheduled_for) == (RunTrigger.CATCH_UP, DAY0.replace(hour=9))
    assert await harness.store.list_runs(far.id) == []  # not due yet: nothing missed
    assert await stored_next(harness, near.id) == DAY0.replace(hour=9) + timedelta(days=1)
    assert await stored_next(harness, far.id) == DAY0.replace(hour=15)


async def test_a_one_time_schedule_beyond_the_horizon_runs_once_and_completes(harness):
    ts = harness.scheduler
    at = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    once = await ts.create(
        make_schedule(recurrence=Once(date=date(2026, 3, 4), time=time(10, 0))), actor="user:7"
    )
    assert not has_job(harness, once.id)
    assert ts.next_run_time(once) == at
    harness.clock.now = at - timedelta(minutes=59)
    await ts.poll()
    assert has_job(harness, once.id)
    harness.clock.now = at
    await ts.horizon.fire(once.id)
    assert (await ts.get(once.id)).status is ScheduleStatus.COMPLETED
    assert not has_job(harness, once.id)
    assert await stored_next(harness, once.id) is None


async def test_the_stored_next_fire_follows_the_dst_rules(harness):
    """Berlin springs forward at 02:00 on 2026-03-29: 02:30 that day fires at the jump."""
    ts = harness.scheduler
    harness.clock.now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    gap = await ts.create(
        make_schedule(recurrence=Daily(time=time(2, 30)), timezone="Europe/Berlin"),
        actor="user:7",
    )
    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST, the first instant after
    assert await stored_next(harness, gap.id) == jump
    assert jump == next_fire(gap.recurrence, gap.timezone, harness.clock.now)
    harness.clock.now = jump - timedelta(minutes=45)
    await ts.poll()
    assert ts.next_run_time(gap.id) == jump
    harness.clock.now = jump
    await ts.horizon.fire(gap.id)
    assert await stored_next(harness, gap.id) == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)


async def test_a_run_outcome_keeps_the_stored_next_fire(harness):
    """Counters change with every run; the timing does not, so neither does the column."""
    near = await harness.scheduler.create(
        make_schedule(recurrence=Daily(time=NEAR_TIME)), actor="user:7"
    )
    harness.clock.now = DAY0.replace(hour=8, minute=30)
    await jobs.run_summary(harness.scheduler.context, near.id)  # not through the horizon
    assert (await harness.scheduler.get(near.id)).run_count == 1
    assert await stored_next(harness, near.id) == DAY0.replace(hour=8, minute=30)


@pytest.mark.parametrize("enabled", [True, False])
async def test_a_fill_restores_the_garbage_collector_as_it_found_it(harness, enabled):
    await far_schedule(harness)
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        await harness.scheduler.poll()
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()


async def test_a_refill_reads_only_what_came_within_reach_since_the_last(harness):
    ts = harness.scheduler
    for minute in (10, 20, 40):
        await ts.create(make_schedule(recurrence=Daily(time=time(8, minute))), actor="user:7")
    late = await ts.create(make_schedule(recurrence=Daily(time=time(9, 10))), actor="user:7")
    await harness.restart(start=False)
    ts = harness.scheduler
    read = []
    due_timings = harness.store.due_timings

    async def counting(*args, **kwargs):
        page, key = await due_timings(*args, **kwargs)
        read.extend(t.id for t in page)
        return page, key

    harness.store.due_timings = counting
    await ts.poll()
    assert len(read) == 3  # the first fill: everything due within the hour
    read.clear()
    harness.clock.advance(seconds=5)
    await ts.poll()
    assert read == []  # nothing new came within reach
    harness.clock.now = DAY0.replace(hour=8, minute=9, second=55)  # 09:10 within reach now
    await ts.poll()
    assert read == [late.id]
    assert has_job(harness, late.id)


def test_a_bulk_load_promotes_what_it_made_unless_the_heap_is_frozen():
    from scheduling.horizon import gc_paused

    assert gc.get_freeze_count() == 0
    with gc_paused() as pause:
        made = [[i] for i in range(1000)]
        pause.bulk = True
    assert gc.get_freeze_count() == 0  # promoted to the oldest generation, nothing left frozen
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused() as pause:
            more = [[i] for i in range(1000)]
            pause.bulk = True
        assert gc.get_freeze_count() > frozen // 2  # the bot's frozen heap stays frozen
    finally:
        gc.unfreeze()
    assert len(made) == len(more) == 1000


async def test_a_poll_in_flight_at_stop_ends_quietly_before_the_store_closes(harness, caplog):
    """Stopping while a poll reads (a long refill, say) logged an error with a traceback
    (APScheduler's "Job ... raised an exception": its job cancelled), or the poll read from
    the closed store afterwards ("connection is closed")."""
    scheduler = await harness.restart()
    entered, never = asyncio.Event(), asyncio.Event()
    reads = harness.store.due_timings

    async def slow_read(*args, **kwargs):
        entered.set()
        await never.wait()
        return await reads(*args, **kwargs)

    harness.store.due_timings = slow_read
    scheduler._scheduler.modify_job(POLL_JOB, next_run_time=datetime.now(UTC))
    await entered.wait()
    await scheduler.stop(timeout=0)
    assert scheduler.changes.task is None  # ended before stop returned
    await harness.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
