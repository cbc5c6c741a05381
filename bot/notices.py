"""Telling a guild's admins what the scheduler decided (auto-pause, disabled destination…).

Part 1 sends the notice to the schedule's creator by DM; a guild log channel arrives with the
guild settings. A notice that cannot be delivered is logged, never raised: the decision it
reports is already stored.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from scheduling.models import ScheduleNotice

if TYPE_CHECKING:
    from bot.app import SummaryBot

log = logging.getLogger(__name__)


class Notifier:
    """The `notify` callable the scheduler and the outbox are given."""

    def __init__(self, bot: SummaryBot) -> None:
        self.bot = bot
        self.sent: list[ScheduleNotice] = []

    async def notify(self, notice: ScheduleNotice) -> None:
        """Log the notice and DM it to the schedule's creator, if Discord lets us."""
        log.warning("schedule %s: %s", notice.schedule_id, notice.message)
        self.sent.append(notice)
        guild = self.bot.get_guild(notice.guild_id)
        name = guild.name if guild else str(notice.guild_id)
        try:
            user = self.bot.get_user(notice.created_by) or await self.bot.fetch_user(
                notice.created_by
            )
            await user.send(
                f"**summarybot** in {name}, schedule `{notice.schedule_id}`: {notice.message}",
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except (discord.HTTPException, discord.ClientException) as exc:
            log.info("could not DM notice for schedule %s: %s", notice.schedule_id, exc)
