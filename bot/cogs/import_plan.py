"""What `/schedule import` would do, found without writing anything.

Every entry is checked twice over: as `summarybot schedules import` checks it (the model, ids,
the `when`, webhook addresses: `bot.schedule_files`), and as `/schedule create` checks it in
Discord (`check_sources`, `check_destinations`): the importer and the bot must read every
source, the bot must post in every channel, and a destination wider than its sources needs
`confirm_wider_audience`. Any failed check is a problem of its entry; the import goes ahead
only when there are none.

Only this server's schedules are imported: an entry naming another server is refused, not
moved here, because its channels, roles and members are that server's and would be wrong
here too. An entry without `guild_id` (hand-written) is this server's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.cogs.replies import UserError
from bot.cogs.schedule_input import check_destinations, check_posting, check_sources
from bot.privacy import merged
from bot.schedule_files import (
    CheckedEntry,
    ExportProblemsError,
    NotAnExportError,
    check_entries,
    entry_problems,
    read_export,
)
from delivery.models import ChannelDestination, Destination, DmDestination
from scheduling.audiences import ConfirmedAudience
from scheduling.models import Schedule
from scheduling.service import changed_fields

if TYPE_CHECKING:
    from bot.app import SummaryBot

# About 800 exported schedules; larger files go through `summarybot schedules import`.
MAX_IMPORT_BYTES = 1024 * 1024


@dataclass
class ImportPlan:
    """The outcome of checking a file: what would be created and updated, or the problems."""

    creates: list[Schedule] = field(default_factory=list)
    updates: list[tuple[Schedule, Schedule]] = field(default_factory=list)
    unchanged: list[Schedule] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    wider: list[str] = field(default_factory=list)

    @property
    def writes(self) -> int:
        """How many schedules confirming would write."""
        return len(self.creates) + len(self.updates)


def shown_name(attachment: discord.Attachment) -> str:
    """The file's name, safe inside backticks."""
    return attachment.filename.replace("`", "'")[:100]


async def read_attachment(attachment: discord.Attachment) -> str:
    """The attachment's text, if it is a JSON file of at most `MAX_IMPORT_BYTES`."""
    name = shown_name(attachment)
    if attachment.size > MAX_IMPORT_BYTES:
        raise UserError(
            f"`{name}` is {attachment.size:,} bytes; an import here takes at most "
            f"{MAX_IMPORT_BYTES:,} (about 800 schedules). Import larger files on the bot's "
            "host with `summarybot schedules import`."
        )
    json_type = (attachment.content_type or "").split(";")[0].strip() == "application/json"
    if not (json_type or attachment.filename.lower().endswith(".json")):
        raise UserError(
            f"`{name}` is not a JSON file: attach the file `/schedule export` or "
            "`summarybot schedules export` wrote."
        )
    data = await attachment.read()
    if len(data) > MAX_IMPORT_BYTES:
        raise UserError(f"`{name}` is larger than {MAX_IMPORT_BYTES:,} bytes.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"`{name}` is not UTF-8 text, so not a schedule export.") from None


async def plan_import(
    bot: SummaryBot,
    guild: discord.Guild,
    member: discord.Member,
    text: str,
    *,
    name: str,
    confirm: bool,
) -> ImportPlan:
    """Check every entry of an export as an import into `guild` by `member` would."""
    try:
        export = read_export(text)
    except NotAnExportError as exc:
        raise UserError(f"`{name}`: {exc}") from None
    except ExportProblemsError as exc:
        return ImportPlan(problems=exc.problems)
    store = bot.require_scheduler().store
    ours = {s.id: s for s in await store.list_schedules(guild.id)}
    checked = check_entries(
        export.schedules,
        taken=await store.schedule_ids(),
        updatable=ours,
        delivery=bot.settings.delivery,
        now=bot.clock(),
        min_interval_seconds=bot.settings.scheduling.min_interval_seconds,
        defaults={"guild_id": guild.id, "created_by": member.id},
    )
    plan = ImportPlan()
    for entry in checked:
        if entry.schedule is not None:
            plan.wider += await check_in_discord(bot, guild, member, entry, confirm=confirm)
    plan.problems = entry_problems(checked)
    if plan.problems:
        return plan
    for entry in checked:
        schedule = entry.schedule
        assert schedule is not None  # no problems: every entry validated
        if entry.stored is None:
            plan.creates.append(schedule)
        elif changed_fields(entry.stored, schedule):
            plan.updates.append((entry.stored, schedule))
        else:
            plan.unchanged.append(schedule)
    return plan


async def check_in_discord(
    bot: SummaryBot,
    guild: discord.Guild,
    member: discord.Member,
    entry: CheckedEntry,
    *,
    confirm: bool,
) -> list[str]:
    """The checks of `/schedule create`, as problems of the entry; returns wider lines.

    A new schedule runs for the importer (whose access was checked here), whatever its
    `created_by` said; confirmations are the importer's, never the file's.
    """
    schedule, stored = entry.schedule, entry.stored
    assert schedule is not None
    if schedule.guild_id != guild.id:
        entry.problems.append(
            f"guild_id: {schedule.guild_id} is another server; a schedule's channels, roles "
            "and members belong to its server, so only this server's schedules are imported here"
        )
        return []
    if stored is None:
        owner = {"created_by": member.id, "confirm_wider_audience": False}
        schedule = schedule.model_copy(update={**owner, "confirmed_audiences": ()})
    problems = _destination_problems(guild, schedule.destinations)
    sources = []
    for channel_id in schedule.channel_ids:
        channel = guild.get_channel_or_thread(channel_id)
        if channel is None:
            problems.append(f"channel_ids: <#{channel_id}> is not a channel the bot can see here")
            continue
        try:
            await check_sources(guild, member, [channel])
        except UserError as exc:
            problems.append(f"channel_ids: {exc}")
        sources.append(channel)
    entry.problems += problems
    if problems:
        return []
    kept = _still_confirmed(stored, schedule)
    enabled = [d for d in schedule.destinations if d.disabled_reason is None]
    covered = {c.destination_id for c in kept} | _legacy_covered(stored, schedule)
    try:
        audiences = await check_destinations(
            bot,
            guild,
            sources,
            [d for d in enabled if d.id not in covered],
            confirmed=True,
            by=member.id,
        )
    except UserError as exc:
        entry.problems.append(f"destinations: {exc}")
        return []
    wider = [
        f"`{c.destination_id}` of `{schedule.id}`: {line}"
        for c, line in zip(audiences.confirmed, audiences.lines, strict=True)
    ]
    if wider and not confirm:
        entry.problems += [
            f"destinations: {line}; import with `confirm_wider_audience:True` if that is intended"
            for line in wider
        ]
        return []
    confirmations = merged(kept, audiences.confirmed)
    flag = bool(confirmations) or (stored is not None and stored.confirm_wider_audience)
    entry.schedule = schedule.model_copy(
        update={"confirmed_audiences": confirmations, "confirm_wider_audience": flag}
    )
    return wider


def _destination_problems(guild: discord.Guild, destinations: Sequence[Destination]) -> list[str]:
    """Destinations an import may not bring: DMs, odd mentions, channels the bot cannot use.

    Members subscribe to DMs themselves; a mention must name a role of this server other
    than @everyone; the bot must be able to post in every enabled channel.
    """
    problems = []
    for index, destination in enumerate(destinations):
        if isinstance(destination, DmDestination):
            problems.append(
                f"destinations.{index}: a DM destination cannot be imported; members "
                "subscribe themselves with `/digest subscribe`"
            )
        if isinstance(destination, ChannelDestination) and destination.mention_role_id:
            role = guild.get_role(destination.mention_role_id)
            if role is None or role.is_default():
                problems.append(
                    f"destinations.{index}.mention_role_id: {destination.mention_role_id} is not "
                    "a role of this server a digest may mention (never @everyone)"
                )
        if isinstance(destination, ChannelDestination) and destination.disabled_reason is None:
            try:
                check_posting(guild, [destination])
            except UserError as exc:
                problems.append(f"destinations.{index}: {exc}")
    return problems


def _unchanged(stored: Schedule, schedule: Schedule) -> dict[str, Any]:
    """The destinations of `schedule` exactly as stored, by id."""
    before = {d.id: d for d in stored.destinations}
    return {d.id: d for d in schedule.destinations if before.get(d.id) == d}


def _still_confirmed(stored: Schedule | None, schedule: Schedule) -> list[ConfirmedAudience]:
    """Stored confirmations of destinations the import leaves as they are.

    They stay the creator's: before every run the bot still compares each with what the
    destination shows then, as for any schedule.
    """
    if stored is None:
        return []
    same = _unchanged(stored, schedule)
    return [c for c in stored.confirmed_audiences if c.destination_id in same]


def _legacy_covered(stored: Schedule | None, schedule: Schedule) -> set[str]:
    """Unchanged webhooks and files a schedule confirmed before audiences were recorded."""
    if stored is None or not stored.confirm_wider_audience:
        return set()
    same = _unchanged(stored, schedule)
    return {key for key, d in same.items() if not isinstance(d, ChannelDestination)}
