"""Run slots: when more runs are due than may run at once, priority first, then earliest due."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from scheduling_fakes import DAY0, make_schedule

from scheduling import jobs
from scheduling.settings import SchedulingSettings
from scheduling.slots import PrioritySlots, rank

T0 = DAY0


async def _until(condition, seconds: float = 5) -> None:
    """Wait for `condition` (the store reads in its own thread: yielding once is not enough)."""
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


async def test_a_freed_slot_goes_to_high_then_normal_then_low_earliest_due_first():
    slots = PrioritySlots(1)
    await slots.acquire("normal", T0)  # the one slot is busy
    order: list[str] = []

    async def wait(name: str, priority: str, due_minutes: int) -> None:
        await slots.acquire(priority, T0 + timedelta(minutes=due_minutes))
        order.append(name)
        slots.release()

    # Arrival order is the reverse of the expected start order.
    waiters = [
        asyncio.create_task(wait(name, priority, due))
        for name, priority, due in (
            ("low-late", "low", 5),
            ("low-early", "low", 1),
            ("normal-late", "normal", 4),
            ("normal-early", "normal", 2),
            ("high-late", "high", 3),
            ("high-early", "high", 0),
        )
    ]
    await _until(lambda: slots.waiting == 6)
    slots.release()
    await asyncio.gather(*waiters)

    assert order == [
        "high-early",
        "high-late",
        "normal-early",
        "normal-late",
        "low-early",
        "low-late",
    ]
    assert slots.waiting == 0


async def test_equal_priority_and_due_start_in_arrival_order():
    slots = PrioritySlots(1)
    await slots.acquire("normal", T0)
    order: list[int] = []

    async def wait(number: int) -> None:
        await slots.acquire("normal", T0)
        order.append(number)
        slots.release()

    waiters = [asyncio.create_task(wait(n)) for n in range(4)]
    await _until(lambda: slots.waiting == 4)
    slots.release()
    await asyncio.gather(*waiters)
    assert order == [0, 1, 2, 3]


async def test_a_cancelled_waiter_does_not_keep_a_slot():
    slots = PrioritySlots(1)
    await slots.acquire("normal", T0)
    cancelled = asyncio.create_task(slots.acquire("high", T0))
    later = asyncio.create_task(slots.acquire("low", T0))
    await _until(lambda: slots.waiting == 2)
    cancelled.cancel()
    await asyncio.gather(cancelled, return_exceptions=True)

    slots.release()
    await asyncio.wait_for(later, 1)  # the slot skipped the cancelled waiter
    slots.release()
    await slots.acquire("normal", T0)  # and came back free afterwards
    assert slots.waiting == 0


def test_unknown_priorities_wait_as_normal():
    assert [rank("high"), rank("normal"), rank("low")] == [0, 1, 2]
    assert rank(None) == rank("bogus") == rank("normal")


async def test_waiting_runs_start_by_priority_then_due(tmp_path, clock, database_url):
    """The engine itself: one slot busy, low/normal/high schedules due, in the README's order."""
    from scheduling_fakes import Harness

    made = Harness(
        path=tmp_path / "slots.db",
        clock=clock,
        settings=SchedulingSettings(min_interval_seconds=60, max_concurrent_runs=1),
        url=database_url,
    )
    await made.open()
    try:
        scheduler = made.scheduler
        busy = await scheduler.create(make_schedule(name="busy"), actor="user:7")
        made_ids = {}
        for name, priority in (
            ("low", "low"),
            ("normal-late", "normal"),
            ("normal-early", "normal"),
            ("high", "high"),
        ):
            schedule = await scheduler.create(
                make_schedule(name=name, priority=priority), actor="user:7"
            )
            made_ids[schedule.id] = name
        slot = DAY0.replace(hour=9)
        clock.now = slot + timedelta(minutes=10)
        made.source.block = True
        holding = asyncio.create_task(jobs.run_summary(scheduler.context, busy.id))
        await made.source.fetching.wait()
        dues = {"low": 0, "normal-late": 3, "normal-early": 1, "high": 2}
        queued = [
            asyncio.create_task(
                jobs.run_summary(
                    scheduler.context, schedule_id, scheduled_for=slot + timedelta(minutes=dues[n])
                )
            )
            for schedule_id, n in made_ids.items()
        ]
        await _until(lambda: scheduler.context.waiting == 4)
        made.source.block = False
        holding.cancel()
        await asyncio.gather(holding, return_exceptions=True)
        runs = await asyncio.gather(*queued)

        assert all(run is not None for run in runs)
        by_delivery = [
            made_ids[(await made.store.get_run(run_id)).schedule_id]
            for run_id in made.deliver.calls
        ]
        assert by_delivery == ["high", "normal-early", "normal-late", "low"]
    finally:
        await made.close()
