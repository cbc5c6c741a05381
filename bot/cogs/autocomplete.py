"""Autocomplete for `when`, `timezone` and schedule ids.

`when` answers with how the input was understood and when it would next run, so a typo shows
up before the command is sent ("weekdays at 09:00 → next Tue 24 Nov, 09:00 CET").
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.cogs.actions import Manager, manager
from bot.cogs.cards import when_text
from bot.cogs.replies import NotAllowedError
from bot.guilds import default_zone
from scheduling.errors import RecurrenceError
from scheduling.recurrence import (
    describe,
    next_fire_times,
    parse_when,
    validate_recurrence,
)
from scheduling.zones import UnknownTimeZoneError, resolve_zone, zone_names

if TYPE_CHECKING:
    from bot.app import SummaryBot

MAX_CHOICES = 25
EXAMPLES = (
    "daily at 09:00",
    "weekdays at 09:00",
    "every monday at 10:00",
    "every 6h",
    "monthly on 1 at 08:00",
    "cron 0 18 * * 5",
)


def choice(name: str, value: str) -> app_commands.Choice[str]:
    """A choice within Discord's 100-character limits for names and values."""
    return app_commands.Choice(name=name[:100], value=value[:100])


async def typed_zone(bot: SummaryBot, interaction: discord.Interaction) -> str:
    """The zone typed in the same command, else the guild's default."""
    typed = getattr(interaction.namespace, "timezone", None)
    if typed:
        try:
            return resolve_zone(typed).key
        except UnknownTimeZoneError:
            pass
    store = bot.scheduler.store if bot.scheduler is not None else None
    return await default_zone(store, interaction.guild_id, bot.settings.scheduling.timezone)


def explain_when(text: str, zone: str, now: datetime, min_interval_seconds: int) -> str:
    """`weekdays at 09:00 → next Tue 24 Nov, 09:00 CET`, or what is wrong with the input.

    Checked as creation checks it (the shortest interval, a time in the past), so what the
    autocomplete accepts the command does not then refuse.
    """
    try:
        recurrence = parse_when(text)
        validate_recurrence(
            recurrence, zone=zone, now=now, min_interval_seconds=min_interval_seconds
        )
    except RecurrenceError as exc:
        return f"⚠️ {exc}"
    upcoming = next_fire_times(recurrence, zone, after=now, count=1)
    if not upcoming:
        return f"{describe(recurrence)} → never runs again"
    local = upcoming[0].astimezone(resolve_zone(zone))
    return f"{describe(recurrence)} → next {local:%a %d %b, %H:%M} {local.tzname()}"


async def when(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The typed `when` explained, or examples while nothing is typed."""
    bot: SummaryBot = interaction.client  # type: ignore[assignment]
    zone = await typed_zone(bot, interaction)
    now = bot.clock()
    texts = [current.strip()] if current.strip() else list(EXAMPLES)
    shortest = bot.settings.scheduling.min_interval_seconds
    return [choice(explain_when(text, zone, now, shortest), text) for text in texts]


async def timezone(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """IANA zone names containing what was typed (prefix matches first)."""
    typed = current.strip().lower().replace(" ", "_")
    names = zone_names()
    if not typed:
        picks = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]
    else:
        starts = [n for n in names if n.lower().startswith(typed)]
        contains = [n for n in names if typed in n.lower() and n not in starts]
        picks = (starts + contains)[:MAX_CHOICES]
    return [choice(name, name) for name in picks]


async def may_manage(bot: SummaryBot, interaction: discord.Interaction) -> Manager | None:
    """The command's own check: ids, names and destinations are for those who may manage them.

    Server admins can open `/schedule` to more roles than Manage Server (command permission
    overrides); such a member is refused by every command, and autocomplete must not show
    them what the commands would refuse. A creator-role member gets their own schedules only.
    """
    if interaction.guild_id is None or bot.scheduler is None:
        return None
    try:
        return await manager(bot, interaction, creators=True)
    except NotAllowedError:
        return None


async def schedule_id(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """This guild's schedules only, matched on id or name, for members who may manage them."""
    bot: SummaryBot = interaction.client  # type: ignore[assignment]
    scope = await may_manage(bot, interaction)
    if scope is None:
        return []
    typed = current.strip().lower()
    found = []
    for schedule in await scope.schedules():
        if typed in schedule.id.lower() or typed in schedule.name.lower():
            label = f"{schedule.id} · {schedule.name + ' · ' if schedule.name else ''}"
            found.append(choice(label + when_text(schedule), schedule.id))
    return found[:MAX_CHOICES]


async def destination_id(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The destinations of the schedule named in the same command."""
    bot: SummaryBot = interaction.client  # type: ignore[assignment]
    wanted = getattr(interaction.namespace, "schedule", None)
    if interaction.guild_id is None or bot.scheduler is None or not wanted:
        return []
    scope = await may_manage(bot, interaction)
    if scope is None:
        return []
    schedule = await bot.scheduler.store.get_schedule(wanted, interaction.guild_id)
    if schedule is None or not scope.may_manage(schedule):
        return []
    from bot.cogs.cards import destination_text

    return [
        choice(destination_text(d).replace("`", ""), d.id)
        for d in schedule.destinations
        if current.lower() in d.id.lower()
    ][:MAX_CHOICES]
