"""`/summarybot settings` and `/summarybot status`: a guild's own settings and the bot's state.

Settings need Manage Server itself (the admin and creator roles they configure must not be
able to grant themselves more); status is for Manage Server and the admin role. With options,
`settings` changes what they name at once; without, it opens a small form prefilled with the
current values.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from bot.cogs import actions, autocomplete
from bot.cogs.cards import when_text
from bot.cogs.replies import NotAllowedError, UserError, send
from bot.guilds import change_settings
from delivery.embeds import stamp
from scheduling.guilds import GuildSettings
from scheduling.models import ScheduleStatus
from scheduling.zones import resolve_zone

if TYPE_CHECKING:
    from bot.app import SummaryBot

log = logging.getLogger(__name__)

Clearable = Literal["timezone", "log_channel", "admin_role", "creator_role"]
_FIELD_OF = {
    "timezone": "timezone",
    "log_channel": "log_channel_id",
    "admin_role": "admin_role_id",
    "creator_role": "creator_role_id",
}
_ROLE_NAMES = {"admin_role_id": "admin role", "creator_role_id": "creator role"}


def settings_owner(interaction: discord.Interaction) -> discord.Guild:
    """The guild, if the member holds Manage Server there."""
    guild, member = interaction.guild, interaction.user
    if guild is None or not isinstance(member, discord.Member):
        raise NotAllowedError("Settings belong to a server: use this command in one.")
    permissions = member.guild_permissions
    if not (permissions.manage_guild or permissions.administrator):
        raise NotAllowedError("You need the **Manage Server** permission to change settings.")
    return guild


def settings_embed(settings: GuildSettings, default_zone: str, changed: dict[str, Any]) -> Any:
    """The guild's settings, with what just changed marked."""
    embed = discord.Embed(title="summarybot settings", colour=discord.Colour.blurple())
    zone = settings.timezone or f"{default_zone} (the bot's default)"
    log_channel = f"<#{settings.log_channel_id}>" if settings.log_channel_id else "none (DMs)"
    role = f"<@&{settings.admin_role_id}>" if settings.admin_role_id else "none"
    creators = f"<@&{settings.creator_role_id}>" if settings.creator_role_id else "none"
    for name, key, value, help_text in (
        ("Default time zone", "timezone", zone, "for new schedules"),
        ("Log channel", "log_channel_id", log_channel, "failures and notices; else DMs"),
        ("Admin role", "admin_role_id", role, "may manage schedules besides Manage Server"),
        ("Creator role", "creator_role_id", creators, "may create and manage their own schedules"),
    ):
        mark = " ✏️" if key in changed else ""
        embed.add_field(name=f"{name}{mark}", value=f"{value}\n-# {help_text}", inline=False)
    return embed


class SettingsForm(discord.ui.Modal, title="summarybot settings"):
    """The small form: zone as text, log channel and admin role as pickers (empty clears)."""

    def __init__(self, bot: SummaryBot, current: GuildSettings) -> None:
        super().__init__(timeout=600)
        self.bot = bot
        self.zone: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="zone",
            default=current.timezone or "",
            placeholder=f"e.g. Europe/Berlin (empty: {bot.settings.scheduling.timezone})",
            required=False,
            max_length=64,
        )
        self.log_channel: discord.ui.ChannelSelect[Any] = discord.ui.ChannelSelect(
            custom_id="log_channel",
            channel_types=[discord.ChannelType.text, discord.ChannelType.news],
            min_values=0,
            max_values=1,
            required=False,
            default_values=[discord.Object(current.log_channel_id)]
            if current.log_channel_id
            else [],
        )
        self.admin_role: discord.ui.RoleSelect[Any] = discord.ui.RoleSelect(
            custom_id="admin_role",
            min_values=0,
            max_values=1,
            required=False,
            default_values=[discord.Object(current.admin_role_id)] if current.admin_role_id else [],
        )
        self.creator_role: discord.ui.RoleSelect[Any] = discord.ui.RoleSelect(
            custom_id="creator_role",
            min_values=0,
            max_values=1,
            required=False,
            default_values=[discord.Object(current.creator_role_id)]
            if current.creator_role_id
            else [],
        )
        self.add_item(discord.ui.Label(text="Default time zone", component=self.zone))
        self.add_item(discord.ui.Label(text="Log channel", component=self.log_channel))
        self.add_item(discord.ui.Label(text="Admin role", component=self.admin_role))
        self.add_item(discord.ui.Label(text="Creator role", component=self.creator_role))

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        """Apply the form as a whole: what was emptied is cleared."""
        guild = settings_owner(interaction)
        zone = self.zone.value.strip()
        changes = {
            "timezone": resolve_zone(zone).key if zone else None,
            "log_channel_id": self.log_channel.values[0].id if self.log_channel.values else None,
            "admin_role_id": self.admin_role.values[0].id if self.admin_role.values else None,
            "creator_role_id": (
                self.creator_role.values[0].id if self.creator_role.values else None
            ),
        }
        await apply(self.bot, interaction, guild, changes)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        """Answer like a command would: specific for mistakes, an error id for bugs."""
        from bot.cogs.replies import report_error

        await report_error(interaction, error)


async def apply(
    bot: SummaryBot, interaction: discord.Interaction, guild: discord.Guild, changes: dict
) -> None:
    """Check, store and audit the changes; answer with the settings."""
    for field, what in _ROLE_NAMES.items():
        check_role(guild, changes.get(field), what)
    channel_id = changes.get("log_channel_id")
    if channel_id is not None:
        channel = guild.get_channel(channel_id)
        permissions = channel.permissions_for(guild.me) if channel is not None else None
        if permissions is None or not (permissions.view_channel and permissions.send_messages):
            raise UserError(f"The bot cannot post in <#{channel_id}>: pick a channel it can.")
    settings, changed = await change_settings(
        bot.require_scheduler().store, guild.id, actions.actor(interaction), changes, bot.clock()
    )
    text = "Settings saved." if changed else "Nothing changed."
    embed = settings_embed(settings, bot.settings.scheduling.timezone, changed)
    await send(interaction, text, embed=embed)


def check_role(guild: discord.Guild, role_id: int | None, what: str) -> None:
    """A role setting must name a role members can hold: not @everyone, not an integration's.

    @everyone as the creator role would let every member create schedules; an integration's
    role is held by a bot, not by the people the setting is meant for.
    """
    if role_id is None:
        return
    role = guild.get_role(role_id)
    if role is None or role.is_default():
        raise UserError(f"The {what} must be a role of this server other than @everyone.")
    if role.managed:
        raise UserError(f"{role.mention} belongs to an integration; pick a role members hold.")


async def status_embed(bot: SummaryBot, guild: discord.Guild) -> discord.Embed:
    """Scheduler state, queue, the guild's next runs and last failures, version and uptime."""
    from bot.cli.main import package_version

    scheduler = bot.require_scheduler()
    context = scheduler.context
    embed = discord.Embed(title="summarybot status", colour=discord.Colour.blurple())
    state = "running" if scheduler.started else "stopped"
    embed.add_field(
        name="Scheduler",
        value=f"{state} · {len(context.running)} runs in progress · {context.waiting} waiting",
        inline=False,
    )
    schedules = await scheduler.list(guild.id)
    counts = {status: sum(s.status is status for s in schedules) for status in ScheduleStatus}
    embed.add_field(
        name="Schedules here",
        value=", ".join(f"{n} {status.value}" for status, n in counts.items() if n) or "none",
        inline=False,
    )
    upcoming = sorted(
        (when, schedule)
        for schedule in schedules
        if schedule.status is ScheduleStatus.ACTIVE
        and (when := scheduler.next_run_time(schedule)) is not None
    )[:5]
    embed.add_field(
        name="Next runs",
        value="\n".join(f"{stamp(w, 'R')} `{s.id}` {when_text(s)}" for w, s in upcoming)[:1024]
        or "none",
        inline=False,
    )
    failures = await scheduler.store.recent_failures(guild.id, 5)
    embed.add_field(
        name="Last failures",
        value="\n".join(
            f"{stamp(run.started_at, 'R')} `{run.schedule_id}`: {(run.error or '')[:150]}"
            for run in failures
        )[:1024]
        or "none",
        inline=False,
    )
    if bot.plan is not None:
        embed.add_field(name="Shards", value=await shards_text(bot), inline=False)
    uptime = timedelta(seconds=int(bot.uptime_seconds))
    embed.set_footer(text=f"summarybot {package_version()} · up {uptime}")
    return embed


async def shards_text(bot: SummaryBot) -> str:
    """This process's shards, and who serves the others (`summarybot run --shard-count`)."""
    plan = bot.plan
    assert plan is not None
    lines = [f"this process: {plan.describe()}"]
    if bot.shard_locks is not None:
        from scheduling.store.claims import describe_holders

        try:
            holders = await bot.shard_locks.holders()
        except Exception:  # the status still shows; the log says why the list is missing
            log.exception("could not list the holders of the other shards")
            lines.append("others: unknown (see the log)")
        else:
            others = {shard: who for shard, who in holders.items() if shard not in plan.shards}
            lines.extend(describe_holders(others, plan.count, skip=plan.shards))
    return "\n".join(lines)[:1024]


def build_group(bot: SummaryBot) -> app_commands.Group:
    """The `/summarybot` command group."""
    group = app_commands.Group(
        name="summarybot",
        description="The bot's settings and state in this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @group.command(name="settings", description="Default zone, log channel, admin and creator role")
    @app_commands.describe(
        timezone="default IANA zone for new schedules",
        log_channel="where failures and notices go (else: DMs to schedule creators)",
        admin_role="a role that may manage schedules besides Manage Server",
        creator_role="a role whose members create schedules and manage only their own",
        clear="reset one setting to its default",
    )
    @app_commands.autocomplete(timezone=autocomplete.timezone)
    async def settings(
        interaction: discord.Interaction,
        timezone: str | None = None,
        log_channel: discord.TextChannel | None = None,
        admin_role: discord.Role | None = None,
        creator_role: discord.Role | None = None,
        clear: Clearable | None = None,
    ) -> None:
        guild = settings_owner(interaction)
        changes: dict[str, Any] = {}
        if timezone is not None:
            changes["timezone"] = resolve_zone(timezone).key
        if log_channel is not None:
            changes["log_channel_id"] = log_channel.id
        if admin_role is not None:
            changes["admin_role_id"] = admin_role.id
        if creator_role is not None:
            changes["creator_role_id"] = creator_role.id
        if clear is not None:
            if _FIELD_OF[clear] in changes:
                raise UserError(f"`clear:{clear}` and a new `{clear}` contradict each other.")
            changes[_FIELD_OF[clear]] = None
        if not changes:
            current = await bot.require_scheduler().store.get_guild_settings(guild.id)
            await interaction.response.send_modal(SettingsForm(bot, current))
            return
        await apply(bot, interaction, guild, changes)

    @group.command(name="status", description="Scheduler state, next runs and last failures")
    async def status(interaction: discord.Interaction) -> None:
        guild, _ = await actions.manager(bot, interaction)
        await send(interaction, embed=await status_embed(bot, guild))

    from bot.cogs.records import add_stats_command

    add_stats_command(bot, group)
    return group
