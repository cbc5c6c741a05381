"""From slash-command options to a schedule's parts, with the privacy checks of creation.

Everything a member typed is checked here before anything is stored: the `when`, the zone,
durations, webhook URLs and file templates, who can read the sources, where the bot can post,
and whether a destination would show the digest to more people than the source does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.audience import access_of
from bot.cogs.replies import UserError
from bot.destinations import file_destination, webhook_destination
from bot.permissions import post_problem
from bot.privacy import access_problem, confirmations, known_members, wider_lines
from delivery.models import ChannelDestination, Destination
from delivery.settings import DeliverySettings
from delivery.signing import new_signing_secret
from scheduling.audiences import ConfirmedAudience
from scheduling.bounds import MAX_SPAN_SECONDS

if TYPE_CHECKING:
    from bot.app import SummaryBot

_DURATION = re.compile(r"^\s*(\d{1,5})\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)\s*$", re.I)
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str, option: str) -> timedelta:
    """`30m`, `6h`, `2d`, `1w` (also spelled out: `3 hours`).

    At most ten years, the same bound as a schedule's lookback, so that a value accepted here
    is never refused (or overflows) later when a window is drawn back from now.
    """
    match = _DURATION.match(text)
    if match is None:
        raise UserError(f"`{option}`: {text!r} is not a duration; use e.g. 30m, 6h, 2d or 1w.")
    seconds = int(match[1]) * _UNITS[match[2][0].lower()]
    if seconds == 0:
        raise UserError(f"`{option}`: a duration must be longer than zero.")
    if seconds > MAX_SPAN_SECONDS:
        days = MAX_SPAN_SECONDS // 86400
        raise UserError(f"`{option}`: a duration can be at most 10 years ({days}d).")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class DestinationOptions:
    """The destination options of `/schedule create` and `/schedule destination add`."""

    channel: Any = None
    webhook: str | None = None
    file: str | None = None
    style: str = "embed"
    mode: str = "post"
    mention: discord.Role | None = None

    def any(self) -> bool:
        """Whether any destination was given."""
        return bool(self.channel or self.webhook or self.file)


def build_destinations(
    bot: SummaryBot, options: DestinationOptions
) -> tuple[list[Destination], str | None]:
    """The destinations asked for, and the new signing secret when a signed webhook is one."""
    return destinations_from(options, bot.settings.delivery)


def destinations_from(
    options: DestinationOptions, delivery: DeliverySettings
) -> tuple[list[Destination], str | None]:
    """`build_destinations` without a bot: `summarybot schedules create` checks the same way.

    A channel is taken by its id (`discord.Object` will do); whether the bot may post there is
    for `check_destinations`, which needs the guild.
    """
    destinations: list[Destination] = []
    secret: str | None = None
    if options.mention is not None and options.channel is None:
        raise UserError("`mention` applies to a channel destination: give `to` as well.")
    if options.channel is not None:
        destinations.append(
            ChannelDestination(
                channel_id=options.channel.id,
                style=options.style,  # type: ignore[arg-type]
                mode=options.mode,  # type: ignore[arg-type]
                mention_role_id=mention_role_id(options.mention),
            )
        )
    if options.webhook:
        webhook = webhook_destination(options.webhook.strip(), delivery, None)
        if not webhook.is_discord:
            secret = new_signing_secret()
            webhook = webhook.model_copy(update={"secret": secret})
        destinations.append(webhook)
    if options.file:
        destinations.append(file_destination(options.file.strip(), delivery))
    return destinations, secret


def mention_role_id(role: discord.Role | None) -> int | None:
    """The role a channel digest may mention: any role but @everyone (which pings everyone)."""
    if role is None:
        return None
    if role.is_default():
        raise UserError("A digest may mention a role, never @everyone.")
    return role.id


def resolve_channel(guild: discord.Guild, channel: Any) -> Any:
    """The full channel object for an option value (options carry partial channels)."""
    resolved = guild.get_channel_or_thread(channel.id)
    if resolved is None:
        raise UserError(f"<#{channel.id}> is not a channel of this server the bot can see.")
    return resolved


async def check_sources(
    guild: discord.Guild, member: discord.Member, sources: Sequence[Any]
) -> None:
    """The member and the bot must both be able to read every source channel."""
    for channel in sources:
        problem = await access_problem(member, channel, who="you") or await access_problem(
            guild.me, channel, who="the bot"
        )
        if problem is not None:
            raise UserError(f"Cannot summarize {channel.mention}: {problem}.")


@dataclass(frozen=True)
class Audiences:
    """What `check_destinations` found: the wider lines (for the card) and what to record."""

    lines: list[str]
    confirmed: list[ConfirmedAudience]


def check_posting(guild: discord.Guild, destinations: Sequence[Destination]) -> None:
    """Refuse a channel destination the bot cannot see or post (and embed links) in."""
    for destination in destinations:
        if isinstance(destination, ChannelDestination):
            channel = guild.get_channel_or_thread(destination.channel_id)
            if channel is None:
                raise UserError(f"<#{destination.channel_id}> is not a channel the bot can see.")
            problem = post_problem(guild.me, channel)
            if problem is not None:
                raise UserError(f"Cannot deliver to {channel.mention}: {problem}.")


async def check_destinations(
    bot: SummaryBot,
    guild: discord.Guild,
    sources: Sequence[Any],
    destinations: Sequence[Destination],
    *,
    confirmed: bool,
    by: int,
) -> Audiences:
    """Refuse channels the bot cannot post in and unconfirmed wider audiences.

    Returns the wider-audience lines the creator confirmed (the card shows them) and the
    audiences they confirmed, which later runs compare against.
    """
    check_posting(guild, destinations)
    resolve = guild.get_channel_or_thread
    shown = [
        channel
        for d in destinations
        if isinstance(d, ChannelDestination) and (channel := resolve(d.channel_id)) is not None
    ]
    known = await known_members(bot, guild, [access_of(c) for c in (*sources, *shown)])
    wider = wider_lines(sources, destinations, resolve, known)
    if wider and not confirmed:
        lines = "\n".join(f"• {line}" for _, line in wider)
        raise UserError(
            "This digest would reach a wider audience than its source:\n"
            f"{lines}\nIf that is intended, run the command again with "
            "`confirm_wider_audience: True`."
        )
    return Audiences(
        lines=[line for _, line in wider],
        confirmed=confirmations(wider, resolve, by=by, at=bot.clock()),
    )
