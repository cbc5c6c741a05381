"""What the bot does when its world changes: it leaves or rejoins a server, a channel goes.

Leaving pauses the guild's schedules (a guild-wide pause, so nothing fires into the void);
rejoining does not resume them behind the admins' backs but tells them how. A deleted channel
pauses every schedule that reads or posts there at once, with a notice, rather than at its
next run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from delivery.models import ChannelDestination
from scheduling.models import Schedule, ScheduleNotice, ScheduleStatus

if TYPE_CHECKING:
    from bot.app import SummaryBot

log = logging.getLogger(__name__)

LEFT_REASON = "the bot was removed from this server"


def uses_channel(schedule: Schedule, channel_id: int) -> str | None:
    """`reads` or `posts in` when the schedule uses the channel, else None."""
    if channel_id in schedule.channel_ids:
        return "reads"
    if any(
        isinstance(d, ChannelDestination) and d.channel_id == channel_id
        for d in schedule.destinations
    ):
        return "posts in"
    return None


class Lifecycle:
    """The guild and channel listeners, registered on the bot in `setup_hook`."""

    def __init__(self, bot: SummaryBot) -> None:
        self.bot = bot

    def register(self) -> None:
        """Listen to the gateway events that change what schedules may do."""
        self.bot.add_listener(self.on_guild_remove, "on_guild_remove")
        self.bot.add_listener(self.on_guild_join, "on_guild_join")
        self.bot.add_listener(self.on_guild_channel_delete, "on_guild_channel_delete")
        self.bot.add_listener(self.on_raw_thread_delete, "on_raw_thread_delete")

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Pause the guild's schedules: the bot can neither read nor post there any more."""
        paused = await self.bot.require_scheduler().pause_all(
            guild.id, "system", "left_server", LEFT_REASON
        )
        log.info("left guild %s: paused %d schedules", guild.id, len(paused))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Back in a guild: tell its admins what stayed paused and how to resume it."""
        paused = [
            s
            for s in await self.bot.require_scheduler().list(guild.id, ScheduleStatus.PAUSED)
            if s.pause_cause == "left_server"
        ]
        if not paused:
            return
        text = (
            f"is back in this server. {len(paused)} schedules were paused when it was removed "
            "and stay paused until you decide: `/schedule list` shows them, "
            "`/schedule resume-all` resumes them all, `/schedule resume` one at a time."
        )
        await self.bot.notifier.tell_guild(guild.id, text, [s.created_by for s in paused])

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A channel went: pause what reads or posts there."""
        await self.channel_gone(channel.guild.id, channel.id, f"#{channel.name}")

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A thread went: pause what reads or posts there."""
        name = f"#{payload.thread.name}" if payload.thread is not None else "a thread"
        await self.channel_gone(payload.guild_id, payload.thread_id, name)

    async def channel_gone(self, guild_id: int, channel_id: int, name: str) -> None:
        """Pause every active schedule of the guild using the channel, and say why."""
        scheduler = self.bot.require_scheduler()
        for schedule in await scheduler.list(guild_id, ScheduleStatus.ACTIVE):
            use = uses_channel(schedule, channel_id)
            if use is None:
                continue
            reason = f"it {use} {name} ({channel_id}), which was deleted"
            await scheduler.pause(schedule.id, "system", reason, guild_id)
            await self.bot.notifier.notify(
                ScheduleNotice(
                    kind="auto_paused",
                    schedule_id=schedule.id,
                    guild_id=guild_id,
                    created_by=schedule.created_by,
                    message=f"paused: {reason}. Edit its channels or destinations, then "
                    "`/schedule resume` it.",
                )
            )
