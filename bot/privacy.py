"""Where a digest may go and what it may include: the audience rules of the README.

- A destination is *wider* than the sources when somebody could see it who cannot read
  every source (`bot.audience` works that out the way Discord computes permissions). A
  webhook or a file reaches people outside Discord: wider unless @everyone reads the source.
- A wider destination needs the creator's confirmation, and the confirmation records who
  could see the destination then: when it later shows more people, the schedule pauses.
- A private thread is its own audience. A digest of its parent channel includes it only
  when everybody the digest reaches could read the thread: the member asking for
  `/summary now` (and, when it is public, the channel it appears in), or every destination
  and DM subscriber of a schedule. No confirmation covers a private thread found under a
  source: it did not exist, or was not shown, when the creator confirmed anything.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.audience import (
    Known,
    Need,
    access_of,
    find_witness,
    overwrite_members,
    public,
)
from bot.permissions import channel_label, post_problem, read_problem
from delivery.models import ChannelDestination, Destination, DmDestination
from scheduling.audiences import ChannelAccess, ConfirmedAudience

if TYPE_CHECKING:
    from bot.app import SummaryBot
    from scheduling.models import Schedule

log = logging.getLogger(__name__)

Channel = Any  # a guild channel or thread as discord.py gives it
# Asked for each private thread under a source: may this digest include it?
ThreadFilter = Callable[[Any], Awaitable[bool]]
# Members with overwrites of their own looked up by REST per check, at most: beyond that
# they are judged by every combination of roles (conservatively).
MEMBER_LOOKUPS = 25


async def known_members(bot: SummaryBot, guild: discord.Guild, accesses: Iterable[Any]) -> Known:
    """The roles of members with their own overwrites in these channels, where findable."""
    known: dict[int, frozenset[int] | None] = {}
    for number, member_id in enumerate(sorted(overwrite_members(list(accesses)))):
        member = guild.get_member(member_id)
        if member is None and number < MEMBER_LOOKUPS:
            try:
                member = await bot.members.get(guild, member_id)
            except discord.HTTPException:
                continue  # unknown: every combination of roles counts
            if member is None:
                known[member_id] = None  # not a member: sees nothing
                continue
        if member is not None:
            known[member_id] = frozenset(r.id for r in member.roles if not r.is_default())
    return known


async def can_read_thread(member: discord.Member, thread: discord.Thread) -> bool:
    """Whether `member` can read a thread: its parent's history, and a private one's content.

    A private thread shows to the members added to it and to those who manage threads in
    the parent. The bot cannot list who was added without the members intent, but it may
    ask about one member, which is what this does (a 404 means "not added").
    """
    if read_problem(member, thread, who="they") is not None:
        return False
    if not thread.is_private():
        return True
    permissions = thread.permissions_for(member)
    if permissions.manage_threads or permissions.administrator:
        return True
    if any(added.id == member.id for added in thread.members):
        return True
    try:
        await thread.fetch_member(member.id)
    except discord.NotFound:
        return False
    except discord.HTTPException as exc:
        log.info("thread %s: cannot check a member: %s", thread.id, exc)
        return False  # unsure: leave the thread out rather than leak it
    return True


async def access_problem(member: discord.Member, channel: Channel, *, who: str) -> str | None:
    """`read_problem`, and for a private thread also whether they were added to it."""
    problem = read_problem(member, channel, who=who)
    private = isinstance(channel, discord.Thread) and channel.is_private()
    if problem is None and private and not await can_read_thread(member, channel):
        return f"{who} cannot see the private thread {channel_label(channel)}"
    return problem


def wider_lines(
    sources: Sequence[Channel],
    destinations: Iterable[Destination],
    resolve: Callable[[int], Channel | None],
    known: Known,
) -> list[tuple[Destination, str]]:
    """Each destination wider than the sources, with a line saying who could see it."""
    required: list[tuple[ChannelAccess, Need]] = [(access_of(s), "read") for s in sources]
    found: list[tuple[Destination, str]] = []
    for destination in destinations:
        if isinstance(destination, ChannelDestination):
            channel = resolve(destination.channel_id)
            if channel is None:
                continue
            witness = find_witness(access_of(channel), required, known)
            if witness is not None:
                found.append(
                    (
                        destination,
                        f"{channel_label(channel)} is visible to more people than the source "
                        f"({witness.describe()} could see it)",
                    )
                )
        elif isinstance(destination, DmDestination):
            continue  # subscribers are checked against the source one by one
        elif not public([access for access, _ in required]):
            kind = "a webhook" if destination.kind == "webhook" else "a file"
            found.append(
                (destination, f"{kind} reaches people outside Discord and the source is not public")
            )
    return found


def confirmations(
    wider: Iterable[tuple[Destination, str]],
    resolve: Callable[[int], Channel | None],
    *,
    by: int,
    at: datetime,
) -> list[ConfirmedAudience]:
    """What a creator confirms by saying yes: each wider destination's audience as it is now."""
    confirmed: list[ConfirmedAudience] = []
    for destination, _ in wider:
        access = None
        if isinstance(destination, ChannelDestination):
            channel = resolve(destination.channel_id)
            access = access_of(channel) if channel is not None else None
        confirmed.append(
            ConfirmedAudience(
                destination_id=destination.id, confirmed_by=by, confirmed_at=at, access=access
            )
        )
    return confirmed


def merged(
    kept: Iterable[ConfirmedAudience], new: Iterable[ConfirmedAudience]
) -> tuple[ConfirmedAudience, ...]:
    """`kept` with `new` replacing any earlier confirmation of the same destination."""
    fresh = {c.destination_id: c for c in new}
    return (*(c for c in kept if c.destination_id not in fresh), *fresh.values())


def unconfirmed_problem(
    schedule: Schedule,
    wider: Iterable[tuple[Destination, str]],
    resolve: Callable[[int], Channel | None],
    known: Known,
) -> str | None:
    """Why a wider destination may not receive this run, or None when each is covered.

    A confirmation covers the audience it recorded: a destination that now shows somebody
    who could not see it then is wider than what was confirmed. Schedules confirmed before
    audiences were recorded keep their confirmation for webhooks and files only.
    """
    by_destination = {c.destination_id: c for c in schedule.confirmed_audiences}
    for destination, line in wider:
        confirmation = by_destination.get(destination.id)
        if not isinstance(destination, ChannelDestination):
            if confirmation is None and not schedule.confirm_wider_audience:
                return line + " now, and nobody confirmed a wider audience"
            continue
        if confirmation is None or confirmation.access is None:
            return line + " now, and nobody confirmed a wider audience"
        channel = resolve(destination.channel_id)
        if channel is None:
            continue  # reported as deleted by the run-time check
        witness = find_witness(access_of(channel), [(confirmation.access, "see")], known)
        if witness is not None:
            return (
                f"{channel_label(channel)} became visible to more people than when its wider "
                f"audience was confirmed ({witness.describe()} can see it now); resume with "
                "`confirm_wider_audience:True` to accept the new audience"
            )
    return None


def schedule_thread_filter(bot: SummaryBot, schedule: Schedule) -> ThreadFilter:
    """Which private threads under a schedule's sources its digest may include."""

    async def may_include(thread: discord.Thread) -> bool:
        guild = thread.guild
        sources = [guild.get_channel_or_thread(c) for c in schedule.channel_ids]
        required: list[tuple[ChannelAccess, Need]] = [(access_of(thread), "read")]
        for destination in schedule.destinations:
            if destination.disabled_reason is not None:
                continue
            if isinstance(destination, ChannelDestination):
                channel = guild.get_channel_or_thread(destination.channel_id)
                if channel is None:
                    return False
                shown = access_of(channel)
                known = await known_members(bot, guild, [shown, required[0][0]])
                if find_witness(shown, required, known) is not None:
                    return False
            elif isinstance(destination, DmDestination):
                if not await _member_reads(bot, guild, destination.user_id, thread):
                    return False
            else:
                return False  # webhooks and files reach people outside Discord
        store = bot.require_scheduler().store
        for subscription in await store.subscriptions(schedule_id=schedule.id):
            member = await _member(bot, guild, subscription.user_id)
            if member is None or any(
                source is None or read_problem(member, source, who="they") for source in sources
            ):
                continue  # receives no DM this run anyway (bot.subscribers decides)
            if not await can_read_thread(member, thread):
                return False
        return True

    return _logged(may_include)


def reader_thread_filter(member: discord.Member, shown_in: Channel | None) -> ThreadFilter:
    """Private threads `member` may see in their `/summary now` (public: `shown_in` too)."""

    async def may_include(thread: discord.Thread) -> bool:
        if not await can_read_thread(member, thread):
            return False
        if shown_in is None:
            return True
        return find_witness(access_of(shown_in), [(access_of(thread), "read")]) is None

    return _logged(may_include)


def _logged(check: ThreadFilter) -> ThreadFilter:
    """A check that fails leaves the thread out (a digest too short beats a leak)."""

    async def guarded(thread: Any) -> bool:
        try:
            return await check(thread)
        except discord.HTTPException as exc:
            log.info("thread %s left out: could not check who may read it: %s", thread.id, exc)
            return False

    return guarded


async def _member(bot: SummaryBot, guild: discord.Guild, user_id: int) -> discord.Member | None:
    try:
        return await bot.members.get(guild, user_id)
    except discord.HTTPException:
        return None


async def _member_reads(
    bot: SummaryBot, guild: discord.Guild, user_id: int, thread: discord.Thread
) -> bool:
    member = await _member(bot, guild, user_id)
    return member is not None and await can_read_thread(member, thread)


async def run_time_problem(bot: SummaryBot, schedule: Schedule) -> str | None:
    """Why a schedule must not run now (pauses it), or None: checked before every run."""
    guild = bot.get_guild(schedule.guild_id)
    if guild is None:
        return "the bot is no longer in this server"
    me = guild.me
    try:
        creator = await bot.members.get(guild, schedule.created_by)
    except discord.HTTPException:
        creator = None  # Discord hiccup: judge by what is known, do not pause for it
    else:
        if creator is None:
            return f"its creator (<@{schedule.created_by}>) left the server"
    sources = []
    for channel_id in schedule.channel_ids:
        channel = guild.get_channel_or_thread(channel_id)
        if channel is None:
            return f"source channel {channel_id} was deleted"
        sources.append(channel)
        problem = await access_problem(me, channel, who="the bot")
        if problem is None and creator is not None:
            problem = await access_problem(creator, channel, who="its creator")
        if problem is not None:
            return problem
    shown = []
    for destination in schedule.destinations:
        if isinstance(destination, ChannelDestination) and destination.disabled_reason is None:
            channel = guild.get_channel_or_thread(destination.channel_id)
            if channel is None:
                return f"destination channel {destination.channel_id} was deleted"
            problem = post_problem(me, channel)
            if problem is not None:
                return problem
            shown.append(channel)
    enabled = [d for d in schedule.destinations if d.disabled_reason is None]
    resolve = guild.get_channel_or_thread
    accesses = [access_of(c) for c in (*sources, *shown)]
    accesses += [c.access for c in schedule.confirmed_audiences if c.access is not None]
    known = await known_members(bot, guild, accesses)
    wider = wider_lines(sources, enabled, resolve, known)
    return unconfirmed_problem(schedule, wider, resolve, known)
