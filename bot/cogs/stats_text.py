"""`/summarybot stats` in words: outcomes, deliveries, digest sizes and run durations.

Runs by outcome per schedule, delivery success per destination (webhook URLs masked), and
the median and 95th percentile of digest sizes and run durations.

Worst first where it matters: the destinations that fail most lead their list, so a long list
cut to fit Discord's limits still shows what needs attention.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import discord

from delivery.embeds import stamp
from delivery.models import ChannelDestination, DmDestination, FileDestination, WebhookDestination
from scheduling.models import RunStatus
from scheduling.stats import DeliveryTotals, GuildStats, Spread
from summarizer.notes import count as plural

MAX_LINES = 15
_ICONS = {
    RunStatus.SUCCEEDED: "✅",
    RunStatus.PARTIAL: "🟡",
    RunStatus.SKIPPED: "⏭️",
    RunStatus.FAILED: "❌",
    RunStatus.INTERRUPTED: "⏸️",
    RunStatus.RUNNING: "⏳",
}


@dataclass(frozen=True)
class DestinationLine:
    """One destination's (or one schedule's DMs') delivery totals, ready to print."""

    schedule_id: str
    label: str
    finished: int
    delivered: int

    @property
    def rate(self) -> float:
        """Delivered share of finished deliveries."""
        return self.delivered / self.finished if self.finished else 1.0


def seconds_text(seconds: float) -> str:
    """`0.4 s`, `12 s`, `2 min 5 s`, `1 h 3 min`."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def outcome_text(counts: Mapping[RunStatus, int]) -> str:
    """`28 ✅ succeeded · 1 ❌ failed`, in the order of `RunStatus`."""
    return " · ".join(
        f"{counts[status]} {_ICONS[status]} {status.value}"
        for status in RunStatus
        if counts.get(status)
    )


def schedule_label(schedule_id: str, names: Mapping[str, str]) -> str:
    """`` `k3x9…` Morning digest`` (the name only when it has one)."""
    name = names.get(schedule_id, "")
    return f"`{schedule_id}` {name}".strip()


def destination_lines(totals: list[DeliveryTotals]) -> list[DestinationLine]:
    """One line per destination; a schedule's DMs (one row per subscriber) as one line."""
    lines: list[DestinationLine] = []
    dms: dict[str, list[DeliveryTotals]] = {}
    for total in totals:
        destination = total.destination
        if isinstance(destination, DmDestination):
            dms.setdefault(total.schedule_id, []).append(total)
            continue
        if isinstance(destination, ChannelDestination):
            label = f"<#{destination.channel_id}>"
        elif isinstance(destination, WebhookDestination):
            label = f"webhook `{destination.masked_url()}`"
        elif isinstance(destination, FileDestination):
            label = f"file `{destination.template}`"
        else:  # pragma: no cover - the union is closed
            label = destination.kind
        label = f"`{destination.id}` {label}"
        lines.append(DestinationLine(total.schedule_id, label, total.finished, total.delivered))
    for schedule_id, rows in dms.items():
        label = f"DMs to {plural(len(rows), 'member')}"
        finished = sum(r.finished for r in rows)
        delivered = sum(r.delivered for r in rows)
        lines.append(DestinationLine(schedule_id, label, finished, delivered))
    return sorted(lines, key=lambda line: (line.rate, -line.finished))


def _capped(lines: list[str], empty: str) -> str:
    """Lines that fit an embed field (1,024 characters), with how many were left out."""
    shown: list[str] = []
    for line in lines[:MAX_LINES]:
        if sum(len(x) + 1 for x in shown) + len(line) > 960:
            break
        shown.append(line)
    left = len(lines) - len(shown)
    if left:
        shown.append(f"… and {left} more")
    return "\n".join(shown) or empty


def _sizes_text(spread: Spread | None) -> str:
    if spread is None:
        return "no digests in this period"
    return (
        f"median {spread.median:,.0f} messages, 95th percentile {spread.p95:,.0f}, "
        f"largest {spread.largest:,.0f} ({plural(spread.count, 'digest')}; "
        f"{spread.total:,.0f} messages in all)"
    )


def _durations_text(spread: Spread | None) -> str:
    if spread is None:
        return "no finished runs in this period"
    return (
        f"median {seconds_text(spread.median)}, 95th percentile {seconds_text(spread.p95)}, "
        f"longest {seconds_text(spread.largest)} ({plural(spread.count, 'finished run')})"
    )


def stats_embed(
    stats: GuildStats, days: int, names: Mapping[str, str], *, kept_days: int
) -> discord.Embed:
    """The stats reply: totals, then a field each for schedules, destinations, sizes, times."""
    totals = stats.totals
    runs = sum(totals.values())
    embed = discord.Embed(
        title=f"summarybot stats: the last {plural(days, 'day')}",
        colour=discord.Colour.blurple(),
        description=(
            f"**{plural(runs, 'run')}** since {stamp(stats.since, 'D')}"
            + (f": {outcome_text(totals)}" if runs else ".")
        ),
    )
    by_schedule = sorted(stats.outcomes.items(), key=lambda item: -sum(item[1].values()))
    embed.add_field(
        name="Runs by schedule",
        value=_capped(
            [f"{schedule_label(s, names)}: {outcome_text(c)}" for s, c in by_schedule],
            "no runs in this period",
        ),
        inline=False,
    )
    delivered = [
        f"{schedule_label(line.schedule_id, {})} {line.label}: {line.delivered} of "
        f"{line.finished} delivered ({line.rate:.0%})"
        for line in destination_lines(stats.deliveries)
    ]
    embed.add_field(
        name="Deliveries (least successful first)",
        value=_capped(delivered, "no deliveries in this period"),
        inline=False,
    )
    embed.add_field(
        name="Digest sizes (messages summarized)",
        value=_sizes_text(stats.digest_sizes),
        inline=False,
    )
    embed.add_field(name="Run durations", value=_durations_text(stats.durations), inline=False)
    note = f"days in {stats.zone}"
    if days > kept_days:
        note += f" · runs are kept {kept_days} days (retention.runs_days)"
    embed.set_footer(text=note)
    return embed
