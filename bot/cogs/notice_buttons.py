"""Buttons under notices: Retry now, Resume, Re-enable and Show, alive across restarts.

Each is a `DynamicItem` whose custom id carries the action, the schedule and, for Re-enable, the
destination (`sb:notice:enable:k3x9…:d_4f2a…`), so a click days later, after restarts, is routed
by pattern like the card buttons (`bot.cogs.views`). Every click is checked by
`actions.manager`, exactly as the commands are. A notice DMed to a creator (no log channel) is
clicked outside the server: the click is then judged as the same member acting in the schedule's
server, looked up afresh, so a creator who lost their rights there can no longer act.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, cast

import discord

from bot.cogs import actions, cards
from bot.cogs.destination_changes import enable_tested
from bot.cogs.replies import NotAllowedError, report_error, send
from bot.cogs.views import card_buttons
from scheduling.models import ScheduleNotice, ScheduleStatus

if TYPE_CHECKING:
    from bot.app import SummaryBot

_ID = r"[A-Za-z0-9_-]{1,40}"

# The obvious next step after each kind of notice, then the schedule itself.
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    "run_failed": ("retry", "show"),
    "destination_failing": ("show",),
    "destination_disabled": ("enable", "show"),
    "auto_paused": ("resume", "show"),
    "completed": ("show",),
    "recovered": ("show",),
    "subscription_dropped": ("show",),
}

_LABELS = {
    "retry": ("Retry now", discord.ButtonStyle.primary),
    "resume": ("Resume", discord.ButtonStyle.success),
    "enable": ("Re-enable", discord.ButtonStyle.success),
    "show": ("Show", discord.ButtonStyle.secondary),
}


def notice_view(notice: ScheduleNotice) -> discord.ui.View:
    """The buttons posted under a notice."""
    view = discord.ui.View(timeout=None)
    for action in NEXT_STEPS.get(notice.kind, ("show",)):
        if action == "enable":
            if notice.destination_id is None:
                continue
            view.add_item(NoticeButton(action, notice.schedule_id, notice.destination_id))
        else:
            view.add_item(NoticeButton(action, notice.schedule_id))
    return view


class NoticeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=(
        rf"sb:notice:(?P<action>retry|resume|enable|show):(?P<id>{_ID})(?::(?P<destination>{_ID}))?"
    ),
):
    """A button acting on the schedule (or destination) a notice is about."""

    def __init__(self, action: str, schedule_id: str, destination_id: str | None = None) -> None:
        label, style = _LABELS[action]
        tail = f":{destination_id}" if destination_id else ""
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"sb:notice:{action}:{schedule_id}{tail}"
            )
        )
        self.action = action
        self.schedule_id = schedule_id
        self.destination_id = destination_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(match["action"], match["id"], match["destination"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        """Do the next step the notice offers, with the checks of the matching command."""
        bot: SummaryBot = interaction.client  # type: ignore[assignment]
        try:
            await clicked(bot, interaction, self.action, self.schedule_id, self.destination_id)
        except Exception as exc:
            await report_error(interaction, exc)


@dataclass(frozen=True)
class _InServer:
    """A DM click seen as made by the member in the schedule's server.

    `actions.manager` reads only these two, so the DM click meets the very checks a command does.
    """

    guild: discord.Guild
    user: discord.Member


async def scope_for(
    bot: SummaryBot, interaction: discord.Interaction, schedule_id: str
) -> actions.Manager:
    """`actions.manager`'s verdict on the clicker, in the server or from a DM."""
    if interaction.guild is not None:
        return await actions.manager(bot, interaction, creators=True)
    schedule = await bot.require_scheduler().get(schedule_id)
    guild = bot.get_guild(schedule.guild_id)
    if guild is None and bot.plan is not None and not bot.plan.owns(schedule.guild_id):
        # Discord sends every DM's clicks to shard 0; another process serves this server,
        # and only it can judge the member and act on its schedules.
        raise NotAllowedError(
            "This schedule's server is served by another of the bot's processes, which DM"
            f" buttons cannot reach: use `/schedule show {schedule.id}` (and its buttons) in"
            " the server."
        )
    if guild is None:
        raise NotAllowedError("The bot is no longer in the server of this schedule.")
    bot.members.forget(guild.id, interaction.user.id)  # they act now: judge them as they are
    member = await bot.members.get(guild, interaction.user.id)
    if member is None:
        raise NotAllowedError(f"You are no longer a member of {guild.name}.")
    as_member = cast(discord.Interaction, _InServer(guild, member))
    return await actions.manager(bot, as_member, creators=True)


async def clicked(
    bot: SummaryBot,
    interaction: discord.Interaction,
    action: str,
    schedule_id: str,
    destination_id: str | None,
) -> None:
    """Carry out a notice button's action for a member allowed to."""
    scope = await scope_for(bot, interaction, schedule_id)
    schedule = await scope.get(schedule_id)
    # Card buttons act through `actions.manager` on the interaction: only in the server.
    in_server = interaction.guild is not None
    if action == "retry":
        await _retry(bot, interaction, scope, schedule.id)
    elif action == "resume":
        resumed = await actions.change_paused(scope, schedule.id, paused=False)
        await send(
            interaction,
            f"▶️ Schedule `{resumed.id}` is resumed; its next digest covers everything since "
            "the last one.",
            embed=cards.schedule_card(resumed, bot.clock()),
            **({"view": card_buttons(resumed.id, paused=False)} if in_server else {}),
        )
    elif action == "enable" and destination_id is not None:
        await enable_tested(bot, interaction, scope, schedule.id, destination_id)
    else:
        paused = schedule.status is ScheduleStatus.PAUSED
        await send(
            interaction,
            embed=await actions.show(bot, schedule),
            **({"view": card_buttons(schedule.id, paused=paused)} if in_server else {}),
        )


async def _retry(
    bot: SummaryBot, interaction: discord.Interaction, scope: actions.Manager, schedule_id: str
) -> None:
    """Run the schedule now (its digest covers everything since the last one delivered)."""
    scheduler = bot.require_scheduler()
    await interaction.response.defer(ephemeral=True, thinking=True)
    who, guild_id = scope.member.id, scope.guild.id
    run = await scheduler.trigger(schedule_id, actions.actor(interaction), who, guild_id)
    schedule = await scheduler.get(schedule_id, guild_id)
    deliveries = await scheduler.store.list_deliveries(run.id) if run and run.id else []
    await send(interaction, actions.run_report(schedule, run, deliveries))
