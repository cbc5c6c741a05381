"""`/schedule …`: create, list, show, edit, pause, resume, delete, run, history.

Thin: options are turned into a schedule by `bot.cogs.schedule_input`, the scheduler stores it, and
`bot.cogs.cards` draws the answer. Every reply is ephemeral: schedules are admin business, and the
create reply can hold a webhook signing secret. `edit` lives in `bot.cogs.schedule_edit`. Members
with the creator role use these commands on their own schedules (`actions.Manager`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from pydantic import ValidationError

from bot.cogs import actions, autocomplete, cards
from bot.cogs.replies import UserError, send
from bot.cogs.schedule_input import (
    DestinationOptions,
    build_destinations,
    check_destinations,
    check_sources,
    parse_duration,
    resolve_channel,
)
from bot.cogs.views import card_buttons, confirm_delete_buttons
from bot.guilds import default_zone
from scheduling.models import Priority, Schedule, ScheduleStatus
from scheduling.recurrence import parse_when
from scheduling.zones import resolve_zone

if TYPE_CHECKING:
    from bot.app import SummaryBot

SOURCE_TYPES = [
    discord.ChannelType.text,
    discord.ChannelType.news,
    discord.ChannelType.forum,
    discord.ChannelType.voice,
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
]
POST_TYPES = [
    discord.ChannelType.text,
    discord.ChannelType.news,
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
]
Length = Literal["brief", "standard", "detailed"]
Engine = Literal["extractive", "llm"]


def first_problem(exc: ValidationError) -> str:
    """The first validation problem, worded for a member."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {str(error['msg']).removeprefix('Value error, ')}"


def build_group(bot: SummaryBot) -> app_commands.Group:
    """The `/schedule` command group (a new one per bot, so tests can build many bots)."""
    group = app_commands.Group(
        name="schedule",
        description="Scheduled channel digests",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @group.command(name="create", description="Summarize a channel on a schedule")
    @app_commands.describe(
        channel="the channel to summarize",
        when="e.g. 'weekdays at 09:00', 'every 6 hours', 'every monday at 10:00', or cron",
        timezone="IANA time zone (default: the server's)",
        to="post the digest in this channel (default: the channel you are in)",
        webhook="also POST it to this URL (signed) or Discord webhook URL",
        file="also write it to this file under the bot's digest folder",
        name="a name for the schedule",
        lookback="how far back the first digest reads (e.g. 1d; default: one period)",
        min_messages="skip the digest when fewer messages were written",
        threads="include the channel's threads (default: yes)",
        style="embed (default) or plain markdown",
        mode="post a new message each time, or edit one rolling message",
        mention="a role to mention with each digest (nobody else is ever pinged)",
        priority="which digests start first when more are due than may run at once",
        confirm_wider_audience="deliver even where more people can read than in the source",
    )
    @app_commands.autocomplete(when=autocomplete.when, timezone=autocomplete.timezone)
    async def create(
        interaction: discord.Interaction,
        channel: app_commands.AppCommandChannel | app_commands.AppCommandThread,
        when: app_commands.Range[str, 1, 100],
        timezone: str | None = None,
        to: app_commands.AppCommandChannel | app_commands.AppCommandThread | None = None,
        webhook: str | None = None,
        file: str | None = None,
        name: app_commands.Range[str, 0, 100] = "",
        lookback: str | None = None,
        min_messages: app_commands.Range[int, 0, 10000] | None = None,
        length: Length = "standard",
        engine: Engine | None = None,
        threads: bool = True,
        style: Literal["embed", "markdown"] = "embed",
        mode: Literal["post", "edit"] = "post",
        mention: discord.Role | None = None,
        priority: Priority = "normal",
        confirm_wider_audience: bool = False,
    ) -> None:
        guild, member = await actions.manager(bot, interaction, creators=True)
        source = resolve_channel(guild, channel)
        await check_sources(guild, member, [source])
        options = DestinationOptions(to, webhook, file, style, mode, mention)
        if not options.any():
            here = interaction.channel
            if here is None:
                raise UserError("Give a destination: `to`, `webhook` or `file`.")
            options = DestinationOptions(here, webhook, file, style, mode, mention)
        destinations, secret = build_destinations(bot, options)
        audiences = await check_destinations(
            bot, guild, [source], destinations, confirmed=confirm_wider_audience, by=member.id
        )
        zone = (
            resolve_zone(timezone).key
            if timezone
            else await default_zone(
                bot.require_scheduler().store, guild.id, bot.settings.scheduling.timezone
            )
        )
        try:
            schedule = Schedule(
                guild_id=guild.id,
                name=name.strip(),
                created_by=member.id,
                channel_ids=(source.id,),
                include_threads=threads,
                recurrence=parse_when(when),
                timezone=zone,
                lookback_seconds=(
                    int(parse_duration(lookback, "lookback").total_seconds()) if lookback else None
                ),
                min_messages=min_messages,
                length=length,
                engine=engine,
                destinations=tuple(destinations),
                confirm_wider_audience=bool(audiences.confirmed),
                confirmed_audiences=tuple(audiences.confirmed),
                priority=priority,
            )
        except ValidationError as exc:
            raise UserError(first_problem(exc)) from None
        stored = await bot.require_scheduler().create(schedule, actions.actor(interaction))
        await send(
            interaction,
            "Schedule created.",
            embed=cards.schedule_card(stored, bot.clock(), secret=secret, wider=audiences.lines),
            view=card_buttons(stored.id, paused=False),
        )

    @group.command(name="list", description="This server's schedules")
    async def list_(interaction: discord.Interaction) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        embed, view = await actions.list_reply(scope, 0)
        await send(interaction, embed=embed, **({"view": view} if view else {}))

    @group.command(name="show", description="A schedule's next and last runs and its health")
    @app_commands.autocomplete(schedule=autocomplete.schedule_id)
    async def show(interaction: discord.Interaction, schedule: str) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        found = await scope.get(schedule)
        await send(
            interaction,
            embed=await actions.show(bot, found),
            view=card_buttons(found.id, paused=found.status is ScheduleStatus.PAUSED),
        )

    @group.command(name="pause", description="Stop a schedule until it is resumed")
    @app_commands.autocomplete(schedule=autocomplete.schedule_id)
    async def pause(
        interaction: discord.Interaction,
        schedule: str,
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        paused = await actions.set_paused(bot, interaction, schedule, paused=True, reason=reason)
        await send(
            interaction,
            f"Schedule `{paused.id}` paused.",
            embed=cards.schedule_card(paused, bot.clock()),
            view=card_buttons(paused.id, paused=True),
        )

    @group.command(name="resume", description="Let a paused schedule run again")
    @app_commands.describe(
        confirm_wider_audience="accept who can see each destination now (after it grew)"
    )
    @app_commands.autocomplete(schedule=autocomplete.schedule_id)
    async def resume(
        interaction: discord.Interaction, schedule: str, confirm_wider_audience: bool = False
    ) -> None:
        resumed = await actions.set_paused(
            bot, interaction, schedule, paused=False, confirm=confirm_wider_audience
        )
        await send(
            interaction,
            f"Schedule `{resumed.id}` resumed.",
            embed=cards.schedule_card(resumed, bot.clock()),
            view=card_buttons(resumed.id, paused=False),
        )

    @group.command(name="delete", description="Delete a schedule (asks for confirmation)")
    @app_commands.autocomplete(schedule=autocomplete.schedule_id)
    async def delete(interaction: discord.Interaction, schedule: str) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        found = await scope.get(schedule)
        await send(
            interaction,
            f"Delete schedule `{found.id}` ({cards.when_text(found)}) and its run history? "
            "The audit log keeps a record; this cannot be undone.",
            view=confirm_delete_buttons(found.id),
        )

    @group.command(name="run", description="Run a schedule now, outside its rhythm")
    @app_commands.autocomplete(schedule=autocomplete.schedule_id)
    async def run(interaction: discord.Interaction, schedule: str) -> None:
        await actions.run_now(bot, interaction, schedule)

    @group.command(name="history", description="A schedule's runs and deliveries")
    @app_commands.autocomplete(schedule=autocomplete.schedule_id)
    async def history(
        interaction: discord.Interaction,
        schedule: str,
        page: app_commands.Range[int, 1, 100000] = 1,
    ) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        embed, view = await actions.history_reply(scope, schedule, page - 1)
        await send(interaction, embed=embed, **({"view": view} if view else {}))

    from bot.cogs import emergency
    from bot.cogs.destinations import build_destination_group
    from bot.cogs.schedule_edit import add_edit_command

    add_edit_command(bot, group)
    group.add_command(build_destination_group(bot))
    emergency.add_commands(bot, group)
    from bot.cogs import records, transfer

    records.add_audit_command(bot, group)
    transfer.add_commands(bot, group)
    return group
