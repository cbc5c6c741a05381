"""Telling a guild's admins what the bot decided (auto-pause, disabled destination…).

A notice goes to the guild's log channel (`/summarybot settings`), else by DM to the
schedule's creator, and at most once per schedule per day: a schedule failing every five
minutes must not flood anyone. The daily claim is stored, so a restart does not repeat it.
A notice that cannot be delivered is logged, never raised: the decision it reports is already
stored and shown on the schedule's card.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord

from scheduling.guilds import notice_day
from scheduling.models import ScheduleNotice

if TYPE_CHECKING:
    from bot.app import SummaryBot

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()


class Notifier:
    """The `notify` callable the scheduler and the outbox are given, and guild notices."""

    def __init__(self, bot: SummaryBot) -> None:
        self.bot = bot
        self.sent: list[ScheduleNotice] = []

    async def notify(self, notice: ScheduleNotice) -> None:
        """Post the notice once today: to the log channel, else to the creator by DM."""
        log.warning("schedule %s: %s", notice.schedule_id, notice.message)
        store = self.bot.require_scheduler().store
        day = notice_day(self.bot.clock())
        if not await store.claim_notice(f"schedule:{notice.schedule_id}", day):
            log.info("schedule %s: a notice was already sent today", notice.schedule_id)
            return
        self.sent.append(notice)
        text = f"schedule `{notice.schedule_id}`: {notice.message}"
        await self.tell_guild(notice.guild_id, text, [notice.created_by])

    async def tell_guild(self, guild_id: int, text: str, fallback_user_ids: Iterable[int]) -> bool:
        """Post `text` in the guild's log channel, else DM it to each fallback user."""
        guild = self.bot.get_guild(guild_id)
        if guild is not None and await self._post_in_log_channel(guild, text):
            return True
        name = guild.name if guild else str(guild_id)
        told = False
        for user_id in dict.fromkeys(fallback_user_ids):
            told = await self.dm(user_id, f"**summarybot** in {name}, {text}") or told
        return told

    async def dm(self, user_id: int, text: str) -> bool:
        """DM one user; False when Discord refuses (closed DMs) or the user is unknown."""
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(text[:2000], allowed_mentions=NONE)
        except (discord.HTTPException, discord.ClientException) as exc:
            log.info("could not DM user %s: %s", user_id, exc)
            return False
        return True

    async def _post_in_log_channel(self, guild: discord.Guild, text: str) -> bool:
        settings = await self.bot.require_scheduler().store.get_guild_settings(guild.id)
        if settings.log_channel_id is None:
            return False
        channel = guild.get_channel_or_thread(settings.log_channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.info("guild %s: log channel %s is gone", guild.id, settings.log_channel_id)
            return False
        try:
            await channel.send(f"**summarybot** {text}"[:2000], allowed_mentions=NONE)
        except discord.HTTPException as exc:
            log.info("guild %s: cannot post in the log channel: %s", guild.id, exc)
            return False
        return True
