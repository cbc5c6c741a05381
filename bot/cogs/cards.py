"""What schedule replies look like: the card, `show`, `list` and `history` pages.

Times are Discord timestamps, so each member reads them in their own zone; webhook URLs are
masked; a signing secret appears only in the reply to the person who created it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from delivery.embeds import stamp
from delivery.models import (
    ChannelDestination,
    Destination,
    DmDestination,
    FileDestination,
    WebhookDestination,
)
from scheduling.models import Delivery, DestinationHealth, Run, Schedule, ScheduleStatus
from scheduling.recurrence import describe, next_fire_times
from summarizer.notes import count as plural

PAGE_SIZE = 10
_COLOURS = {
    ScheduleStatus.ACTIVE: discord.Colour.green(),
    ScheduleStatus.PAUSED: discord.Colour.orange(),
}
_RUN_ICONS = {
    "succeeded": "✅",
    "partial": "🟡",
    "skipped": "⏭️",
    "failed": "❌",
    "interrupted": "⏸️",
    "running": "⏳",
}


def when_text(schedule: Schedule) -> str:
    """`weekdays at 09:00 (Europe/Berlin)`."""
    return f"{describe(schedule.recurrence)} ({schedule.timezone})"


def destination_text(destination: Destination) -> str:
    """One line per destination, safe to show anyone in the guild."""
    off = f" — **disabled**: {destination.disabled_reason}" if destination.disabled_reason else ""
    if isinstance(destination, ChannelDestination):
        extras = [destination.style]
        if destination.mode == "edit":
            extras.append("edits one message")
        if destination.mention_role_id:
            extras.append(f"mentions <@&{destination.mention_role_id}>")
        text = f"<#{destination.channel_id}> ({', '.join(extras)})"
    elif isinstance(destination, WebhookDestination):
        signed = ", signed" if destination.secret else ""
        if destination.secret and destination.previous_secret_expires_at:
            until = stamp(destination.previous_secret_expires_at)
            signed += f", also with the previous secret until {until}"
        text = f"webhook `{destination.masked_url()}`{signed}"
    elif isinstance(destination, FileDestination):
        text = f"file `{destination.template}` ({destination.format})"
    elif isinstance(destination, DmDestination):
        text = f"DM to <@{destination.user_id}>"
    else:  # pragma: no cover - the union is closed
        text = destination.kind
    return f"`{destination.id}` {text}{off}"


def upcoming(schedule: Schedule, now: datetime, count: int) -> list[datetime]:
    """The next `count` runs (none while paused)."""
    if schedule.status is not ScheduleStatus.ACTIVE:
        return []
    return next_fire_times(
        schedule.recurrence, schedule.timezone, after=now, count=count, start=schedule.created_at
    )


def _base(schedule: Schedule) -> discord.Embed:
    title = f"Schedule {schedule.id}" + (f" — {schedule.name}" if schedule.name else "")
    embed = discord.Embed(
        title=title[:256],
        description=f"**{when_text(schedule)}**",
        colour=_COLOURS.get(schedule.status, discord.Colour.light_grey()),
    )
    status = schedule.status.value
    if schedule.pause_reason:
        status += f": {schedule.pause_reason}"
    embed.add_field(name="Status", value=status[:1024], inline=False)
    sources = ", ".join(f"<#{channel_id}>" for channel_id in schedule.channel_ids)
    threads = (
        (" and its threads" if len(schedule.channel_ids) == 1 else " and their threads")
        if schedule.include_threads
        else ""
    )
    embed.add_field(name="Summarizes", value=f"{sources}{threads}"[:1024], inline=False)
    options = options_text(schedule)
    if options:
        embed.add_field(name="Options", value=options[:1024], inline=False)
    return embed


def options_text(schedule: Schedule) -> str:
    """Priority, language and the end, when they differ from the defaults."""
    parts = []
    if schedule.priority != "normal":
        parts.append(f"{schedule.priority} priority")
    if schedule.language:
        parts.append(f"written in {schedule.language}")
    if schedule.max_runs is not None:
        parts.append(
            f"ends after {plural(schedule.max_runs, 'digest')} ({schedule.run_count} so far)"
        )
    if schedule.end_at is not None:
        parts.append(f"ends {stamp(schedule.end_at)}")
    return " · ".join(parts)


def _next_field(embed: discord.Embed, schedule: Schedule, now: datetime, count: int) -> None:
    times = upcoming(schedule, now, count)
    value = "\n".join(f"{stamp(t)} ({stamp(t, 'R')})" for t in times) or "none while paused"
    embed.add_field(name=f"Next {count} runs", value=value[:1024], inline=False)


def schedule_card(
    schedule: Schedule,
    now: datetime,
    *,
    secret: str | None = None,
    wider: Sequence[str] = (),
) -> discord.Embed:
    """The reply to create/edit: what, when, the next three runs and where it goes."""
    embed = _base(schedule)
    _next_field(embed, schedule, now, 3)
    lines = "\n".join(destination_text(d) for d in schedule.destinations)
    embed.add_field(name="Destinations", value=lines[:1024], inline=False)
    if wider:
        text = "\n".join(f"• {line}" for line in wider)
        embed.add_field(
            name="⚠️ Wider audience (confirmed by the creator)", value=text[:1024], inline=False
        )
    if secret:
        embed.add_field(
            name="Webhook signing secret (shown once: give it to the receiving service)",
            value=f"||`{secret}`||",
            inline=False,
        )
    embed.set_footer(text=f"id {schedule.id} · created by {schedule.created_by}")
    return embed


def _delivery_line(delivery: Delivery) -> str:
    outcome = "delivered" if delivery.status == "delivered" else delivery.status.value
    error = f": {delivery.last_error[:120]}" if delivery.last_error else ""
    return f"  `{delivery.destination_id}` {outcome}{error}"


def _run_line(run: Run) -> str:
    icon = _RUN_ICONS.get(run.status.value, "•")
    count = f", {plural(run.message_count, 'message')}" if run.message_count is not None else ""
    error = f" — {run.error[:150]}" if run.error else ""
    return f"{icon} {stamp(run.scheduled_for)} {run.status.value}{count}{error}"


def _health_line(destination: Destination, health: DestinationHealth | None) -> str:
    if health is None or health.finished == 0:
        return f"`{destination.id}`: no deliveries yet"
    last = f", last success {stamp(health.last_success, 'R')}" if health.last_success else ""
    error = f", last error: {health.last_error[:120]}" if health.last_error else ""
    return (
        f"`{destination.id}`: {health.success_rate:.0%} of {health.finished} delivered{last}{error}"
    )


def show_card(
    schedule: Schedule,
    now: datetime,
    runs: Sequence[tuple[Run, Sequence[Delivery]]],
    health: dict[str, DestinationHealth],
) -> discord.Embed:
    """`/schedule show`: the card plus five next runs, five last runs and destination health."""
    embed = _base(schedule)
    _next_field(embed, schedule, now, 5)
    lines = "\n".join(destination_text(d) for d in schedule.destinations)
    embed.add_field(name="Destinations", value=lines[:1024], inline=False)
    recent = []
    for run, deliveries in runs:
        recent.append(_run_line(run))
        recent.extend(_delivery_line(d) for d in deliveries)
    embed.add_field(
        name="Last runs", value=("\n".join(recent) or "no runs yet")[:1024], inline=False
    )
    healths = "\n".join(_health_line(d, health.get(d.id)) for d in schedule.destinations)
    embed.add_field(name="Destination health", value=healths[:1024], inline=False)
    embed.set_footer(
        text=f"digests delivered on schedule {schedule.run_count} · "
        f"consecutive failures {schedule.consecutive_failures}"
    )
    return embed


def pages(count: int) -> int:
    """How many pages `count` items fill (at least one)."""
    return max(1, -(-count // PAGE_SIZE))


def list_page(schedules: Sequence[Schedule], page: int, now: datetime) -> discord.Embed:
    """One page of `/schedule list`."""
    total = pages(len(schedules))
    embed = discord.Embed(title=f"Schedules ({len(schedules)})", colour=discord.Colour.blurple())
    shown = schedules[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    for schedule in shown:
        following = upcoming(schedule, now, 1)
        nxt = f"next {stamp(following[0], 'R')}" if following else schedule.status.value
        name = f"{schedule.id} {schedule.name}".strip()
        sources = ", ".join(f"<#{c}>" for c in schedule.channel_ids)
        embed.add_field(
            name=name[:256], value=f"{when_text(schedule)} · {sources} · {nxt}"[:1024], inline=False
        )
    if not shown:
        embed.description = "No schedules yet: create one with `/schedule create`."
    embed.set_footer(text=f"page {page + 1} of {total}")
    return embed


def history_page(
    schedule: Schedule,
    runs: Sequence[tuple[Run, Sequence[Delivery]]],
    page: int,
    has_more: bool,
) -> discord.Embed:
    """One page of `/schedule history`: runs, newest first, with each delivery's outcome."""
    embed = discord.Embed(
        title=f"History of {schedule.id}" + (f" — {schedule.name}" if schedule.name else ""),
        colour=discord.Colour.blurple(),
    )
    lines: list[str] = []
    for run, deliveries in runs:
        lines.append(_run_line(run))
        lines.extend(_delivery_line(d) for d in deliveries)
    embed.description = ("\n".join(lines) or "No runs yet.")[:4000]
    more = " · more on the next page" if has_more else ""
    embed.set_footer(text=f"page {page + 1}{more}")
    return embed
