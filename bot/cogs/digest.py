"""`/digest subscribe | unsubscribe | list`: a schedule's digest in a member's DMs.

Any member may subscribe to a schedule of their server whose every source channel they can
read; that is checked now and before every run (`bot.subscribers`). A welcome DM is sent
first: a member whose DMs are closed learns it now, not by silence later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.cogs.autocomplete import MAX_CHOICES, choice
from bot.cogs.cards import upcoming, when_text
from bot.cogs.replies import NotAllowedError, UserError, send
from bot.subscribers import sources_problem
from delivery.embeds import stamp
from scheduling.guilds import Subscription
from scheduling.models import Schedule, ScheduleStatus

if TYPE_CHECKING:
    from bot.app import SummaryBot
    from scheduling.store import Store


def member_of(interaction: discord.Interaction) -> tuple[discord.Guild, discord.Member]:
    """The guild and member of a guild interaction."""
    guild, member = interaction.guild, interaction.user
    if guild is None or not isinstance(member, discord.Member):
        raise NotAllowedError("Digests belong to a server: use this command in one.")
    return guild, member


async def readable(guild: discord.Guild, member: discord.Member, schedule: Schedule) -> str | None:
    """Why `member` may not get this schedule's digest, or None."""
    sources = [guild.get_channel_or_thread(c) for c in schedule.channel_ids]
    if any(source is None for source in sources):
        return "one of its channels no longer exists"
    return await sources_problem(member, sources)


def label(schedule: Schedule) -> str:
    """`k3x9… · Weekly digest · weekdays at 09:00 (UTC)`."""
    name = f" · {schedule.name}" if schedule.name else ""
    return f"{schedule.id}{name} · {when_text(schedule)}"


def build_group(bot: SummaryBot) -> app_commands.Group:
    """The `/digest` command group."""
    group = app_commands.Group(
        name="digest", description="Get a schedule's digest by direct message", guild_only=True
    )

    def store() -> Store:
        return bot.require_scheduler().store

    async def subscribable(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if bot.scheduler is None:
            return []
        guild, member = member_of(interaction)
        typed = current.strip().lower()
        found = []
        for schedule in await bot.scheduler.list(guild.id):
            if schedule.status is ScheduleStatus.COMPLETED:
                continue
            if await readable(guild, member, schedule):
                continue
            if typed in schedule.id.lower() or typed in schedule.name.lower():
                found.append(choice(label(schedule), schedule.id))
        return found[:MAX_CHOICES]

    async def subscribed(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if bot.scheduler is None or interaction.guild_id is None:
            return []
        mine = await store().subscriptions(
            guild_id=interaction.guild_id, user_id=interaction.user.id
        )
        return [
            choice(s.schedule_id, s.schedule_id)
            for s in mine
            if current.strip().lower() in s.schedule_id
        ][:MAX_CHOICES]

    @group.command(name="subscribe", description="Receive a schedule's digest by DM")
    @app_commands.describe(schedule="the schedule (only those whose channels you can read)")
    @app_commands.autocomplete(schedule=subscribable)
    async def subscribe(interaction: discord.Interaction, schedule: str) -> None:
        guild, member = member_of(interaction)
        found = await bot.require_scheduler().get(schedule, guild.id)
        if found.status is ScheduleStatus.COMPLETED:
            raise UserError(f"Schedule `{found.id}` has completed: it sends no more digests.")
        problem = await readable(guild, member, found)
        if problem is not None:
            raise UserError(f"You cannot get this digest: {problem}.")
        if any(s.user_id == member.id for s in await store().subscriptions(schedule_id=found.id)):
            raise UserError(f"You already receive `{found.id}` by DM.")
        name = found.name or found.id
        welcome = (
            f"**summarybot** in {guild.name}: you will receive the digest “{name}”"
            f" ({when_text(found)}) here after each run. `/digest unsubscribe` in the server "
            "stops it."
        )
        if not await bot.notifier.dm(member.id, welcome):
            raise UserError(
                "Discord did not let the bot DM you. Allow direct messages from this server "
                "(Server menu → Privacy Settings → Direct Messages), then subscribe again."
            )
        await store().add_subscription(
            Subscription(
                schedule_id=found.id,
                guild_id=guild.id,
                user_id=member.id,
                created_at=bot.clock(),
            )
        )
        following = upcoming(found, bot.clock(), 1)
        when = f" The next one is due {stamp(following[0], 'R')}." if following else ""
        paused = " It is paused at the moment." if found.status is ScheduleStatus.PAUSED else ""
        await send(interaction, f"Subscribed to `{found.id}` by DM.{when}{paused}")

    @group.command(name="unsubscribe", description="Stop receiving a schedule's digest by DM")
    @app_commands.autocomplete(schedule=subscribed)
    async def unsubscribe(interaction: discord.Interaction, schedule: str) -> None:
        _, member = member_of(interaction)
        removed = False
        mine = await store().subscriptions(guild_id=member.guild.id, user_id=member.id)
        if any(s.schedule_id == schedule for s in mine):
            removed = await store().remove_subscription(schedule, member.id)
        if not removed:
            raise UserError(f"You do not receive `{schedule}` by DM; `/digest list` shows yours.")
        await send(interaction, f"Unsubscribed: no more DMs of `{schedule}`.")

    @group.command(name="list", description="The digests you receive by DM in this server")
    async def list_(interaction: discord.Interaction) -> None:
        guild, member = member_of(interaction)
        mine = await store().subscriptions(guild_id=guild.id, user_id=member.id)
        if not mine:
            await send(interaction, "You receive no digests by DM here; `/digest subscribe`.")
            return
        lines = []
        for subscription in mine:
            found = await bot.require_scheduler().store.get_schedule(
                subscription.schedule_id, guild.id
            )
            if found is None:
                continue
            note = " — paused: no access to a channel" if subscription.lost_access else ""
            lines.append(f"• {label(found)}{note}")
        await send(interaction, "Your DM digests here:\n" + "\n".join(lines))

    return group
