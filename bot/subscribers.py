"""Who receives a schedule's digest by DM this run: subscribers who can still read it all.

Checked at every run, because roles and channels change: a member who can no longer read a
source channel gets no DM (the digest would leak what they may not see) and is told once;
if their access comes back, the DMs resume. A member who left the server is unsubscribed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.privacy import access_problem
from delivery.models import Destination, DmDestination
from scheduling.guilds import Subscription

if TYPE_CHECKING:
    from bot.app import SummaryBot
    from scheduling.models import Run, Schedule

log = logging.getLogger(__name__)


async def sources_problem(member: discord.Member, sources: list[Any]) -> str | None:
    """Why `member` may not receive a digest of `sources` (a private one included), or None."""
    for channel in sources:
        problem = await access_problem(member, channel, who="you")
        if problem is not None:
            return problem
    return None


class Subscribers:
    """The `subscribers` callable of the scheduler."""

    def __init__(self, bot: SummaryBot) -> None:
        self.bot = bot

    async def __call__(self, schedule: Schedule, run: Run | None = None) -> list[Destination]:
        """DM destinations for every subscriber allowed to receive this run's digest.

        Members who subscribed after `run` began start with the next run: the digest was
        made for the readers known when its window was read (a private thread is included
        only if every one of them may read it, see `bot.privacy`), and they were not among
        them.
        """
        store = self.bot.require_scheduler().store
        subscriptions = await store.subscriptions(schedule_id=schedule.id)
        if run is not None:
            subscriptions = [s for s in subscriptions if s.created_at <= run.started_at]
        guild = self.bot.get_guild(schedule.guild_id)
        if not subscriptions or guild is None:
            return []
        sources = [guild.get_channel_or_thread(c) for c in schedule.channel_ids]
        if any(source is None for source in sources):
            return []  # the run-time check pauses the schedule; nobody gets a partial view
        destinations: list[Destination] = []
        for subscription in subscriptions:
            if await self._allowed(guild, schedule, subscription, sources):
                destinations.append(
                    DmDestination(id=subscription.destination_id, user_id=subscription.user_id)
                )
        return destinations

    async def _allowed(
        self,
        guild: discord.Guild,
        schedule: Schedule,
        subscription: Subscription,
        sources: list[Any],
    ) -> bool:
        store = self.bot.require_scheduler().store
        try:
            member = await self.bot.members.get(guild, subscription.user_id)
        except discord.HTTPException as exc:
            log.info("schedule %s: cannot check a subscriber: %s", schedule.id, exc)
            return False  # unsure: a DM too few beats a leak
        if member is None:
            await store.remove_subscription(schedule.id, subscription.user_id)
            return False
        problem = await sources_problem(member, sources)
        if problem is None:
            if subscription.lost_access:
                await store.update_subscription(
                    subscription.model_copy(update={"lost_access": False})
                )
            return True
        if not subscription.lost_access:
            await store.update_subscription(subscription.model_copy(update={"lost_access": True}))
            name = schedule.name or schedule.id
            await self.bot.notifier.dm(
                member.id,
                f"**summarybot** in {guild.name}: you no longer receive the digest "
                f"“{name}” by DM, because {problem}. It starts again by itself if your "
                "access comes back; `/digest unsubscribe` ends it for good.",
            )
        return False
