"""What schedule commands and card buttons do, shared so both check and answer alike.

Every action starts with `manager()`: the member must hold Manage Server (or the guild's
admin role), whatever Discord's `default_member_permissions` let them see, because server
admins can override those defaults. Members with the guild's creator role pass too where a
command allows it, and then see and manage only the schedules they created: `Manager.get`
and `Manager.schedules` are the one place that decides, so every command, button and
autocomplete treats someone else's schedule exactly like another guild's: "not found".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.cogs import cards
from bot.cogs.replies import NotAllowedError, UserError, send
from bot.cogs.schedule_input import check_destinations
from bot.permissions import can_manage_schedules, has_role
from bot.privacy import merged, run_time_problem
from scheduling.errors import NotFoundError
from scheduling.models import Delivery, Run, Schedule, ScheduleStatus, user_actor
from summarizer.notes import count as plural

if TYPE_CHECKING:
    from bot.app import SummaryBot
    from scheduling.store import Store

HISTORY_PAGE = 5


def actor(interaction: discord.Interaction) -> str:
    """The audit log's name for the member acting."""
    return f"user:{interaction.user.id}"


@dataclass(frozen=True)
class Manager:
    """Who is acting, and which schedules they may see and manage.

    `own_only` is set for a member who may act only through the creator role: they see the
    schedules they created and nothing else. Unpacks as `(guild, member)` for commands that
    act on the guild as a whole and need no lookups.
    """

    bot: SummaryBot
    guild: discord.Guild
    member: discord.Member
    own_only: bool = False

    def __iter__(self) -> Iterator[discord.Guild | discord.Member]:
        """`guild, member = await manager(...)`."""
        return iter((self.guild, self.member))

    def may_manage(self, schedule: Schedule) -> bool:
        """Whether this member may see and change `schedule` (of this guild)."""
        return schedule.guild_id == self.guild.id and (
            not self.own_only or schedule.created_by == self.member.id
        )

    async def get(self, schedule_id: str) -> Schedule:
        """One schedule this member may manage; any other is "not found", like another guild's."""
        schedule = await self.bot.require_scheduler().get(schedule_id, self.guild.id)
        if not self.may_manage(schedule):
            raise NotFoundError(f"no schedule {schedule_id}")
        return schedule

    async def schedules(self, status: ScheduleStatus | None = None) -> list[Schedule]:
        """The guild's schedules this member may manage, oldest first."""
        schedules = await self.bot.require_scheduler().list(self.guild.id, status)
        return [s for s in schedules if self.may_manage(s)]


async def manager(
    bot: SummaryBot, interaction: discord.Interaction, *, creators: bool = False
) -> Manager:
    """Who may manage what here; refuses members who may manage nothing.

    With `creators`, members holding the guild's creator role pass, limited to their own
    schedules. Without it (guild-wide actions: the emergency stop, status), only Manage
    Server and the admin role do: refusing is the safe default for a command that has not
    thought about the creator role.
    """
    guild = interaction.guild
    member = interaction.user
    if guild is None or not isinstance(member, discord.Member):
        raise NotAllowedError("Schedules belong to a server: use this command in one.")
    settings = await bot.require_scheduler().store.get_guild_settings(guild.id)
    if can_manage_schedules(member, settings.admin_role_id):
        return Manager(bot, guild, member)
    if creators and has_role(member, settings.creator_role_id):
        return Manager(bot, guild, member, own_only=True)
    role = f" or the <@&{settings.admin_role_id}> role" if settings.admin_role_id else ""
    if has_role(member, settings.creator_role_id):
        raise NotAllowedError(
            f"You need the **Manage Server** permission{role} for this: the "
            f"<@&{settings.creator_role_id}> role manages only its members' own schedules."
        )
    raise NotAllowedError(
        f"You need the **Manage Server** permission{role} to manage schedules in this server."
    )


async def runs_with_deliveries(
    store: Store, schedule_id: str, limit: int, offset: int = 0
) -> list[tuple[Run, list[Delivery]]]:
    """A schedule's runs (newest first) with each run's delivery rows."""
    runs = await store.list_runs(schedule_id, limit=limit, offset=offset)
    return [(run, await store.list_deliveries(run.id)) for run in runs]


async def show(bot: SummaryBot, schedule: Schedule) -> discord.Embed:
    """The `/schedule show` embed."""
    store = bot.require_scheduler().store
    runs = await runs_with_deliveries(store, schedule.id, 5)
    health = await store.destination_health(schedule.id)
    return cards.show_card(schedule, bot.clock(), runs, health)


def run_report(schedule: Schedule, run: Run | None, deliveries: list[Delivery]) -> str:
    """The answer to Run now: how the run ended and how each destination fared."""
    if run is None:
        if schedule.status is ScheduleStatus.PAUSED:
            return f"Schedule `{schedule.id}` did not run: it is paused ({schedule.pause_reason})."
        return f"Schedule `{schedule.id}` is already running for this moment; try again shortly."
    delivered = sum(1 for d in deliveries if d.status == "delivered")
    lines = [f"Run of `{schedule.id}`: **{run.status.value}**"]
    if run.message_count is not None:
        lines[0] += f", {plural(run.message_count, 'message')}"
    if run.error:
        lines.append(run.error[:300])
    if deliveries:
        lines.append(f"Delivered to {delivered} of {len(deliveries)} destinations:")
        for delivery in deliveries:
            outcome = delivery.status.value
            error = f": {delivery.last_error[:150]}" if delivery.last_error else ""
            lines.append(f"• `{delivery.destination_id}` {outcome}{error}")
    return "\n".join(lines)


async def run_now(bot: SummaryBot, interaction: discord.Interaction, schedule_id: str) -> None:
    """Run a schedule now and answer with the outcome of every destination."""
    scope = await manager(bot, interaction, creators=True)
    guild, member = scope.guild, scope.member
    scheduler = bot.require_scheduler()
    await scope.get(schedule_id)  # not found before deferring
    await interaction.response.defer(ephemeral=True, thinking=True)
    run = await scheduler.trigger(schedule_id, actor(interaction), member.id, guild.id)
    schedule = await scheduler.get(schedule_id, guild.id)
    deliveries = await scheduler.store.list_deliveries(run.id) if run and run.id else []
    await send(interaction, run_report(schedule, run, deliveries))


async def set_paused(
    bot: SummaryBot,
    interaction: discord.Interaction,
    schedule_id: str,
    *,
    paused: bool,
    reason: str | None = None,
    confirm: bool = False,
) -> Schedule:
    """Pause or resume; answers with the updated card."""
    scope = await manager(bot, interaction, creators=True)
    return await change_paused(scope, schedule_id, paused=paused, reason=reason, confirm=confirm)


async def change_paused(
    scope: Manager,
    schedule_id: str,
    *,
    paused: bool,
    reason: str | None = None,
    confirm: bool = False,
) -> Schedule:
    """Pause or resume one schedule `scope` may manage (commands, buttons, bulk actions)."""
    bot, guild, member = scope.bot, scope.guild, scope.member
    await scope.get(schedule_id)
    scheduler = bot.require_scheduler()
    who = user_actor(member.id)
    if paused:
        why = reason or f"paused by {member.display_name}"
        return await scheduler.pause(schedule_id, who, why, guild.id)
    await check_before_resuming(bot, guild, member, schedule_id, confirm=confirm)
    return await scheduler.resume(schedule_id, who, guild.id)


async def check_before_resuming(
    bot: SummaryBot,
    guild: discord.Guild,
    member: discord.Member,
    schedule_id: str,
    *,
    confirm: bool,
) -> None:
    """Refuse to resume what the next run would pause again, saying why.

    With `confirm`, the member accepts each destination's audience as it is now (the reason
    a schedule pauses when a confirmed destination grew): that is recorded first.
    """
    scheduler = bot.require_scheduler()
    schedule = await scheduler.get(schedule_id, guild.id)
    if confirm:
        enabled = [d for d in schedule.destinations if d.disabled_reason is None]
        sources = [guild.get_channel_or_thread(c) for c in schedule.channel_ids]
        audiences = await check_destinations(
            bot, guild, [s for s in sources if s is not None], enabled, confirmed=True, by=member.id
        )
        if audiences.confirmed:
            changes = {
                "confirm_wider_audience": True,
                "confirmed_audiences": merged(schedule.confirmed_audiences, audiences.confirmed),
            }
            schedule = await scheduler.edit(schedule.id, changes, user_actor(member.id), guild.id)
    problem = await run_time_problem(bot, schedule)
    if problem is not None:
        raise UserError(f"Schedule `{schedule.id}` stays paused: {problem}.")


async def delete(bot: SummaryBot, interaction: discord.Interaction, schedule_id: str) -> None:
    """Delete after the confirmation button."""
    scope = await manager(bot, interaction, creators=True)
    await scope.get(schedule_id)
    await bot.require_scheduler().delete(schedule_id, actor(interaction), scope.guild.id)


async def button(
    bot: SummaryBot, interaction: discord.Interaction, action: str, schedule_id: str
) -> None:
    """A card button was clicked."""
    from bot.cogs.views import card_buttons, confirm_delete_buttons

    if action == "run":
        await run_now(bot, interaction, schedule_id)
        return
    if action in {"pause", "resume"}:
        schedule = await set_paused(bot, interaction, schedule_id, paused=action == "pause")
        await interaction.response.edit_message(
            embed=cards.schedule_card(schedule, bot.clock()),
            view=card_buttons(schedule.id, paused=schedule.status is ScheduleStatus.PAUSED),
        )
        return
    if action == "delete":
        scope = await manager(bot, interaction, creators=True)
        schedule = await scope.get(schedule_id)
        await send(
            interaction,
            f"Delete schedule `{schedule.id}` ({cards.when_text(schedule)}) and its run history? "
            "The audit log keeps a record; this cannot be undone.",
            view=confirm_delete_buttons(schedule.id),
        )
        return
    if action == "delete-yes":
        await delete(bot, interaction, schedule_id)
        await interaction.response.edit_message(
            content=f"Schedule `{schedule_id}` deleted.", embed=None, view=None
        )
        return
    raise UserError(f"unknown action {action}")


async def list_reply(
    scope: Manager, page: int, selected: frozenset[str] = frozenset()
) -> tuple[discord.Embed, discord.ui.View | None]:
    """One page of the schedules `scope` may manage, with bulk actions and its pager."""
    from bot.cogs.bulk import list_view

    schedules = await scope.schedules()
    page = max(0, min(page, cards.pages(len(schedules)) - 1))
    embed = cards.list_page(schedules, page, scope.bot.clock())
    shown = schedules[page * cards.PAGE_SIZE : (page + 1) * cards.PAGE_SIZE]
    has_next = (page + 1) * cards.PAGE_SIZE < len(schedules)
    return embed, list_view(shown, page, has_next, selected)


async def history_reply(
    scope: Manager, schedule_id: str, page: int
) -> tuple[discord.Embed, discord.ui.View | None]:
    """One page of a schedule's runs and deliveries with its pager."""
    from bot.cogs.views import pager

    bot = scope.bot
    schedule = await scope.get(schedule_id)
    runs = await runs_with_deliveries(
        bot.require_scheduler().store, schedule.id, HISTORY_PAGE + 1, page * HISTORY_PAGE
    )
    has_more = len(runs) > HISTORY_PAGE
    embed = cards.history_page(schedule, runs[:HISTORY_PAGE], page, has_more)
    return embed, pager("history", page, has_more, schedule.id)


async def page(
    bot: SummaryBot, interaction: discord.Interaction, kind: str, key: str, number: int
) -> None:
    """A pager button was clicked: replace the page in place."""
    scope = await manager(bot, interaction, creators=True)
    if kind == "list":
        embed, view = await list_reply(scope, number)
    else:
        embed, view = await history_reply(scope, key, number)
    await interaction.response.edit_message(embed=embed, view=view)
