"""How a run ends: recorded (or retried), timed out, reopened or superseded.

`jobs.run_summary` makes a digest; these decide what its run row says afterwards and what
follows from it (a retry, a pause, a notice). Apart from `jobs.py`, so each stays readable.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from scheduling.models import (
    AuditEntry,
    Delivery,
    DeliveryStatus,
    Run,
    RunStatus,
    Schedule,
    ScheduleNotice,
)
from scheduling.notices import tell_run_outcome
from scheduling.outcome import apply_outcome
from scheduling.subscriptions import is_subscriber_delivery

if TYPE_CHECKING:
    from scheduling.jobs import JobContext

log = logging.getLogger(__name__)

RETRYABLE = frozenset({RunStatus.FAILED, RunStatus.INTERRUPTED, RunStatus.RUNNING})


async def record(context: JobContext, run: Run) -> Run:
    """Store the outcome; a failure with retries left asks for a retry instead of counting."""
    settings = context.settings
    if run.status is RunStatus.FAILED and run.attempt <= settings.retry_attempts:
        delay = settings.retry_base_seconds * 2 ** (run.attempt - 1)
        delay *= 0.5 + context.rng.random()  # jitter: retries of a burst don't stampede
        await context.store.finish_run(run)
        observe(context, "run_finished", run)
        context.schedule_retry(
            run.schedule_id, run.id or 0, context.clock() + timedelta(seconds=delay)
        )
        return run
    notices: list[ScheduleNotice] = []

    def change(before: Schedule) -> tuple[Schedule, AuditEntry | None]:
        after, audit, notice = apply_outcome(before, run, context.clock(), settings)
        if notice is not None:
            notices.append(notice)
        return after, audit

    changed = await context.store.finish_run(run, change)
    observe(context, "run_finished", run)
    if changed is not None:
        context.on_change(run.schedule_id, changed[1])
        await tell_run_outcome(
            context.store, context.notify, changed[1], run, notices, context.clock()
        )
    return run


def ended(context: JobContext, run: Run, status: RunStatus, error: str | None) -> Run:
    """`run` with its outcome and end time (not stored yet: `record` does that)."""
    return run.model_copy(update={"status": status, "error": error, "finished_at": context.clock()})


def delivery_verdict(outcomes: list[Delivery]) -> tuple[RunStatus, str | None]:
    """Succeeded, partial or failed, by the schedule's own destinations, with what failed."""
    # A member's closed DMs are theirs: a run is judged by the schedule's own destinations.
    outcomes = [d for d in outcomes if not is_subscriber_delivery(d)]
    failed = [d for d in outcomes if d.status is not DeliveryStatus.DELIVERED]
    if not failed:
        return RunStatus.SUCCEEDED, None
    detail = "; ".join(f"{d.destination.kind} {d.destination.id}: {d.last_error}" for d in failed)
    text = f"{len(failed)} of {len(outcomes)} destinations failed: {detail}"
    return (RunStatus.PARTIAL if len(failed) < len(outcomes) else RunStatus.FAILED), text


def observe(context: JobContext, event: str, value: object) -> None:
    """Tell the observer; a broken observer (metrics) must never fail a run."""
    if context.observer is None:
        return
    try:
        getattr(context.observer, event)(value)
    except Exception:
        log.exception("run observer failed on %s", event)


async def timed_out(context: JobContext, run: Run, limit_seconds: float) -> Run:
    """A run cut off by `run_timeout_seconds`, judged by what it got done.

    The window it summarized stays on it; deliveries still going are failed with the reason;
    if some destinations got the digest the run is partial, not failed, so the next window
    continues after this one instead of summarizing (and sending) the same messages again.
    """
    current = await context.store.get_run(run.id or 0) or run
    reason = f"timed out after {limit_seconds:g} s (scheduling.run_timeout_seconds)"
    settled = await fail_pending(context, run, reason)
    if not settled:
        return ended(context, current, RunStatus.FAILED, reason)
    observe(context, "deliveries_finished", settled)
    status, detail = delivery_verdict(settled)
    return ended(context, current, status, f"{reason}: {detail}" if detail else reason)


async def fail_pending(context: JobContext, run: Run, reason: str) -> list[Delivery]:
    """Fail a run's deliveries still `pending` with `reason`; returns every row as it ends."""
    rows = []
    for row in await context.store.list_deliveries(run.id or 0):
        if row.status is DeliveryStatus.PENDING:
            error = f"{row.last_error}; {reason}" if row.last_error else reason
            row = row.model_copy(
                update={
                    "status": DeliveryStatus.FAILED,
                    "last_error": error,
                    "updated_at": context.clock(),
                }
            )
            await context.store.update_delivery(row)
        rows.append(row)
    return rows


async def reopen(context: JobContext, run_id: int, now: datetime) -> Run | None:
    """A retried or resumed run, running again; None when it is not to be retried.

    A run a later window already covered is closed instead: retrying it would summarize
    nothing and could send a digest of messages another digest already had.
    """
    run = await context.store.get_run(run_id)
    if run is None or run.status not in RETRYABLE:
        return None
    anchor = await context.store.latest_anchor(run.schedule_id)
    if (
        anchor is not None
        and anchor.window_end is not None
        and anchor.window_end >= run.scheduled_for
    ):
        # A later run already covered this slot's messages: retrying would summarize nothing.
        if run.status is not RunStatus.FAILED:
            await close_superseded(context, run, now)
        return None
    reopened = run.model_copy(
        update={
            "status": RunStatus.RUNNING,
            "attempt": run.attempt + 1,
            "error": None,
            "started_at": now,
            "finished_at": None,
        }
    )
    await context.store.update_run(reopened)
    return reopened


async def close_superseded(context: JobContext, run: Run, now: datetime) -> None:
    """End a cut-off run a later window already covers, so nothing stays `running` forever."""
    reason = "superseded: a later run's window covered this one before it could be resumed"
    await fail_pending(context, run, reason)
    await context.store.update_run(
        run.model_copy(update={"status": RunStatus.FAILED, "error": reason, "finished_at": now})
    )
    log.warning("schedule %s: run %s %s", run.schedule_id, run.id, reason)


def error_text(exc: BaseException) -> str:
    """What went wrong, as one stored line of at most 500 characters."""
    text = str(exc) or type(exc).__name__
    return text[:500]
