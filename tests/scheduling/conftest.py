"""Fixtures for scheduling tests (the fakes live in `scheduling_fakes`)."""

from __future__ import annotations

import pytest
from scheduling_fakes import FakeClock, Harness

from scheduling.settings import SchedulingSettings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def harness(tmp_path, clock):
    settings = SchedulingSettings(
        min_interval_seconds=60, retry_attempts=2, retry_base_seconds=10, max_consecutive_failures=3
    )
    made = Harness(path=tmp_path / "bot.db", clock=clock, settings=settings)
    await made.open()
    try:
        yield made
    finally:
        await made.close()
