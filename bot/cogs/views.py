"""Buttons on schedule cards and pages, alive across restarts.

Each button is a `DynamicItem`: its custom id carries the action and the schedule id
(`sb:pause:s_ab12cd`), so a click after a restart is routed by pattern, with no view kept in
memory and nothing to re-register per message. Every click re-checks the clicker's rights and
the schedule's guild, exactly as the slash commands do.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Self

import discord

from bot.cogs import actions
from bot.cogs.replies import report_error

if TYPE_CHECKING:
    from bot.app import SummaryBot

_ID = r"[A-Za-z0-9_-]{1,40}"


def card_buttons(schedule_id: str, *, paused: bool) -> discord.ui.View:
    """Run now / Pause or Resume / Delete under a schedule card."""
    view = discord.ui.View(timeout=None)
    view.add_item(ScheduleButton("run", schedule_id))
    view.add_item(ScheduleButton("resume" if paused else "pause", schedule_id))
    view.add_item(ScheduleButton("delete", schedule_id))
    return view


def confirm_delete_buttons(schedule_id: str) -> discord.ui.View:
    """The confirmation asked before a delete."""
    view = discord.ui.View(timeout=None)
    view.add_item(ScheduleButton("delete-yes", schedule_id))
    return view


def pager(kind: str, page: int, has_next: bool, key: str = "-") -> discord.ui.View | None:
    """Previous / next buttons for a paged reply (None when everything fits on one page)."""
    if page == 0 and not has_next:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(kind, key, page - 1, label="◀ Previous", disabled=page == 0))
    view.add_item(PageButton(kind, key, page + 1, label="Next ▶", disabled=not has_next))
    return view


_LABELS = {
    "run": ("Run now", discord.ButtonStyle.primary),
    "pause": ("Pause", discord.ButtonStyle.secondary),
    "resume": ("Resume", discord.ButtonStyle.success),
    "delete": ("Delete", discord.ButtonStyle.danger),
    "delete-yes": ("Yes, delete it", discord.ButtonStyle.danger),
}


class ScheduleButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"sb:(?P<action>run|pause|resume|delete|delete-yes):(?P<id>{_ID})",
):
    """A button acting on one schedule."""

    def __init__(self, action: str, schedule_id: str) -> None:
        label, style = _LABELS[action]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"sb:{action}:{schedule_id}")
        )
        self.action = action
        self.schedule_id = schedule_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(match["action"], match["id"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        """Do what the button says, with the same checks as the slash command."""
        bot: SummaryBot = interaction.client  # type: ignore[assignment]
        try:
            await actions.button(bot, interaction, self.action, self.schedule_id)
        except Exception as exc:
            await report_error(interaction, exc)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"sb:page:(?P<kind>list|history):(?P<key>{_ID}|-):(?P<page>-?\d{{1,6}})",
):
    """Previous/next on `/schedule list` and `/schedule history`."""

    def __init__(
        self, kind: str, key: str, page: int, *, label: str = "Page", disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"sb:page:{kind}:{key}:{page}",
                disabled=disabled,
            )
        )
        self.kind = kind
        self.key = key
        self.page = max(0, page)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(match["kind"], match["key"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        """Show the requested page in place of the current one."""
        bot: SummaryBot = interaction.client  # type: ignore[assignment]
        try:
            await actions.page(bot, interaction, self.kind, self.key, self.page)
        except Exception as exc:
            await report_error(interaction, exc)


DYNAMIC_ITEMS = (ScheduleButton, PageButton)
