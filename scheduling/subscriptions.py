"""Members' DM digests within a run: who gets one, and what a refused DM means.

The bot decides who may receive a schedule's digest right now (the `subscribers` callable
checks each member can still read every source); this module turns the outcome of their DMs
into the subscription's record. A DM Discord refuses (closed DMs, a blocked bot: HTTP 403)
fails for that member only, never the run; after `MAX_DM_REFUSALS` refusals in a row the
subscription is dropped and the guild told, instead of knocking on a closed door forever.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from scheduling.guilds import MAX_DM_REFUSALS
from scheduling.models import Delivery, DeliveryStatus, Schedule, ScheduleNotice
from scheduling.ports import Notify, tell
from scheduling.store import Store

log = logging.getLogger(__name__)

REFUSED_STATUS = 403


def is_subscriber_delivery(delivery: Delivery) -> bool:
    """DM rows belong to subscribers: a schedule's own destinations are never DMs."""
    return delivery.destination.kind == "dm"


async def settle_dm_outcomes(
    store: Store,
    schedule: Schedule,
    outcomes: Sequence[Delivery],
    notify: Notify | None,
) -> None:
    """Count refused DMs per subscriber; drop a subscription refused too often in a row."""
    dms = [d for d in outcomes if is_subscriber_delivery(d)]
    if not dms:
        return
    by_user = {s.user_id: s for s in await store.subscriptions(schedule_id=schedule.id)}
    for delivery in dms:
        subscription = by_user.get(getattr(delivery.destination, "user_id", 0))
        if subscription is None:
            continue  # unsubscribed meanwhile
        if delivery.status is DeliveryStatus.DELIVERED:
            if subscription.refusals:
                await store.update_subscription(subscription.model_copy(update={"refusals": 0}))
            continue
        if delivery.http_status != REFUSED_STATUS:
            continue  # Discord had a hiccup: not the member's choice
        refusals = subscription.refusals + 1
        if refusals < MAX_DM_REFUSALS:
            await store.update_subscription(subscription.model_copy(update={"refusals": refusals}))
            continue
        await store.remove_subscription(schedule.id, subscription.user_id)
        log.info("schedule %s: dropped the DM subscription of %s", schedule.id, delivery.id)
        await tell(
            notify,
            ScheduleNotice(
                kind="subscription_dropped",
                schedule_id=schedule.id,
                guild_id=schedule.guild_id,
                created_by=schedule.created_by,
                message=f"<@{subscription.user_id}> no longer receives the digest of "
                f"{schedule.name or schedule.id} by DM: Discord refused {refusals} DMs in a "
                "row (their DMs are closed to the bot). They can subscribe again with "
                "`/digest subscribe` once DMs are open.",
                destination_id=subscription.destination_id,
            ),
        )
