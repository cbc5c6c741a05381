"""`/schedule export` and `/schedule import`: this server's schedules as a file, and back.

The file is the one `summarybot schedules export` writes (`bot.schedule_files`), so backups
move between the shell and Discord. An export answers with the file attached, only to the
member asking; without `include_secrets` its webhook URLs are masked and signing secrets left
out, so the file cannot post or sign as the bot. An import reads an attached file, checks
every entry (`import_plan`), shows what it would create and update and every problem, and
writes on **Import**, all of it in one transaction or nothing.
"""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.cogs import actions
from bot.cogs.cards import when_text
from bot.cogs.import_plan import ImportPlan, plan_import, read_attachment, shown_name
from bot.cogs.replies import UserError, report_error, send
from bot.schedule_files import export_text
from scheduling.errors import ScheduleStateError, StoreError
from scheduling.models import AuditAction, AuditEntry
from scheduling.service import changed_fields
from summarizer.notes import count as plural

if TYPE_CHECKING:
    from bot.app import SummaryBot

PREVIEW_SECONDS = 600  # within the 15 minutes Discord lets a reply be edited
_WITH_SECRETS = (
    "⚠️ This file holds webhook URLs and signing secrets: anyone who has it can post to those "
    "webhooks and sign events as this bot. Keep it private."
)
_WITHOUT_SECRETS = (
    "Webhook URLs are masked to their host and signing secrets left out, so this file cannot "
    "post or sign as the bot. Imported back here, it updates its schedules and keeps their "
    "stored webhooks; `include_secrets:True` exports everything (a full backup)."
)


def add_commands(bot: SummaryBot, group: app_commands.Group) -> None:
    """Add export and import to the `/schedule` group."""

    @group.command(name="export", description="This server's schedules as a JSON file")
    @app_commands.describe(
        include_secrets="include webhook URLs and signing secrets (a full backup; keep it private)"
    )
    async def export(interaction: discord.Interaction, include_secrets: bool = False) -> None:
        guild, _ = await actions.manager(bot, interaction)
        scheduler = bot.require_scheduler()
        schedules = await scheduler.list(guild.id)
        now = bot.clock()
        data = export_text(schedules, now, include_secrets=include_secrets).encode()
        if len(data) > guild.filesize_limit:
            raise UserError(
                f"The export is {len(data):,} bytes, more than Discord takes here: export on "
                "the bot's host with `summarybot schedules export --guild "
                f"{guild.id}`."
            )
        detail = {"schedules": len(schedules), "secrets": include_secrets}
        await scheduler.store.append_audit(
            AuditEntry(
                at=now,
                guild_id=guild.id,
                actor=actions.actor(interaction),
                action=AuditAction.EXPORTED,
                detail=detail,
            )
        )
        name = f"summarybot-schedules-{now:%Y-%m-%d}.json"
        note = _WITH_SECRETS if include_secrets else _WITHOUT_SECRETS
        await send(
            interaction,
            f"{plural(len(schedules), 'schedule')} of this server, in the format of "
            f"`summarybot schedules export`.\n{note}",
            file=discord.File(io.BytesIO(data), filename=name),
        )

    @group.command(name="import", description="Add or update schedules from an export file")
    @app_commands.describe(
        file="a JSON file written by /schedule export or summarybot schedules export",
        confirm_wider_audience="deliver even where more people can read than in the source",
    )
    async def import_(
        interaction: discord.Interaction,
        file: discord.Attachment,
        confirm_wider_audience: bool = False,
    ) -> None:
        guild, member = await actions.manager(bot, interaction)
        # Reading the file and looking members up may take longer than Discord waits.
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await read_attachment(file)
        name = shown_name(file)
        plan = await plan_import(
            bot, guild, member, text, name=name, confirm=confirm_wider_audience
        )
        embed, problems = preview(plan, name)
        extra: dict[str, Any] = {"embed": embed}
        if problems is not None:
            extra["file"] = discord.File(io.BytesIO(problems.encode()), filename="problems.txt")
        if plan.writes and not plan.problems:
            extra["view"] = ImportConfirmation(bot, interaction, plan)
        await send(interaction, **extra)


def _capped(lines: list[str], limit: int) -> tuple[str, int]:
    """As many whole lines as fit in `limit` characters, and how many were left out."""
    shown: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in shown) + len(line) > limit:
            break
        shown.append(line)
    return "\n".join(shown), len(lines) - len(shown)


def preview(plan: ImportPlan, name: str) -> tuple[discord.Embed, str | None]:
    """The dry run: what would be created and updated, or every problem.

    Returns the embed and, when the problems do not all fit in it, all of them as text to
    attach, so every problem is shown.
    """
    embed = discord.Embed(title=f"Import of {name}"[:256], colour=discord.Colour.blurple())
    if plan.problems:
        embed.colour = discord.Colour.red()
        head = (
            f"**{plural(len(plan.problems), 'problem')}: nothing was imported.** "
            "Fix the file and run `/schedule import` again.\n"
        )
        body, left = _capped([f"• {p}" for p in plan.problems], 3900 - len(head))
        more = f"\n… {left} more: all of them are in the attached `problems.txt`." if left else ""
        embed.description = head + body + more
        return embed, "\n".join(plan.problems) + "\n" if left else None
    summary = (
        f"**{len(plan.creates)} to create, {len(plan.updates)} to update, "
        f"{len(plan.unchanged)} unchanged.**"
    )
    if plan.writes:
        summary += " Nothing is written until you press **Import**; then all of it at once."
    else:
        summary += " Nothing to import: this server's schedules are as the file says."
    embed.description = summary
    creates = [f"`{s.id}` {s.name} — {when_text(s)}".replace("  ", " ") for s in plan.creates]
    updates = [
        f"`{after.id}` {after.name}: " + ", ".join(changed_fields(before, after))
        for before, after in plan.updates
    ]
    for title, lines in (
        ("Create", creates),
        ("Update (fields that change)", updates),
        ("⚠️ Wider audience (you confirm it by importing)", plan.wider),
    ):
        if lines:
            value, left = _capped(lines, 980)
            more = f"\n… and {left} more" if left else ""
            embed.add_field(name=title, value=value + more, inline=False)
    return embed, None


class ImportConfirmation(discord.ui.View):
    """Import / Cancel under a preview, for the member who asked; expires after 10 minutes.

    The plan lives in this view (a file cannot travel in a button's id), so after a restart
    or the timeout the import is simply run again.
    """

    def __init__(self, bot: SummaryBot, origin: discord.Interaction, plan: ImportPlan) -> None:
        super().__init__(timeout=PREVIEW_SECONDS)
        self.bot = bot
        self.origin = origin
        self.plan = plan
        self.done = False

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        """Only the member who previewed the import may confirm or cancel it."""
        if interaction.user.id == self.origin.user.id:
            return True
        await send(interaction, "Only the member who started this import can confirm it.")
        return False

    @discord.ui.button(label="Import", style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        """Write the plan in one transaction, re-checking the member's rights first."""
        guild, _ = await actions.manager(self.bot, interaction)
        if self.done:
            raise UserError("This import was already handled.")
        self.done = True
        self.stop()
        plan = self.plan
        try:
            await self.bot.require_scheduler().apply_import(
                plan.creates, plan.updates, actions.actor(interaction), guild.id
            )
        except (ScheduleStateError, StoreError) as exc:
            text = f"⚠️ Nothing was imported: {exc}"
        else:
            text = (
                f"Imported: {len(plan.creates)} created, {len(plan.updates)} updated. "
                "`/schedule list` shows them; `/schedule audit` records the import."
            )
        await interaction.response.edit_message(content=text, embed=None, view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        """Drop the plan: nothing is written."""
        self.done = True
        self.stop()
        await interaction.response.edit_message(
            content="Import cancelled: nothing was written.", embed=None, view=None
        )

    async def on_timeout(self) -> None:
        """Say the preview expired, so a late click is not a silent failure."""
        if self.done:
            return
        with contextlib.suppress(discord.HTTPException):
            await self.origin.edit_original_response(
                content="This import preview expired and nothing was imported: run "
                "`/schedule import` again.",
                embed=None,
                view=None,
            )

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception, _: discord.ui.Item[Any]
    ) -> None:
        """Answer like a command: specific for mistakes, an error id for bugs."""
        await report_error(interaction, error)
