"""Which notices a run's outcome deserves, in words that say what happened and what comes next.

The scheduler decides and words; the bot (`bot.notices`) posts, at most once per schedule, per
kind (and destination) and per UTC day, with buttons for the next step. Failures are told from
the first one, not only at auto-pause: a run that failed after all its retries, a destination
failing while the others got the digest, then the pause, the completion, and the first run that
succeeds again. A told failure is recorded before the notice goes out, so the recovery notice
survives a restart and comes once.

Text here never names a webhook URL or a secret: destinations are named by id and kind, and the
bot masks anything URL-shaped that an error might carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from scheduling.models import (
    Delivery,
    DeliveryStatus,
    Run,
    RunStatus,
    RunTrigger,
    Schedule,
    ScheduleNotice,
)
from scheduling.ports import Notify, tell
from scheduling.recurrence import next_fire_times
from scheduling.settings import SchedulingSettings
from scheduling.store import Store
from scheduling.subscriptions import is_subscriber_delivery
from scheduling.zones import resolve_zone
from summarizer.notes import count

# Kinds that report a failure: telling one opens the record a later success closes.
FAILURE_KINDS = frozenset({"run_failed", "destination_failing"})
ERROR_CHARS = 300


def local_time(at: datetime, zone: str) -> str:
    """`Tue 3 Mar 09:00 Europe/Berlin`: a moment as the schedule's admins set their clocks."""
    local = at.astimezone(resolve_zone(zone))
    return f"{local:%a} {local.day} {local:%b %H:%M} {zone}"


def _which_run(schedule: Schedule, run: Run) -> str:
    when = local_time(run.scheduled_for, schedule.timezone)
    return f"a Run now ({when})" if run.trigger is RunTrigger.MANUAL else f"the run of {when}"


def _notice(schedule: Schedule, kind: str, message: str, **extra: str) -> ScheduleNotice:
    return ScheduleNotice.model_validate(
        {
            "kind": kind,
            "schedule_id": schedule.id,
            "guild_id": schedule.guild_id,
            "created_by": schedule.created_by,
            "message": message,
            **extra,
        }
    )


def run_failed_notice(
    schedule: Schedule, run: Run, now: datetime, settings: SchedulingSettings
) -> ScheduleNotice:
    """A run that failed for good (retries spent) while the schedule stays active.

    `schedule` is the schedule after the run (its failure count includes this one).
    """
    failures = schedule.consecutive_failures
    left = max(1, settings.max_consecutive_failures - failures)
    upcoming = next_fire_times(
        schedule.recurrence, schedule.timezone, after=now, count=1, start=schedule.created_at
    )
    following = (
        f"The next run is at {local_time(upcoming[0], schedule.timezone)}"
        if upcoming
        else "There is no next run"
    )
    streak = f" That makes {failures} failed runs in a row." if failures > 1 else ""
    error = (run.error or "unknown error")[:ERROR_CHARS]
    return _notice(
        schedule,
        "run_failed",
        f"{_which_run(schedule, run)} failed after {count(run.attempt, 'attempt')}: {error}."
        f"{streak} {following}; after {count(left, 'more failure')} in a row the schedule "
        "pauses.",
    )


def completed_notice(schedule: Schedule, why: str) -> ScheduleNotice:
    """A schedule that reached its `max_runs` or `end_at`: nothing more runs."""
    return _notice(
        schedule,
        "completed",
        f"has completed: {why}. Nothing more runs; it stays listed, with its history, until it "
        "is deleted.",
    )


def recovered_notice(schedule: Schedule, run: Run) -> ScheduleNotice:
    """The first run to succeed after a failure was told."""
    disabled = [d.id for d in schedule.destinations if d.disabled_reason is not None]
    still = (
        " Still disabled: " + ", ".join(f"`{d}`" for d in disabled) + " (Re-enable once it works)."
        if disabled
        else ""
    )
    return _notice(
        schedule,
        "recovered",
        f"delivers again: {_which_run(schedule, run)} succeeded after the failures reported "
        f"earlier.{still}",
    )


def destination_failing_notice(
    schedule: Schedule, run: Run, row: Delivery, streak: int, limit: int
) -> ScheduleNotice:
    """One destination failed in a run whose other destinations got the digest."""
    left = max(1, limit - streak)
    in_row = f" It has failed {streak} runs in a row." if streak > 1 else ""
    error = (row.last_error or "unknown error")[:ERROR_CHARS]
    return _notice(
        schedule,
        "destination_failing",
        f"destination `{row.destination_id}` ({row.destination.kind}) failed in "
        f"{_which_run(schedule, run)}: {error}. The other destinations got the digest.{in_row} "
        f"After {count(left, 'more failed run')} in a row it is disabled.",
        destination_id=row.destination_id,
    )


async def failing_destination_notices(
    store: Store,
    schedule: Schedule,
    run: Run,
    rows: Sequence[Delivery],
    *,
    limit: int,
    disabled: frozenset[str],
) -> list[ScheduleNotice]:
    """A notice per destination that failed in a partial run (not one disabled by it).

    A run where every destination failed is a failed run, told as one; a member's refused DM
    is theirs, not the schedule's.
    """
    own = [row for row in rows if not is_subscriber_delivery(row)]
    failed = [row for row in own if row.status is not DeliveryStatus.DELIVERED]
    if not failed or len(failed) == len(own):
        return []
    notices = []
    for row in failed:
        if row.destination_id in disabled:
            continue  # the "disabled" notice says it all
        streak = await store.failure_streak(schedule.id, row.destination_id, limit)
        notices.append(destination_failing_notice(schedule, run, row, max(1, streak), limit))
    return notices


async def announce(
    store: Store,
    notify: Notify | None,
    notices: Sequence[ScheduleNotice],
    now: datetime,
    *,
    failure: bool = False,
) -> None:
    """Tell a schedule's notices; a failure is recorded first, so its recovery is told once.

    `failure` marks notices that report a failure whatever their kind (the auto-pause after
    failed runs).
    """
    if not notices:
        return
    if failure or any(notice.kind in FAILURE_KINDS for notice in notices):
        await store.remember_failure_told(notices[0].schedule_id, now)
    for notice in notices:
        await tell(notify, notice)


async def tell_run_outcome(
    store: Store,
    notify: Notify | None,
    schedule: Schedule,
    run: Run,
    notices: Sequence[ScheduleNotice],
    now: datetime,
) -> None:
    """After a run ended for good: its notices, and the recovery a success may be."""
    told = list(notices)
    if run.status is RunStatus.SUCCEEDED and await store.forget_failure_told(schedule.id):
        told.append(recovered_notice(schedule, run))
    await announce(store, notify, told, now, failure=run.status is RunStatus.FAILED)
