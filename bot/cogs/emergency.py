"""`/schedule pause-all | resume-all`: a guild's emergency stop, confirmed by a button.

Pause-all stops every active schedule of this server at once (one transaction, audited);
resume-all resumes exactly those a guild-wide pause stopped (this one, or the bot leaving the
server) and leaves schedules paused one by one alone. Both ask first: one click undoes a
server's digests.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Self

import discord
from discord import app_commands

from bot.cogs import actions
from bot.cogs.replies import report_error, send
from scheduling.models import ScheduleStatus

if TYPE_CHECKING:
    from bot.app import SummaryBot

_LABELS = {"pause": "Yes, pause them all", "resume": "Yes, resume them"}


def add_commands(bot: SummaryBot, group: app_commands.Group) -> None:
    """Add pause-all and resume-all to the `/schedule` group."""

    @group.command(name="pause-all", description="Emergency stop: pause every schedule here")
    async def pause_all(interaction: discord.Interaction) -> None:
        guild, _ = await actions.manager(bot, interaction)
        active = await bot.require_scheduler().list(guild.id, ScheduleStatus.ACTIVE)
        if not active:
            await send(interaction, "No schedule is active in this server: nothing to pause.")
            return
        await send(
            interaction,
            f"Pause all **{len(active)}** active schedules of this server? Nothing is posted "
            "until they are resumed (`/schedule resume-all` resumes exactly these).",
            view=confirm("pause"),
        )

    @group.command(name="resume-all", description="Undo the emergency stop")
    async def resume_all(interaction: discord.Interaction) -> None:
        guild, _ = await actions.manager(bot, interaction)
        paused = await bot.require_scheduler().list(guild.id, ScheduleStatus.PAUSED)
        stopped = [s for s in paused if s.pause_cause is not None]
        if not stopped:
            await send(
                interaction,
                "No schedule here was paused by a guild-wide pause; schedules paused one by one "
                "are resumed with `/schedule resume`.",
            )
            return
        await send(
            interaction,
            f"Resume the **{len(stopped)}** schedules the guild-wide pause stopped? Each next "
            "digest covers everything said while they were paused.",
            view=confirm("resume"),
        )


def confirm(action: str) -> discord.ui.View:
    """The confirmation button for pause-all / resume-all."""
    view = discord.ui.View(timeout=None)
    view.add_item(GuildButton(action))
    return view


async def carry_out(bot: SummaryBot, interaction: discord.Interaction, action: str) -> None:
    """The confirmed emergency stop or its undoing."""
    guild, member = await actions.manager(bot, interaction)
    scheduler = bot.require_scheduler()
    if action == "pause":
        reason = f"emergency stop by {member.display_name}"
        paused = await scheduler.pause_all(
            guild.id, actions.actor(interaction), "emergency_stop", reason
        )
        text = f"⏸️ Paused {len(paused)} schedules. `/schedule resume-all` resumes them."
    else:
        resumed, problems = await scheduler.resume_all(guild.id, actions.actor(interaction))
        text = f"▶️ Resumed {len(resumed)} schedules."
        if problems:
            text += "\nStill paused:\n" + "\n".join(f"• {p}" for p in problems)[:1500]
    await interaction.response.edit_message(content=text, view=None)


class GuildButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"sb:all:(?P<action>pause|resume)",
):
    """The confirm button; it works after a restart and checks the clicker again."""

    def __init__(self, action: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_LABELS[action],
                style=discord.ButtonStyle.danger
                if action == "pause"
                else discord.ButtonStyle.success,
                custom_id=f"sb:all:{action}",
            )
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        """Rebuild the button from its custom id."""
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        """Carry out the confirmed action."""
        bot: SummaryBot = interaction.client  # type: ignore[assignment]
        try:
            await carry_out(bot, interaction, self.action)
        except Exception as exc:
            await report_error(interaction, exc)
