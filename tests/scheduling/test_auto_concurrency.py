"""`max_concurrent_runs = "auto"`: enough runs at once to keep the REST rate limit busy."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from scheduling_fakes import DAY0

from scheduling.settings import SchedulingSettings
from scheduling.slots import (
    AUTO_MAX,
    AUTO_MIN,
    PrioritySlots,
    auto_capacity,
    run_capacity,
)


@dataclass
class Pace:
    rate: float = 48.0
    latency_seconds: float | None = None


@pytest.mark.parametrize(
    ("latency", "expected"),
    [
        (None, AUTO_MIN),  # nothing measured yet: the old fixed default
        (0.002, AUTO_MIN),  # loopback
        (0.05, 5),  # 2 x 48/s x 50 ms = 4.8
        (0.1, 10),  # 2 x 48/s x 100 ms = 9.6: the bench's latency
        (0.15, 15),  # 14.4
        (0.3, AUTO_MAX),  # far from Discord: capped (each run holds its messages in memory)
        (5.0, AUTO_MAX),
    ],
)
def test_auto_follows_littles_law_between_its_bounds(latency, expected):
    assert auto_capacity(48.0, latency) == expected


def test_a_slower_pace_needs_fewer_runs():
    assert auto_capacity(24.0, 0.1) == 5
    assert auto_capacity(0.0, 0.1) == AUTO_MIN


def test_a_fixed_setting_is_honoured_whatever_the_latency():
    assert run_capacity(3, Pace(latency_seconds=0.2)) == 3
    assert run_capacity(40, Pace(latency_seconds=0.001)) == 40
    assert run_capacity("auto", Pace(latency_seconds=0.1)) == 10
    assert run_capacity("auto", None) == AUTO_MIN  # simulators: no pacer


def test_auto_is_the_default_and_a_number_still_parses():
    assert SchedulingSettings().max_concurrent_runs == "auto"
    assert SchedulingSettings(max_concurrent_runs="12").max_concurrent_runs == 12
    with pytest.raises(ValueError, match='expected "auto" or a whole number'):
        SchedulingSettings(max_concurrent_runs="many")
    with pytest.raises(ValueError, match="must be at least 1"):
        SchedulingSettings(max_concurrent_runs=0)


async def test_growing_hands_the_new_slots_to_waiters_in_priority_order():
    slots = PrioritySlots(1)
    await slots.acquire("normal", DAY0)
    started: list[str] = []

    async def wait(name: str, priority: str) -> None:
        await slots.acquire(priority, DAY0)
        started.append(name)

    waiters = [
        asyncio.create_task(wait(name, priority))
        for name, priority in (("low", "low"), ("normal", "normal"), ("high", "high"))
    ]
    for _ in range(3):
        await asyncio.sleep(0)
    assert slots.waiting == 3

    slots.resize(3)
    await asyncio.wait_for(asyncio.gather(*waiters[1:]), 1)

    assert started == ["high", "normal"]
    assert slots.waiting == 1  # "low" still waits: 3 slots, 3 runs
    slots.release()
    await asyncio.wait_for(waiters[0], 1)
    assert started == ["high", "normal", "low"]


async def test_shrinking_lets_running_runs_finish_and_starts_none_until_under():
    slots = PrioritySlots(3)
    for _ in range(3):
        await slots.acquire("normal", DAY0)
    slots.resize(1)
    late = asyncio.create_task(slots.acquire("high", DAY0))
    await asyncio.sleep(0)

    slots.release()  # 2 running, capacity 1: still full
    await asyncio.sleep(0)
    assert not late.done()
    slots.release()  # 1 running
    await asyncio.sleep(0)
    assert not late.done()
    slots.release()  # 0 running: the waiter starts
    await asyncio.wait_for(late, 1)
    assert slots.in_use == 1


async def test_a_run_resizes_the_slots_from_the_latency_measured_so_far(tmp_path, clock):
    from scheduling_fakes import Harness, make_schedule

    from scheduling import jobs

    made = Harness(path=tmp_path / "auto.db", clock=clock, settings=SchedulingSettings())
    await made.open()
    try:
        context = made.scheduler.context
        assert context.slots.capacity == AUTO_MIN  # nothing measured at start-up
        context.pace = Pace(latency_seconds=0.15)
        schedule = await made.scheduler.create(make_schedule(), actor="user:7")
        clock.now = DAY0.replace(hour=9, minute=5)

        await jobs.run_summary(context, schedule.id)

        assert context.slots.capacity == 15
    finally:
        await made.close()
