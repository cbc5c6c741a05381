"""`max_runs` counts digests delivered on schedule: not skipped, failed or manual runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from scheduling_fakes import DAY0, make_schedule

from scheduling import jobs
from scheduling.models import Run, RunStatus, RunTrigger, ScheduleStatus
from scheduling.outcome import apply_outcome, counts
from scheduling.settings import SchedulingSettings

SLOT1 = DAY0.replace(hour=9)


def _run(status: RunStatus, trigger: RunTrigger = RunTrigger.SCHEDULED) -> Run:
    return Run(schedule_id="s", scheduled_for=SLOT1, status=status, trigger=trigger)


@pytest.mark.parametrize(
    ("status", "trigger", "counted"),
    [
        (RunStatus.SUCCEEDED, RunTrigger.SCHEDULED, True),
        (RunStatus.PARTIAL, RunTrigger.SCHEDULED, True),
        (RunStatus.SUCCEEDED, RunTrigger.CATCH_UP, True),
        (RunStatus.SKIPPED, RunTrigger.SCHEDULED, False),
        (RunStatus.FAILED, RunTrigger.SCHEDULED, False),
        (RunStatus.SUCCEEDED, RunTrigger.MANUAL, False),
        (RunStatus.PARTIAL, RunTrigger.MANUAL, False),
    ],
)
def test_only_digests_delivered_on_schedule_count(status, trigger, counted):
    before = make_schedule(max_runs=5, run_count=2)
    after, _, _ = apply_outcome(before, _run(status, trigger), SLOT1, SchedulingSettings())
    assert counts(_run(status, trigger)) is counted
    assert after.run_count == (3 if counted else 2)
    assert after.status is ScheduleStatus.ACTIVE


def test_the_last_delivered_digest_completes_the_schedule():
    before = make_schedule(max_runs=3, run_count=2)
    skipped, _, _ = apply_outcome(before, _run(RunStatus.SKIPPED), SLOT1, SchedulingSettings())
    manual, _, _ = apply_outcome(
        before, _run(RunStatus.SUCCEEDED, RunTrigger.MANUAL), SLOT1, SchedulingSettings()
    )
    done, audit, _ = apply_outcome(before, _run(RunStatus.PARTIAL), SLOT1, SchedulingSettings())
    assert skipped.status is manual.status is ScheduleStatus.ACTIVE
    assert done.status is ScheduleStatus.COMPLETED
    assert "3 digests" in done.pause_reason
    assert audit is not None


async def test_skipped_and_manual_runs_leave_room_for_the_promised_digest(harness):
    harness.created = await harness.scheduler.create(make_schedule(max_runs=1), actor="user:7")
    schedule_id = harness.created.id
    context = harness.scheduler.context

    harness.source.every = timedelta(hours=12)  # too few messages: the window is skipped
    harness.clock.now = SLOT1
    skipped = await jobs.run_summary(context, schedule_id)
    harness.source.every = timedelta(minutes=10)
    harness.clock.now = SLOT1 + timedelta(hours=2)
    manual = await harness.scheduler.trigger(schedule_id, actor="user:7")

    assert (skipped.status, manual.status) == (RunStatus.SKIPPED, RunStatus.SUCCEEDED)
    kept = await harness.store.get_schedule(schedule_id)
    assert (kept.status, kept.run_count) == (ScheduleStatus.ACTIVE, 0)

    harness.clock.now = SLOT1 + timedelta(days=1)
    delivered = await jobs.run_summary(context, schedule_id)
    assert delivered.status is RunStatus.SUCCEEDED
    done = await harness.store.get_schedule(schedule_id)
    assert (done.status, done.run_count) == (ScheduleStatus.COMPLETED, 1)
