"""`/schedule destination add | remove | test`: where a schedule's digest goes.

An added destination passes the same checks as at creation (the bot can post there, no wider
audience unless confirmed); `test` sends a sample digest through the real senders, so a wrong
URL or a missing permission shows up before the first scheduled run. `enable`, `rotate-secret`
and `edit` change a destination in place (`bot.cogs.destination_changes`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from bot.cogs import actions, autocomplete, cards
from bot.cogs.replies import UserError, send
from bot.cogs.schedule_input import DestinationOptions, build_destinations, check_destinations
from bot.privacy import merged
from delivery.fanout import deliver_all
from delivery.models import DeliveryContext, DeliveryResult, DeliveryTarget, Destination
from scheduling.models import Schedule, new_delivery_id
from summarizer import summarize
from summarizer.models import Author, ChannelRef, ChatMessage, GuildRef, Summary, SummaryOptions

if TYPE_CHECKING:
    from bot.app import SummaryBot

_SAMPLE = (
    "This is a test digest from summarybot: if you can read it, this destination works.",
    "Scheduled digests will arrive here with the key points of the channel.",
    "Nobody is mentioned by a digest unless the schedule names a role to mention.",
)


async def sample_summary(bot: SummaryBot, schedule: Schedule, guild: discord.Guild) -> Summary:
    """A small digest of made-up messages, titled as a test."""
    now = bot.clock()
    channel_id = schedule.channel_ids[0]
    channel = guild.get_channel_or_thread(channel_id)
    ref = ChannelRef(id=channel_id, name=getattr(channel, "name", str(channel_id)))
    user = bot.user
    author = Author(id=user.id if user else 1, name="summarybot", is_bot=False)
    messages = [
        ChatMessage(
            id=index + 1,
            channel=ref,
            author=author,
            content=text,
            created_at=now - timedelta(minutes=len(_SAMPLE) - index),
        )
        for index, text in enumerate(_SAMPLE)
    ]
    options = SummaryOptions(
        title=f"Test digest for {schedule.name or schedule.id}",
        guild=GuildRef(id=guild.id, name=guild.name),
        channels=(ref,),
        start=now - timedelta(hours=1),
        end=now,
        generated_at=now,
    )
    return await summarize(messages, options)


def build_destination_group(bot: SummaryBot) -> app_commands.Group:
    """The `/schedule destination` subgroup."""
    group = app_commands.Group(name="destination", description="Where a schedule's digest goes")

    @group.command(name="add", description="Send a schedule's digest somewhere else too")
    @app_commands.describe(
        schedule="the schedule's id",
        to="a channel to post in",
        webhook="a URL to POST to (signed) or a Discord webhook URL",
        file="a file under the bot's digest folder",
        confirm_wider_audience="deliver even where more people can read than in the source",
    )
    @app_commands.autocomplete(schedule=autocomplete.schedule_id)
    async def add(
        interaction: discord.Interaction,
        schedule: str,
        to: app_commands.AppCommandChannel | app_commands.AppCommandThread | None = None,
        webhook: str | None = None,
        file: str | None = None,
        style: Literal["embed", "markdown"] = "embed",
        mode: Literal["post", "edit"] = "post",
        mention: discord.Role | None = None,
        confirm_wider_audience: bool = False,
    ) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        guild, scheduler = scope.guild, bot.require_scheduler()
        found = await scope.get(schedule)
        options = DestinationOptions(to, webhook, file, style, mode, mention)
        if not options.any():
            raise UserError("Give the destination: `to`, `webhook` or `file`.")
        added, secret = build_destinations(bot, options)
        sources = [guild.get_channel_or_thread(c) for c in found.channel_ids]
        audiences = await check_destinations(
            bot,
            guild,
            [s for s in sources if s is not None],
            added,
            confirmed=confirm_wider_audience,
            by=interaction.user.id,
        )
        changes: dict[str, object] = {"destinations": (*found.destinations, *added)}
        if audiences.confirmed:
            changes["confirm_wider_audience"] = True
            changes["confirmed_audiences"] = merged(found.confirmed_audiences, audiences.confirmed)
        edited = await scheduler.edit(found.id, changes, actions.actor(interaction), guild.id)
        await send(
            interaction,
            f"Added {', '.join(f'`{d.id}`' for d in added)}.",
            embed=cards.schedule_card(edited, bot.clock(), secret=secret, wider=audiences.lines),
        )

    @group.command(name="remove", description="Stop sending a schedule's digest somewhere")
    @app_commands.autocomplete(
        schedule=autocomplete.schedule_id, destination=autocomplete.destination_id
    )
    async def remove(interaction: discord.Interaction, schedule: str, destination: str) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        guild, scheduler = scope.guild, bot.require_scheduler()
        found = await scope.get(schedule)
        kept = tuple(d for d in found.destinations if d.id != destination)
        if len(kept) == len(found.destinations):
            raise UserError(f"Schedule `{found.id}` has no destination `{destination}`.")
        if not kept:
            raise UserError(
                "A schedule needs at least one destination: add another one first, "
                "or delete the schedule."
            )
        edited = await scheduler.edit(
            found.id, {"destinations": kept}, actions.actor(interaction), guild.id
        )
        await send(
            interaction,
            f"Removed `{destination}`.",
            embed=cards.schedule_card(edited, bot.clock()),
        )

    @group.command(name="test", description="Send a sample digest to one destination")
    @app_commands.autocomplete(
        schedule=autocomplete.schedule_id, destination=autocomplete.destination_id
    )
    async def test(interaction: discord.Interaction, schedule: str, destination: str) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        guild = scope.guild
        found = await scope.get(schedule)
        target = one_destination(found, destination)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await send_sample(bot, found, guild, target)
        where = cards.destination_text(target)
        if result.delivered:
            await send(interaction, f"✅ Sample digest delivered to {where}.")
        else:
            await send(interaction, f"❌ Could not deliver to {where}{failure_text(result)}")

    # Imported here: those commands use this module's sample delivery.
    from bot.cogs.destination_changes import add_recovery_commands

    add_recovery_commands(bot, group)
    return group


def one_destination(schedule: Schedule, destination_id: str) -> Destination:
    """The schedule's destination with this id, or the member is told there is none."""
    target = next((d for d in schedule.destinations if d.id == destination_id), None)
    if target is None:
        raise UserError(f"Schedule `{schedule.id}` has no destination `{destination_id}`.")
    return target


async def send_sample(
    bot: SummaryBot, schedule: Schedule, guild: discord.Guild, destination: Destination
) -> DeliveryResult:
    """The sample digest sent once to `destination` through the real senders."""
    summary = await sample_summary(bot, schedule, guild)
    context = DeliveryContext(
        guild_id=guild.id,
        channel_id=schedule.channel_ids[0],
        schedule_id=schedule.id,
        schedule_name=schedule.name or None,
        window_end=bot.clock(),
    )
    [result] = await deliver_all(
        summary,
        [DeliveryTarget(delivery_id=new_delivery_id(), destination=destination)],
        context,
        senders=bot.senders,
        # One attempt: the member is waiting for the answer, not for a retry schedule.
        settings=bot.settings.delivery.model_copy(update={"max_attempts": 1}),
    )
    return result


def failure_text(result: DeliveryResult) -> str:
    """` (HTTP 500) after 1 attempt(s): …`: how a sample delivery failed."""
    status = f" (HTTP {result.http_status})" if result.http_status else ""
    return f"{status} after {result.attempts} attempt(s): {result.error}"
