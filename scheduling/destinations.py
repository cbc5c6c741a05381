"""Changes to one destination of a schedule: switch it back on, rotate its secret, edit it.

Each keeps the destination's id, so its delivery history, health and any wider-audience
confirmation stay attached to it, and each is one store transaction with its audit entry, like
every schedule change (`scheduling.service`). Audit entries name the destination and what
changed, never a secret or a URL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from delivery.models import ChannelDestination, Destination, WebhookDestination
from delivery.signing import new_signing_secret
from scheduling.errors import ScheduleStateError
from scheduling.models import AuditAction, AuditEntry, Schedule
from scheduling.store import Store


def find_destination(schedule: Schedule, destination_id: str) -> Destination:
    """The schedule's destination with this id; a `ScheduleStateError` naming both if none."""
    for destination in schedule.destinations:
        if destination.id == destination_id:
            return destination
    raise ScheduleStateError(f"Schedule `{schedule.id}` has no destination `{destination_id}`.")


def is_signed_webhook(destination: Destination) -> bool:
    """Whether a destination signs its events (a webhook other than Discord's)."""
    return (
        isinstance(destination, WebhookDestination)
        and not destination.is_discord
        and destination.secret is not None
    )


async def enable_destination(
    store: Store,
    schedule_id: str,
    destination_id: str,
    *,
    actor: str,
    now: datetime,
    guild_id: int | None = None,
) -> Schedule:
    """Clear a destination's `disabled_reason`, keeping its id and secret.

    Its failures in a row are counted afresh from `now` first: otherwise the failures that
    disabled it would still count, and the next single failure would switch it off again. If
    the process stops between the two writes, the destination stays disabled and the admin
    simply enables it again.
    """
    await store.reset_failure_streak(schedule_id, destination_id, now)

    def enabled(destination: Destination) -> tuple[Destination, dict[str, Any]]:
        if destination.disabled_reason is None:
            raise ScheduleStateError(f"Destination `{destination_id}` is not disabled.")
        detail = {"destination_enabled": destination_id, "was": destination.disabled_reason}
        return destination.model_copy(update={"disabled_reason": None}), detail

    return await _change(store, schedule_id, destination_id, enabled, actor, now, guild_id)


async def record_enable_refused(
    store: Store, schedule: Schedule, destination_id: str, *, actor: str, now: datetime, error: str
) -> None:
    """Audit an enable whose test delivery failed (the destination stays disabled)."""
    await store.append_audit(
        AuditEntry(
            at=now,
            guild_id=schedule.guild_id,
            schedule_id=schedule.id,
            actor=actor,
            action=AuditAction.EDITED,
            detail={"destination_enable_refused": destination_id, "error": error[:300]},
        )
    )


async def rotate_secret(
    store: Store,
    schedule_id: str,
    destination_id: str,
    *,
    actor: str,
    now: datetime,
    grace: timedelta,
    guild_id: int | None = None,
) -> tuple[Schedule, str]:
    """Give a signed webhook a new secret; the current one keeps signing for `grace`.

    Returns the schedule and the new secret (shown once). A secret rotated out earlier and
    still in its grace period is replaced: only the newest two secrets ever sign.
    """
    secret = new_signing_secret()

    def rotated(destination: Destination) -> tuple[Destination, dict[str, Any]]:
        if not isinstance(destination, WebhookDestination) or not is_signed_webhook(destination):
            raise ScheduleStateError(
                f"Destination `{destination_id}` has no signing secret: only a webhook other "
                "than Discord's signs its events."
            )
        update = {
            "secret": secret,
            "previous_secret": destination.secret,
            "previous_secret_expires_at": now + grace,
        }
        detail = {"secret_rotated": destination_id, "old_secret_valid_until": now + grace}
        return destination.model_copy(update=update), detail

    schedule = await _change(store, schedule_id, destination_id, rotated, actor, now, guild_id)
    return schedule, secret


async def edit_channel_destination(
    store: Store,
    schedule_id: str,
    edited: ChannelDestination,
    *,
    actor: str,
    now: datetime,
    guild_id: int | None = None,
) -> Schedule:
    """Replace a channel destination by `edited` (same id), auditing which settings changed."""

    def replaced(destination: Destination) -> tuple[Destination, dict[str, Any]]:
        if not isinstance(destination, ChannelDestination):
            raise ScheduleStateError(f"Destination `{edited.id}` is not a channel.")
        fields = ("style", "mode", "mention_role_id")
        changed = [f for f in fields if getattr(destination, f) != getattr(edited, f)]
        kept = {
            "channel_id": destination.channel_id,
            "disabled_reason": destination.disabled_reason,
        }
        return edited.model_copy(update=kept), {"destination_edited": edited.id, "fields": changed}

    return await _change(store, schedule_id, edited.id, replaced, actor, now, guild_id)


async def drop_expired_secrets(store: Store, now: datetime) -> int:
    """Forget rotated-out secrets whose grace period is over; returns how many.

    They stopped signing when they expired (`WebhookDestination.signing_secrets`); this only
    keeps the database from holding secrets nobody may use any more.
    """
    dropped = 0

    def expired(destination: Destination) -> bool:
        return (
            isinstance(destination, WebhookDestination)
            and destination.previous_secret is not None
            and not destination.rotation_pending(now)
        )

    def change(before: Schedule) -> tuple[Schedule, AuditEntry | None]:
        nonlocal dropped
        gone = [d.id for d in before.destinations if expired(d)]
        if not gone:
            return before, None
        dropped += len(gone)
        clear = {"previous_secret": None, "previous_secret_expires_at": None}
        destinations = tuple(
            d.model_copy(update=clear) if d.id in gone else d for d in before.destinations
        )
        after = before.model_copy(update={"destinations": destinations, "updated_at": now})
        return after, _audit(after, "system", now, {"expired_secrets_dropped": gone})

    for schedule_id in await store.schedules_with_rotated_secrets():
        await store.modify_schedule(schedule_id, change)
    return dropped


Replace = Callable[[Destination], tuple[Destination, dict[str, Any]]]


async def _change(
    store: Store,
    schedule_id: str,
    destination_id: str,
    replace: Replace,
    actor: str,
    now: datetime,
    guild_id: int | None,
) -> Schedule:
    def change(before: Schedule) -> tuple[Schedule, AuditEntry | None]:
        destination, detail = replace(find_destination(before, destination_id))
        destinations = tuple(
            destination if d.id == destination_id else d for d in before.destinations
        )
        after = before.model_copy(update={"destinations": destinations, "updated_at": now})
        return after, _audit(after, actor, now, detail)

    return (await store.modify_schedule(schedule_id, change, guild_id))[1]


def _audit(schedule: Schedule, actor: str, at: datetime, detail: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        at=at,
        guild_id=schedule.guild_id,
        schedule_id=schedule.id,
        actor=actor,
        action=AuditAction.EDITED,
        detail=detail,
    )
