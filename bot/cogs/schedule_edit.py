"""`/schedule edit`: change anything about a schedule that creation set, with creation's checks.

Sources can be replaced, added and removed; a source change runs the creation checks again
(the member, the creator the digests run for, and the bot can read each new source; every
destination is compared with the new sources and a wider one needs `confirm_wider_audience`).
The end of a schedule (`max_runs`, `until`), its `language` and its `priority` are editable
here too, so nothing a schedule holds needs a hand-written import to change.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.cogs import actions, autocomplete, cards
from bot.cogs.replies import UserError, send
from bot.cogs.schedule import Engine, Length
from bot.cogs.schedule_input import (
    Audiences,
    check_destinations,
    check_sources,
    parse_duration,
    resolve_channel,
)
from bot.cogs.views import card_buttons
from bot.privacy import access_problem, merged
from scheduling.bounds import date_problem
from scheduling.models import Priority, Recurrence, Schedule, ScheduleStatus
from scheduling.recurrence import next_fire_times, parse_when
from scheduling.zones import resolve_zone

if TYPE_CHECKING:
    from bot.app import SummaryBot
    from bot.cogs.actions import Manager

ChannelOption = app_commands.AppCommandChannel | app_commands.AppCommandThread
CLEAR = "none"
_UNTIL = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?\s*$")
# A language as a person names it ("German", "pt-BR", "Français"): it goes into the model's
# instructions, so nothing but letters, spaces, hyphens and parentheses.
_LANGUAGE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ ()-]){0,34}$")


def parse_until(text: str, zone: str, now: datetime) -> datetime | None:
    """`2026-12-31` (the end of that day) or `2026-12-31 18:00`, in `zone`; `none` clears.

    The end must lie ahead: an end already passed would stop the schedule after one more run,
    which nobody asking for an end date means.
    """
    if text.strip().lower() == CLEAR:
        return None
    match = _UNTIL.match(text)
    if match is None:
        raise UserError(
            f"`until`: {text!r} is not a date; use e.g. 2026-12-31 or 2026-12-31 18:00 "
            "(in the schedule's time zone), or `none` to remove the end."
        )
    year, month, day, hour, minute = (int(part) if part else None for part in match.groups())
    try:
        day_of = date(year or 0, month or 0, day or 0)
        at = time(23, 59) if hour is None else time(hour, minute or 0)
    except ValueError as exc:
        raise UserError(f"`until`: {text.strip()}: {exc}.") from None
    problem = date_problem(day_of)
    if problem is not None:
        raise UserError(f"`until`: {problem}.")
    end = datetime.combine(day_of, at, resolve_zone(zone))
    if end <= now:
        raise UserError(f"`until`: {text.strip()} ({zone}) has passed already.")
    return end


def parse_language(text: str) -> str | None:
    """The digest language as typed (`none` clears: the messages' own language)."""
    cleaned = " ".join(text.split())
    if cleaned.lower() == CLEAR:
        return None
    if not _LANGUAGE.match(cleaned):
        raise UserError(
            f"`language`: {text!r} is not a language name; use e.g. German, pt-BR or `none`."
        )
    return cleaned


def check_end(
    recurrence: Recurrence, zone: str, *, start: datetime, now: datetime, end: datetime
) -> None:
    """Refuse an end before the schedule's next run: it would end without another digest."""
    upcoming = next_fire_times(recurrence, zone, after=now, count=1, start=start)
    if not upcoming or upcoming[0] > end:
        raise UserError(
            "`until`: the schedule does not run again before then; pick a later end, or "
            "pause or delete the schedule instead."
        )


def max_runs_change(value: int, schedule: Schedule) -> int | None:
    """The new `max_runs` (0 removes the limit); it must leave at least one digest to go."""
    if value == 0:
        return None
    if value <= schedule.run_count:
        raise UserError(
            f"`max_runs`: this schedule has delivered {schedule.run_count} digests already; "
            "give a larger number, or 0 to remove the limit."
        )
    return value


def end_changes(
    schedule: Schedule,
    changes: dict[str, Any],
    *,
    max_runs: int | None,
    until: str | None,
    now: datetime,
) -> dict[str, Any]:
    """`max_runs` and `end_at` from the options, checked against the edited rhythm and zone."""
    ends: dict[str, Any] = {}
    if max_runs is not None:
        ends["max_runs"] = max_runs_change(max_runs, schedule)
    if until is not None:
        zone = changes.get("timezone", schedule.timezone)
        end = parse_until(until, zone, now)
        if end is not None:
            recurrence = changes.get("recurrence", schedule.recurrence)
            check_end(recurrence, zone, start=schedule.created_at, now=now, end=end)
        ends["end_at"] = end
    return ends


def edited_sources(
    guild: discord.Guild,
    schedule: Schedule,
    channel: ChannelOption | None,
    add: ChannelOption | None,
    remove: ChannelOption | None,
) -> list[Any] | None:
    """The sources after `channel` (replaces all), `add_channel` and `remove_channel`, or None."""
    if channel is None and add is None and remove is None:
        return None
    ids = [resolve_channel(guild, channel).id] if channel is not None else [*schedule.channel_ids]
    if add is not None:
        added = resolve_channel(guild, add)
        if added.id in ids:
            raise UserError(f"{added.mention} is a source of this schedule already.")
        ids.append(added.id)
    if remove is not None:
        if remove.id not in ids:
            raise UserError(f"<#{remove.id}> is not a source of this schedule.")
        ids.remove(remove.id)
        if not ids:
            raise UserError(
                "A schedule summarizes at least one channel: add another first "
                "(or give `channel` to replace it)."
            )
    sources = []
    for channel_id in ids:
        found = guild.get_channel_or_thread(channel_id)
        if found is None:
            raise UserError(
                f"Source {channel_id} no longer exists: give `channel` to replace the sources."
            )
        sources.append(found)
    return sources


async def check_new_sources(
    scope: Manager, schedule: Schedule, sources: list[Any], *, confirm: bool
) -> Audiences:
    """Creation's checks for a changed set of sources; returns the audiences confirmed.

    New sources must be readable by the member editing, by the bot and by the creator the
    digests run for (the checks before every run would pause it otherwise). Every destination
    is then compared with the new sources: a digest of other channels may reach people the
    old one could not, so earlier confirmations do not carry over.
    """
    bot, guild, member = scope.bot, scope.guild, scope.member
    added = [s for s in sources if s.id not in schedule.channel_ids]
    await check_sources(guild, member, added)
    if added and schedule.created_by != member.id:
        try:
            creator = await bot.members.get(guild, schedule.created_by)
        except discord.HTTPException:
            creator = None  # Discord hiccup: the check before the next run repeats this
        for channel in added if creator is not None else []:
            problem = await access_problem(creator, channel, who="its creator")
            if problem is not None:
                raise UserError(
                    f"Cannot summarize {channel.mention}: {problem}, and digests run on behalf "
                    f"of the creator (<@{schedule.created_by}>)."
                )
    enabled = [d for d in schedule.destinations if d.disabled_reason is None]
    return await check_destinations(bot, guild, sources, enabled, confirmed=confirm, by=member.id)


def plain_changes(**options: Any) -> dict[str, Any]:
    """Options that map onto a field as given (None: not given)."""
    return {key: value for key, value in options.items() if value is not None}


def add_edit_command(bot: SummaryBot, group: app_commands.Group) -> None:
    """Add `edit` to the `/schedule` group."""

    @group.command(name="edit", description="Change what, when or how a schedule runs")
    @app_commands.describe(
        schedule="the schedule's id",
        when="a new rhythm",
        channel="summarize this channel instead (replaces every source)",
        add_channel="summarize this channel too",
        remove_channel="stop summarizing this channel (one source stays)",
        threads="include the sources' threads",
        max_runs="end after this many digests delivered on schedule (0: no limit)",
        until="end after this date or time in the schedule's zone: 2026-12-31 18:00 (none: never)",
        language="the language the llm engine writes in, e.g. German (none: the messages' own)",
        priority="which digests start first when more are due than may run at once",
        confirm_wider_audience="deliver even where more people can read than in the new sources",
    )
    @app_commands.autocomplete(
        schedule=autocomplete.schedule_id, when=autocomplete.when, timezone=autocomplete.timezone
    )
    async def edit(
        interaction: discord.Interaction,
        schedule: str,
        when: app_commands.Range[str, 1, 100] | None = None,
        timezone: str | None = None,
        name: app_commands.Range[str, 0, 100] | None = None,
        lookback: str | None = None,
        min_messages: app_commands.Range[int, 0, 10000] | None = None,
        length: Length | None = None,
        engine: Engine | None = None,
        threads: bool | None = None,
        channel: ChannelOption | None = None,
        add_channel: ChannelOption | None = None,
        remove_channel: ChannelOption | None = None,
        max_runs: app_commands.Range[int, 0, 1_000_000] | None = None,
        until: app_commands.Range[str, 1, 40] | None = None,
        language: app_commands.Range[str, 1, 35] | None = None,
        priority: Priority | None = None,
        confirm_wider_audience: bool = False,
    ) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        found = await scope.get(schedule)
        changes = plain_changes(
            min_messages=min_messages,
            length=length,
            engine=engine,
            include_threads=threads,
            priority=priority,
        )
        if when is not None:
            changes["recurrence"] = parse_when(when)
        if timezone is not None:
            changes["timezone"] = resolve_zone(timezone).key
        if name is not None:
            changes["name"] = name.strip()
        if lookback is not None:
            changes["lookback_seconds"] = int(parse_duration(lookback, "lookback").total_seconds())
        if language is not None:
            changes["language"] = parse_language(language)
        changes |= end_changes(found, changes, max_runs=max_runs, until=until, now=bot.clock())
        wider: list[str] = []
        sources = edited_sources(scope.guild, found, channel, add_channel, remove_channel)
        if sources is not None:
            audiences = await check_new_sources(
                scope, found, sources, confirm=confirm_wider_audience
            )
            changes["channel_ids"] = tuple(source.id for source in sources)
            if audiences.confirmed:
                changes["confirm_wider_audience"] = True
                changes["confirmed_audiences"] = merged(
                    found.confirmed_audiences, audiences.confirmed
                )
            wider = audiences.lines
        if not changes:
            raise UserError("Nothing to change: give at least one option besides `schedule`.")
        edited = await bot.require_scheduler().edit(
            found.id, changes, actions.actor(interaction), scope.guild.id
        )
        await send(
            interaction,
            "Schedule updated.",
            embed=cards.schedule_card(edited, bot.clock(), wider=wider),
            view=card_buttons(edited.id, paused=edited.status is ScheduleStatus.PAUSED),
        )
