"""`/schedule audit` and `/summarybot stats`: what was done in this server, and how runs went.

Both read the whole server's record, so they are for members who may manage every schedule
here (`actions.manager` without the creator role), and both show this server only. The audit
pages like `/schedule list` (◀ ▶ buttons that survive a restart); stats answer with numbers
and, when the period has runs on more than one day, a chart of runs per day (`charts`).
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any, Self

import discord
from discord import app_commands

from bot.cogs import actions, autocomplete
from bot.cogs.audit_text import entry_line
from bot.cogs.charts import runs_chart
from bot.cogs.replies import report_error, send
from bot.cogs.stats_text import stats_embed
from bot.guilds import default_zone
from scheduling.models import AuditEntry
from scheduling.stats import guild_stats
from scheduling.zones import resolve_zone

if TYPE_CHECKING:
    from bot.app import SummaryBot

AUDIT_PAGE = 10
CHART_NAME = "runs-per-day.png"
_ID = r"[A-Za-z0-9_-]{1,40}"


def add_audit_command(bot: SummaryBot, group: app_commands.Group) -> None:
    """Add `audit` to the `/schedule` group."""

    @group.command(name="audit", description="Who did what to this server's schedules, and when")
    @app_commands.describe(
        schedule="only this schedule's entries (a deleted one's too)",
        page="which page, newest first (10 entries each)",
    )
    @app_commands.autocomplete(schedule=autocomplete.schedule_id)
    async def audit(
        interaction: discord.Interaction,
        schedule: app_commands.Range[str, 1, 40] | None = None,
        page: app_commands.Range[int, 1, 100000] = 1,
    ) -> None:
        guild, _ = await actions.manager(bot, interaction)
        key = schedule.strip() if schedule else None
        embed, view = await audit_reply(bot, guild, key, page - 1)
        await send(interaction, embed=embed, **({"view": view} if view else {}))


def add_stats_command(bot: SummaryBot, group: app_commands.Group) -> None:
    """Add `stats` to the `/summarybot` group."""

    @group.command(name="stats", description="Runs, deliveries, digest sizes and run durations")
    @app_commands.describe(days="how many days back, today included (1–365; default 30)")
    async def stats(
        interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30
    ) -> None:
        guild, _ = await actions.manager(bot, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        scheduler = bot.require_scheduler()
        zone = resolve_zone(
            await default_zone(
                bot.require_scheduler().store, guild.id, bot.settings.scheduling.timezone
            )
        )
        numbers = await guild_stats(
            scheduler.store, guild.id, days=days, now=bot.clock(), zone=zone
        )
        names = {s.id: s.name for s in await scheduler.list(guild.id)}
        embed = stats_embed(numbers, days, names, kept_days=bot.settings.retention.runs_days)
        extra: dict[str, Any] = {}
        if sum(1 for _, counts in numbers.per_day if counts) > 1:
            title = f"Runs per day, last {days} days ({numbers.zone})"
            chart = runs_chart(numbers.per_day, title)
            extra["file"] = discord.File(io.BytesIO(chart), filename=CHART_NAME)
            embed.set_image(url=f"attachment://{CHART_NAME}")
        await send(interaction, embed=embed, **extra)


async def audit_reply(
    bot: SummaryBot, guild: discord.Guild, schedule_id: str | None, page: int
) -> tuple[discord.Embed, discord.ui.View | None]:
    """One page of the guild's audit log (of one schedule, if given) with its pager."""
    store = bot.require_scheduler().store
    entries = await store.list_audit(
        guild_id=guild.id,
        schedule_id=schedule_id,
        limit=AUDIT_PAGE + 1,
        offset=page * AUDIT_PAGE,
    )
    has_more = len(entries) > AUDIT_PAGE
    embed = audit_page(entries[:AUDIT_PAGE], schedule_id, page, has_more)
    key = schedule_id if schedule_id and re.fullmatch(_ID, schedule_id) else "-"
    if key == "-" and schedule_id:
        return embed, None  # not an id a button can carry, and nothing to page through
    return embed, audit_pager(key, page, has_more)


def audit_page(
    entries: list[AuditEntry], schedule_id: str | None, page: int, has_more: bool
) -> discord.Embed:
    """The embed of one audit page: one line per entry, newest first."""
    title = "Audit log" + (f" of {schedule_id}" if schedule_id else "")
    embed = discord.Embed(title=title[:256], colour=discord.Colour.blurple())
    lines: list[str] = []
    for entry in entries:
        line = entry_line(entry)[:400]
        if sum(len(x) + 1 for x in lines) + len(line) > 4000:
            break
        lines.append(line)
    if lines:
        embed.description = "\n".join(lines)
    elif page:
        embed.description = f"Nothing on page {page + 1}: the log is shorter."
    else:
        embed.description = "Nothing recorded here yet."
    more = " · more on the next page" if has_more else ""
    embed.set_footer(text=f"page {page + 1}{more} · times in your own zone")
    return embed


def audit_pager(key: str, page: int, has_more: bool) -> discord.ui.View | None:
    """◀ ▶ under an audit page (None when everything fits on the first)."""
    if page == 0 and not has_more:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(AuditPageButton(key, max(0, page - 1), "◀ Previous", disabled=page == 0))
    view.add_item(AuditPageButton(key, page + 1, "Next ▶", disabled=not has_more))
    return view


class AuditPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"sb:audit:(?P<key>{_ID}|-):(?P<page>\d{{1,6}})",
):
    """Previous/next on `/schedule audit`; the custom id carries the filter and the page."""

    def __init__(self, key: str, page: int, label: str = "Page", *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"sb:audit:{key}:{page}",
                disabled=disabled,
            )
        )
        self.key = key
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(match["key"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        """Show the requested page in place, checking the clicker like the command does."""
        bot: SummaryBot = interaction.client  # type: ignore[assignment]
        try:
            guild, _ = await actions.manager(bot, interaction)
            schedule_id = None if self.key == "-" else self.key
            embed, view = await audit_reply(bot, guild, schedule_id, self.page)
            await interaction.response.edit_message(embed=embed, view=view)
        except Exception as exc:
            await report_error(interaction, exc)


DYNAMIC_ITEMS = (AuditPageButton,)
