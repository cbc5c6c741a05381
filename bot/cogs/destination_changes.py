"""`/schedule destination enable | rotate-secret | edit`: change a destination in place.

Removing a destination and adding it again would give it a new id (its history and health start
over) and, for a signed webhook, a new secret the receiving service must be given at the same
moment. These commands keep the id: `enable` switches a disabled destination back on once a
test delivery gets through, `rotate-secret` gives a signed webhook a new secret while the old
one keeps signing for a grace period, and `edit` changes how a channel destination posts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from bot.cogs import actions, autocomplete, cards
from bot.cogs.destinations import failure_text, one_destination, send_sample
from bot.cogs.replies import UserError, send
from bot.cogs.schedule_input import check_posting, mention_role_id
from delivery.embeds import stamp
from delivery.models import ChannelDestination, WebhookDestination
from scheduling.destinations import (
    edit_channel_destination,
    enable_destination,
    is_signed_webhook,
    record_enable_refused,
    rotate_secret,
)

if TYPE_CHECKING:
    from bot.app import SummaryBot


def add_recovery_commands(bot: SummaryBot, group: app_commands.Group) -> None:
    """Add `enable`, `rotate-secret` and `edit` to the `/schedule destination` group."""

    @group.command(
        name="enable", description="Test a disabled destination; switch it on if it works"
    )
    @app_commands.autocomplete(
        schedule=autocomplete.schedule_id, destination=autocomplete.destination_id
    )
    async def enable(interaction: discord.Interaction, schedule: str, destination: str) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        await enable_tested(bot, interaction, scope, schedule, destination)

    @group.command(name="rotate-secret", description="Give a signed webhook a new signing secret")
    @app_commands.autocomplete(
        schedule=autocomplete.schedule_id, destination=autocomplete.destination_id
    )
    async def rotate(interaction: discord.Interaction, schedule: str, destination: str) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        guild, scheduler = scope.guild, bot.require_scheduler()
        found = await scope.get(schedule)
        target = one_destination(found, destination)
        if not is_signed_webhook(target):
            raise UserError(
                f"`{target.id}` has no signing secret: only a webhook other than Discord's "
                "signs what it receives."
            )
        now = bot.clock()
        grace = timedelta(hours=bot.settings.delivery.rotated_secret_grace_hours)
        edited, secret = await rotate_secret(
            scheduler.store,
            found.id,
            target.id,
            actor=actions.actor(interaction),
            now=now,
            grace=grace,
            guild_id=guild.id,
        )
        until = now + grace
        await send(
            interaction,
            f"🔑 `{target.id}` has a new signing secret (below, shown only now). Until "
            f"{stamp(until)} ({stamp(until, 'R')}) every delivery is signed with the new and the "
            "old secret, so the receiving service accepts it with either: give it the new secret "
            "before then. After that only the new secret signs.",
            embed=cards.schedule_card(edited, now, secret=secret),
        )

    @group.command(name="edit", description="Change how a channel destination posts")
    @app_commands.describe(
        style="embeds or plain Markdown",
        mode="post a new message each run, or edit one rolling message",
        mention="a role to mention with each digest (never @everyone)",
        remove_mention="stop mentioning a role",
    )
    @app_commands.autocomplete(
        schedule=autocomplete.schedule_id, destination=autocomplete.destination_id
    )
    async def edit(
        interaction: discord.Interaction,
        schedule: str,
        destination: str,
        style: Literal["embed", "markdown"] | None = None,
        mode: Literal["post", "edit"] | None = None,
        mention: discord.Role | None = None,
        remove_mention: bool = False,
    ) -> None:
        scope = await actions.manager(bot, interaction, creators=True)
        guild, scheduler = scope.guild, bot.require_scheduler()
        found = await scope.get(schedule)
        target = one_destination(found, destination)
        edited = edited_channel(target, style, mode, mention, remove_mention=remove_mention)
        check_posting(guild, [edited])
        changed = await edit_channel_destination(
            scheduler.store,
            found.id,
            edited,
            actor=actions.actor(interaction),
            now=bot.clock(),
            guild_id=guild.id,
        )
        await send(
            interaction,
            f"Changed `{target.id}`: {cards.destination_text(one_destination(changed, target.id))}",
            embed=cards.schedule_card(changed, bot.clock()),
        )


async def enable_tested(
    bot: SummaryBot,
    interaction: discord.Interaction,
    scope: actions.Manager,
    schedule_id: str,
    destination_id: str,
) -> None:
    """Send a disabled destination a test digest; switch it back on if it got through.

    Shared by `/schedule destination enable` and a notice's Re-enable button: `scope` is the
    member `actions.manager` let through, and decides which schedules they may touch.
    """
    guild, scheduler = scope.guild, bot.require_scheduler()
    found = await scope.get(schedule_id)
    target = one_destination(found, destination_id)
    if target.disabled_reason is None:
        raise UserError(
            f"`{target.id}` is not disabled: it gets every digest. "
            "`/schedule destination test` sends it a sample."
        )
    await interaction.response.defer(ephemeral=True, thinking=True)
    result = await send_sample(bot, found, guild, target)
    where = cards.destination_text(target.model_copy(update={"disabled_reason": None}))
    actor = actions.actor(interaction)
    if not result.delivered:
        await record_enable_refused(
            scheduler.store,
            found,
            target.id,
            actor=actor,
            now=bot.clock(),
            error=result.error or "",
        )
        await send(
            interaction,
            f"❌ `{target.id}` stays disabled: the test digest could not be delivered to "
            f"{where}{failure_text(result)}",
        )
        return
    await enable_destination(
        scheduler.store, found.id, target.id, actor=actor, now=bot.clock(), guild_id=guild.id
    )
    kept = " and signing secret" if is_signed_webhook(target) else ""
    await send(
        interaction,
        f"✅ A test digest reached {where}: `{target.id}` is enabled again, with the same "
        f"id{kept}, and gets the next digest. It was disabled because: "
        f"{target.disabled_reason}",
    )


def edited_channel(
    target: object,
    style: str | None,
    mode: str | None,
    mention: discord.Role | None,
    *,
    remove_mention: bool,
) -> ChannelDestination:
    """`target` with the options given, checked as `/schedule destination add` checks them."""
    if not isinstance(target, ChannelDestination):
        kind = "webhook" if isinstance(target, WebhookDestination) else getattr(target, "kind", "")
        raise UserError(
            f"Only a channel destination has a style, mode and mention; this one is a {kind}."
        )
    if style is None and mode is None and mention is None and not remove_mention:
        raise UserError("Say what to change: `style`, `mode`, `mention` or `remove_mention`.")
    if mention is not None and remove_mention:
        raise UserError("Give `mention` or `remove_mention`, not both.")
    role_id = None if remove_mention else target.mention_role_id
    if mention is not None:
        role_id = mention_role_id(mention)
    return ChannelDestination(
        id=target.id,
        channel_id=target.channel_id,
        style=style or target.style,  # type: ignore[arg-type]
        mode=mode or target.mode,  # type: ignore[arg-type]
        mention_role_id=role_id,
        disabled_reason=target.disabled_reason,
    )
