"""A burst: 1,000 schedules due in the same second all run, eight at a time, none dropped."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from scheduling_fakes import FakeDeliver, FakeSource, fake_summarize, make_schedule

from scheduling.models import Interval, RunStatus, utc_now
from scheduling.scheduler import TaskScheduler
from scheduling.settings import RetentionSettings, SchedulingSettings

COUNT = 1000


async def test_a_thousand_schedules_due_together_all_run(store, tmp_path):
    settings = SchedulingSettings(max_concurrent_runs=8, min_interval_seconds=60)
    source = FakeSource()
    deliver = FakeDeliver(store)
    in_flight = peak = 0
    done = asyncio.Event()
    real_deliver = deliver.__call__

    async def counting_deliver(*args):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)  # let other runs interleave, as real I/O would
        try:
            return await real_deliver(*args)
        finally:
            in_flight -= 1
            if len(deliver.calls) == COUNT:
                done.set()

    scheduler = TaskScheduler(
        store,
        settings,
        RetentionSettings(),
        source=source,
        summarize=fake_summarize,
        deliver=counting_deliver,
        file_root=tmp_path / "digests",
        max_messages=50,
        min_messages=1,
    )
    # Every schedule fires every hour, anchored so that all are due ~1 s from now.
    due = utc_now().replace(microsecond=0) + timedelta(seconds=2)
    recurrence = Interval(seconds=3600, anchor=due - timedelta(hours=1))
    schedules = [make_schedule(recurrence=recurrence) for _ in range(COUNT)]
    await store.insert_schedules(schedules, actor="test", now=utc_now())
    await scheduler.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=60)
    finally:
        await scheduler.stop(timeout=5)
    runs = await store.count_runs_since(due - timedelta(hours=2))
    assert runs == {RunStatus.SUCCEEDED: COUNT}
    assert len(set(deliver.calls)) == COUNT
    assert peak <= 8
