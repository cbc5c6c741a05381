"""The outbox: delivery rows are the truth about who got a digest.

A run writes one `pending` row per destination before sending (the store does that); this
module sends through `delivery.deliver_all` and records every attempt on its row. A row stays
`pending` while retries go on, so a crash at any moment leaves it to be resumed, with the
same delivery id (the consumer's `webhook-id`) and the stored summary: at worst a duplicate the
consumer can recognise, never a loss.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from delivery.fanout import Sender, deliver_all
from delivery.models import (
    Attempt,
    DeliveryContext,
    DeliveryResult,
    DeliveryTarget,
    Destination,
    WebhookDestination,
)
from delivery.settings import DeliverySettings
from scheduling.models import (
    AuditAction,
    AuditEntry,
    Delivery,
    DeliveryStatus,
    Run,
    Schedule,
    ScheduleNotice,
)
from scheduling.notices import announce, failing_destination_notices
from scheduling.ports import Notify, tell
from scheduling.store import Store
from summarizer.models import Summary

log = logging.getLogger(__name__)


def may_have_been_sent(row: Delivery, run: Run) -> bool:
    """Whether a row not yet delivered may still have reached its destination.

    A row written before this attempt of its run began is left from a process that stopped or
    crashed, or from a failed attempt of the run: its send may have gone out unrecorded.
    """
    return row.attempts > 0 or row.created_at < run.started_at


def current_secrets(schedule: Schedule, destination: Destination) -> Destination:
    """A row's destination snapshot with the signing secrets the schedule holds now.

    The snapshot keeps a resumed delivery going where it was meant to go, but a secret rotated
    since must sign it too: the receiver may have switched to the new secret already.
    """
    if not isinstance(destination, WebhookDestination):
        return destination
    for now in schedule.destinations:
        if (
            isinstance(now, WebhookDestination)
            and now.id == destination.id
            and now.url == destination.url
        ):
            return destination.model_copy(
                update={
                    "secret": now.secret,
                    "previous_secret": now.previous_secret,
                    "previous_secret_expires_at": now.previous_secret_expires_at,
                }
            )
    return destination


class Outbox:
    """The `deliver` callable of `TaskScheduler`: send, record, disable what keeps failing."""

    def __init__(
        self,
        store: Store,
        senders: Mapping[str, Sender],
        settings: DeliverySettings,
        clock: Callable[[], datetime],
        notify: Notify | None = None,
    ) -> None:
        self.store = store
        self.senders = senders
        self.settings = settings
        self.clock = clock
        self.notify = notify

    async def __call__(
        self, schedule: Schedule, run: Run, summary: Summary, deliveries: list[Delivery]
    ) -> list[Delivery]:
        """Send every row not yet delivered; returns every row in its final state."""
        rows = {row.id: row for row in deliveries}
        base = {row.id: row.attempts for row in deliveries}
        waiting = [row for row in deliveries if row.status is not DeliveryStatus.DELIVERED]
        targets = [
            DeliveryTarget(
                delivery_id=r.id,
                destination=current_secrets(schedule, r.destination),
                previous_external_id=await self._previous(schedule, r),
                resend_since=r.created_at if may_have_been_sent(r, run) else None,
            )
            for r in waiting
        ]

        async def record(attempt: Attempt) -> None:
            row = rows[attempt.delivery_id]
            now = self.clock()
            update: dict[str, object] = {
                "attempts": base[row.id] + attempt.attempt,
                "http_status": attempt.http_status,
                "duration_ms": attempt.duration_ms,
                "updated_at": now,
            }
            if attempt.ok:
                update |= {
                    "status": DeliveryStatus.DELIVERED,
                    "last_error": None,
                    "external_id": attempt.external_id,
                    "delivered_at": now,
                }
            else:
                update["last_error"] = attempt.error
            rows[row.id] = row.model_copy(update=update)
            await self.store.update_delivery(rows[row.id])

        context = DeliveryContext(
            guild_id=schedule.guild_id,
            channel_id=schedule.channel_ids[0],
            schedule_id=schedule.id,
            schedule_name=schedule.name or None,
            run_id=run.id,
            window_end=run.window_end or run.scheduled_for,
        )
        results = await deliver_all(
            summary,
            targets,
            context,
            senders=self.senders,
            settings=self.settings,
            recorder=record,
        )
        for result in results:
            row = rows[result.delivery_id]
            if row.status is not DeliveryStatus.DELIVERED:
                rows[row.id] = row.model_copy(
                    update={
                        "status": DeliveryStatus.FAILED,
                        "last_error": row.last_error or result.error,
                        "updated_at": self.clock(),
                    }
                )
                await self.store.update_delivery(rows[row.id])
        disabled = await self._disable_failing(schedule, results)
        final = [rows[row.id] for row in deliveries]
        failing = await failing_destination_notices(
            self.store,
            schedule,
            run,
            final,
            limit=self.settings.max_consecutive_destination_failures,
            disabled=disabled,
        )
        await announce(self.store, self.notify, failing, self.clock())
        return final

    async def _previous(self, schedule: Schedule, row: Delivery) -> str | None:
        if getattr(row.destination, "mode", "post") != "edit":
            return None
        return await self.store.last_external_id(schedule.id, row.destination.id)

    async def _disable_failing(
        self, schedule: Schedule, results: list[DeliveryResult]
    ) -> frozenset[str]:
        """Disable what failed too often in a row (or is gone); returns the ids disabled."""
        limit = self.settings.max_consecutive_destination_failures
        disabled: set[str] = set()
        for result in results:
            if result.delivered:
                continue
            if result.disabled:
                reason = f"the destination answered {result.error}; it no longer exists"
            else:
                streak = await self.store.failure_streak(schedule.id, result.destination_id, limit)
                if streak < limit:
                    continue
                reason = f"failed {streak} runs in a row; last error: {result.error}"
            await self._disable(schedule, result.destination_id, reason[:300])
            disabled.add(result.destination_id)
        return frozenset(disabled)

    async def _disable(self, schedule: Schedule, destination_id: str, reason: str) -> None:
        now = self.clock()

        def change(before: Schedule) -> tuple[Schedule, AuditEntry | None]:
            destinations = tuple(
                d.model_copy(update={"disabled_reason": reason})
                if d.id == destination_id and d.disabled_reason is None
                else d
                for d in before.destinations
            )
            if destinations == before.destinations:
                return before, None
            after = before.model_copy(update={"destinations": destinations, "updated_at": now})
            audit = AuditEntry(
                at=now,
                guild_id=before.guild_id,
                schedule_id=before.id,
                actor="system",
                action=AuditAction.EDITED,
                detail={"destination_disabled": destination_id, "reason": reason},
            )
            return after, audit

        before, after = await self.store.modify_schedule(schedule.id, change)
        if after is before:
            return
        await tell(
            self.notify,
            ScheduleNotice(
                kind="destination_disabled",
                schedule_id=schedule.id,
                guild_id=schedule.guild_id,
                created_by=schedule.created_by,
                message=f"A destination of schedule {schedule.name or schedule.id} was "
                f"disabled: {reason}. Once it works again, `/schedule destination enable "
                f"schedule:{schedule.id} destination:{destination_id}` switches it back on.",
                destination_id=destination_id,
            ),
        )
