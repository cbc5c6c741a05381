"""How a finished run moves its schedule: counters, auto-pause and completion (pure).

Each move comes with the notice it deserves (`scheduling.notices` words them): a failed run,
the auto-pause, the completion of a schedule that reached its `max_runs` or `end_at`.
"""

from __future__ import annotations

from datetime import datetime

from scheduling.models import (
    AuditAction,
    AuditEntry,
    Once,
    Run,
    RunStatus,
    RunTrigger,
    Schedule,
    ScheduleNotice,
    ScheduleStatus,
)
from scheduling.notices import completed_notice, run_failed_notice
from scheduling.recurrence import next_fire_times
from scheduling.settings import SchedulingSettings

DELIVERED_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.PARTIAL})


def apply_outcome(
    before: Schedule, run: Run, now: datetime, settings: SchedulingSettings
) -> tuple[Schedule, AuditEntry | None, ScheduleNotice | None]:
    """The schedule after `run` ended for good (retries exhausted or not needed).

    A failed run counts towards auto-pause; anything else resets the count (`partial` is not a
    failure). A schedule with nothing left to fire ends `completed`.
    """
    failures = before.consecutive_failures + 1 if run.status is RunStatus.FAILED else 0
    delivered = before.run_count + 1 if counts(run) else before.run_count
    after = before.model_copy(update={"run_count": delivered, "consecutive_failures": failures})
    if before.status is not ScheduleStatus.ACTIVE:
        return after, None, None
    if run.status is RunStatus.FAILED and failures >= settings.max_consecutive_failures:
        reason = (
            f"failing: {failures} runs in a row failed; last error: {run.error or 'unknown'}"
        )[:500]
        paused = after.model_copy(
            update={"status": ScheduleStatus.PAUSED, "pause_reason": reason, "updated_at": now}
        )
        audit = _system_audit(paused, AuditAction.PAUSED, now, {"reason": "failing"})
        notice = ScheduleNotice(
            kind="auto_paused",
            schedule_id=paused.id,
            guild_id=paused.guild_id,
            created_by=paused.created_by,
            message=f"Schedule {paused.name or paused.id} was paused: {reason}. Resume it once "
            "the cause is fixed: its next digest covers everything since the last one.",
        )
        return paused, audit, notice
    why = _completion(after, run, now)
    if why is None:
        failed = run.status is RunStatus.FAILED
        return after, None, run_failed_notice(after, run, now, settings) if failed else None
    done = after.model_copy(
        update={"status": ScheduleStatus.COMPLETED, "pause_reason": why, "updated_at": now}
    )
    # A one-off's digest is its own news; a schedule that ran out of runs or time is told.
    told = None if isinstance(done.recurrence, Once) else completed_notice(done, why)
    return done, _system_audit(done, AuditAction.COMPLETED, now, {"reason": why}), told


def counts(run: Run) -> bool:
    """Whether a run counts towards `max_runs`: a digest delivered on schedule.

    `max_runs` promises a number of digests, so a skipped window (too few messages), a failed
    run and a `/schedule run` (an extra, asked for by hand) leave the count where it was.
    """
    return run.status in DELIVERED_STATUSES and run.trigger is not RunTrigger.MANUAL


def _completion(schedule: Schedule, run: Run, now: datetime) -> str | None:
    if isinstance(schedule.recurrence, Once) and run.trigger is not RunTrigger.MANUAL:
        return "its one run is done"
    if schedule.max_runs is not None and schedule.run_count >= schedule.max_runs:
        return f"it delivered its limit of {schedule.max_runs} digests"
    if schedule.end_at is not None:
        upcoming = next_fire_times(
            schedule.recurrence, schedule.timezone, after=now, count=1, start=schedule.created_at
        )
        if not upcoming or upcoming[0] > schedule.end_at:
            return f"its end time {schedule.end_at.isoformat()} has passed"
    return None


def _system_audit(
    schedule: Schedule, action: AuditAction, now: datetime, detail: dict[str, str]
) -> AuditEntry:
    return AuditEntry(
        at=now,
        guild_id=schedule.guild_id,
        schedule_id=schedule.id,
        actor="system",
        action=action,
        detail=detail,
    )
