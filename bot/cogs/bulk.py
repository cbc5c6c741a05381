"""Bulk actions on `/schedule list`: pick schedules of the page, then pause, resume or delete.

The selection lives in the message itself: picking redraws the page with the chosen options
marked as the menu's defaults, and the buttons read them back from the message they sit on.
Nothing is kept in memory, so the list works after a restart like its pager does. Every click
checks the clicker again (`actions.manager`) and looks every schedule up through their
`Manager`: one they may not manage is "not found" and left alone. Delete asks first, in the
same message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Self

import discord

from bot.cogs import actions
from bot.cogs.cards import when_text
from bot.cogs.replies import UserError, error_text, report_error
from bot.cogs.views import PageButton
from scheduling.errors import NotFoundError
from scheduling.models import Schedule

if TYPE_CHECKING:
    from bot.app import SummaryBot
    from bot.cogs.actions import Manager

PICK_PREFIX = "sb:bulk:pick:"
_LABELS = {
    "pause": ("Pause selected", discord.ButtonStyle.secondary),
    "resume": ("Resume selected", discord.ButtonStyle.success),
    "delete": ("Delete selected", discord.ButtonStyle.danger),
    "delete-yes": ("Yes, delete them", discord.ButtonStyle.danger),
    "cancel": ("Cancel", discord.ButtonStyle.secondary),
}


def list_view(
    shown: Sequence[Schedule], page: int, has_next: bool, selected: Iterable[str] = ()
) -> discord.ui.View | None:
    """The menu and bulk buttons for the schedules shown, and the pager (None: nothing to do)."""
    if not shown and page == 0 and not has_next:
        return None
    chosen = {s.id for s in shown} & set(selected)
    view = discord.ui.View(timeout=None)
    if shown:
        view.add_item(PickSelect(page, shown, chosen))
        for action in ("pause", "resume", "delete"):
            view.add_item(BulkButton(action, page, disabled=not chosen))
    _add_pager(view, page, has_next)
    return view


def confirm_view(shown: Sequence[Schedule], page: int, chosen: set[str]) -> discord.ui.View:
    """The page asking whether to delete what is picked (the menu shown, but frozen)."""
    view = discord.ui.View(timeout=None)
    view.add_item(PickSelect(page, shown, chosen, disabled=True))
    view.add_item(BulkButton("delete-yes", page))
    view.add_item(BulkButton("cancel", page))
    return view


def _add_pager(view: discord.ui.View, page: int, has_next: bool) -> None:
    if page == 0 and not has_next:
        return
    for item in (
        PageButton("list", "-", page - 1, label="◀ Previous", disabled=page == 0),
        PageButton("list", "-", page + 1, label="Next ▶", disabled=not has_next),
    ):
        item.row = 2
        view.add_item(item)


def selected_ids(message: discord.Message | None) -> list[str]:
    """The schedule ids picked in the list message (its menu's defaults), in page order."""
    if message is None:
        return []
    for row in message.components:
        for child in getattr(row, "children", ()):
            if str(getattr(child, "custom_id", "") or "").startswith(PICK_PREFIX):
                return [option.value for option in child.options if option.default]
    return []


class PickSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"sb:bulk:pick:(?P<page>\d{1,6})",
):
    """The menu of the page's schedules; picking redraws the page with the choice kept."""

    def __init__(
        self,
        page: int,
        shown: Sequence[Schedule] = (),
        chosen: set[str] | None = None,
        *,
        disabled: bool = False,
    ) -> None:
        options = [
            discord.SelectOption(
                label=f"{s.id} {s.name}".strip()[:100],
                value=s.id,
                description=when_text(s)[:100],
                default=s.id in (chosen or set()),
            )
            for s in shown
        ] or [discord.SelectOption(label="-", value="-")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"{PICK_PREFIX}{page}",
                placeholder="Pick schedules to pause, resume or delete",
                min_values=0,
                max_values=len(options),
                options=options,
                disabled=disabled,
            ),
            row=0,
        )
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        """Rebuild the menu from its custom id (the picked values come with the click)."""
        made = cls(int(match["page"]))
        if isinstance(item, discord.ui.Select):
            made.item = item
        return made

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        """Keep the choice in the message and switch the buttons on."""
        bot: SummaryBot = interaction.client  # type: ignore[assignment]
        try:
            scope = await actions.manager(bot, interaction, creators=True)
            embed, view = await actions.list_reply(scope, self.page, frozenset(self.item.values))
            await interaction.response.edit_message(content=None, embed=embed, view=view)
        except Exception as exc:
            await report_error(interaction, exc)


class BulkButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"sb:bulk:(?P<action>pause|resume|delete|delete-yes|cancel):(?P<page>\d{1,6})",
):
    """Pause, resume or delete the picked schedules (delete asks first)."""

    def __init__(self, action: str, page: int, *, disabled: bool = False) -> None:
        label, style = _LABELS[action]
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"sb:bulk:{action}:{page}", disabled=disabled
            ),
            row=1,
        )
        self.action = action
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(match["action"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        """Act on what the message says is picked, with the checks of the commands."""
        bot: SummaryBot = interaction.client  # type: ignore[assignment]
        try:
            scope = await actions.manager(bot, interaction, creators=True)
            await act(scope, interaction, self.action, self.page)
        except Exception as exc:
            await report_error(interaction, exc)


async def act(scope: Manager, interaction: discord.Interaction, action: str, page: int) -> None:
    """Carry out one bulk button and redraw the page with what happened."""
    picked = selected_ids(interaction.message)
    if action == "cancel":
        embed, view = await actions.list_reply(scope, page, frozenset(picked))
        await interaction.response.edit_message(content=None, embed=embed, view=view)
        return
    if not picked:
        raise UserError("Pick one or more schedules in the menu first.")
    if action == "delete":
        await ask_to_delete(scope, interaction, picked, page)
        return
    done, problems = await apply_each(scope, action, picked)
    verb = {"pause": "Paused", "resume": "Resumed", "delete-yes": "Deleted"}[action]
    lines = [f"{verb} {len(done)}: {', '.join(f'`{i}`' for i in done) or 'none'}."]
    lines += [f"• `{schedule_id}`: {problem}" for schedule_id, problem in problems]
    embed, view = await actions.list_reply(scope, page)
    await interaction.response.edit_message(content="\n".join(lines)[:2000], embed=embed, view=view)


async def ask_to_delete(
    scope: Manager, interaction: discord.Interaction, picked: list[str], page: int
) -> None:
    """Show what would be deleted, in place, with Yes and Cancel.

    The frozen menu holds exactly the schedules named in the question, so Yes deletes what
    was asked about even if the page changed meanwhile.
    """
    found: list[Schedule] = []
    for schedule_id in picked:
        try:
            found.append(await scope.get(schedule_id))
        except NotFoundError:
            continue
    if not found:
        raise UserError("None of the picked schedules exists any more.")
    names = "\n".join(f"• `{s.id}` {f'{s.name} ' if s.name else ''}({when_text(s)})" for s in found)
    embed, _ = await actions.list_reply(scope, page)
    await interaction.response.edit_message(
        content=(
            f"Delete these {len(found)} schedules and their run history?\n{names}\n"
            "The audit log keeps a record; this cannot be undone."
        )[:2000],
        embed=embed,
        view=confirm_view(found, page, {s.id for s in found}),
    )


async def apply_each(
    scope: Manager, action: str, picked: Iterable[str]
) -> tuple[list[str], list[tuple[str, str]]]:
    """Pause, resume or delete each picked schedule; one refusal does not stop the others."""
    scheduler = scope.bot.require_scheduler()
    who = f"user:{scope.member.id}"
    done: list[str] = []
    problems: list[tuple[str, str]] = []
    for schedule_id in picked:
        try:
            if action == "delete-yes":
                await scope.get(schedule_id)
                await scheduler.delete(schedule_id, who, scope.guild.id)
            else:
                await actions.change_paused(scope, schedule_id, paused=action == "pause")
        except Exception as exc:
            text = error_text(exc)
            if text is None:
                raise
            problems.append((schedule_id, text))
        else:
            done.append(schedule_id)
    return done, problems


DYNAMIC_ITEMS = (PickSelect, BulkButton)
