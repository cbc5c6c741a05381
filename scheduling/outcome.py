"""How a finished run moves its schedule: counters, auto-pause and completion (pure)."""

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
from scheduling.recurrence import next_fire_times
from scheduling.settings import SchedulingSettings


def apply_outcome(
    before: Schedule, run: Run, now: datetime, settings: SchedulingSettings
) -> tuple[Schedule, AuditEntry | None, ScheduleNotice | None]:
    """The schedule after `run` ended for good (retries exhausted or not needed).

    A failed run counts towards auto-pause; anything else resets the count (`partial` is not a
    failure). A schedule with nothing left to fire ends `completed`.
    """
    failures = before.consecutive_failures + 1 if run.status is RunStatus.FAILED else 0
    after = before.model_copy(
        update={"run_count": before.run_count + 1, "consecutive_failures": failures}
    )
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
            message=f"Schedule {paused.name or paused.id} was paused: {reason}",
        )
        return paused, audit, notice
    why = _completion(after, run, now)
    if why is None:
        return after, None, None
    done = after.model_copy(
        update={"status": ScheduleStatus.COMPLETED, "pause_reason": why, "updated_at": now}
    )
    return done, _system_audit(done, AuditAction.COMPLETED, now, {"reason": why}), None


def _completion(schedule: Schedule, run: Run, now: datetime) -> str | None:
    if isinstance(schedule.recurrence, Once) and run.trigger is not RunTrigger.MANUAL:
        return "its one run is done"
    if schedule.max_runs is not None and schedule.run_count >= schedule.max_runs:
        return f"it reached its limit of {schedule.max_runs} runs"
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
