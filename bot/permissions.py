"""Who may do what, and where a digest may go: the privacy rules of DESIGN.md in one place.

Checked when a schedule is created or edited and again before every run (`run_time_problem`):
admins can change roles and channels at any time, so a schedule that was allowed yesterday
may not be today, and then it pauses with the reason instead of leaking.

The audience of a channel is the set of roles that can view it (from role permissions and the
channel's overwrites, the way Discord computes them) plus members given access one by one.
Without the privileged members intent the bot cannot list members, so audiences compare by
role: a destination is wider when some role (or member overwrite) can see it but not the
source. Webhooks and files reach people outside Discord: wider unless the source is public.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from delivery.models import ChannelDestination, Destination, DmDestination

if TYPE_CHECKING:
    from bot.app import SummaryBot
    from scheduling.models import Schedule

Channel = Any  # a guild channel or thread as discord.py gives it


def can_manage_schedules(member: discord.Member, admin_role_id: int | None = None) -> bool:
    """Manage Server (or Administrator), or the guild's configured admin role."""
    permissions = member.guild_permissions
    if permissions.manage_guild or permissions.administrator:
        return True
    return admin_role_id is not None and any(role.id == admin_role_id for role in member.roles)


def channel_label(channel: Channel) -> str:
    """`#name` for replies (a mention would render, but never ping, a channel)."""
    return f"<#{channel.id}>"


def read_problem(member: discord.Member, channel: Channel, *, who: str) -> str | None:
    """Why `member` cannot read `channel`'s history, or None."""
    permissions = channel.permissions_for(member)
    if not permissions.view_channel:
        return f"{who} cannot see {channel_label(channel)}"
    if not permissions.read_message_history:
        return f"{who} cannot read the message history of {channel_label(channel)}"
    return None


def post_problem(bot_member: discord.Member, channel: Channel) -> str | None:
    """Why the bot cannot post a digest (embeds) in `channel`, or None."""
    permissions = channel.permissions_for(bot_member)
    label = channel_label(channel)
    if not permissions.view_channel:
        return f"the bot cannot see {label}"
    in_thread = isinstance(channel, discord.Thread)
    can_send = permissions.send_messages_in_threads if in_thread else permissions.send_messages
    if not can_send:
        return f"the bot cannot send messages in {label}"
    if not permissions.embed_links:
        return f"the bot cannot embed links in {label} (needed for digest embeds)"
    return None


@dataclass(frozen=True)
class Audience:
    """Who can view a channel: every role that can, members given access one by one."""

    role_ids: frozenset[int]
    member_ids: frozenset[int]
    public: bool

    def wider_than(self, other: Audience) -> bool:
        """Whether somebody outside `other` is inside this audience."""
        return bool(self.role_ids - other.role_ids) or bool(self.member_ids - other.member_ids)


def _role_sees(channel: Channel, role: discord.Role, everyone: discord.Role) -> bool:
    """Whether a member holding only `role` (and @everyone) can view `channel`."""
    base = everyone.permissions.value | role.permissions.value
    if base & discord.Permissions.administrator.flag:
        return True
    allowed = bool(base & discord.Permissions.view_channel.flag)
    overwrites = channel.overwrites
    for target in (everyone, role):
        overwrite = overwrites.get(target)
        if overwrite is None:
            continue
        allow, deny = overwrite.pair()
        if deny.view_channel:
            allowed = False
        if allow.view_channel:
            allowed = True
    return allowed


def audience(channel: Channel) -> Audience:
    """The audience of a channel; a thread has its parent's (a private one: its moderators)."""
    if isinstance(channel, discord.Thread):
        parent = channel.parent
        if parent is None:
            return Audience(frozenset(), frozenset(), public=False)
        inherited = audience(parent)
        if channel.is_private():
            # Members added to the thread and moderators of the parent: a subset of the
            # parent's audience, approximated by the roles that manage threads there.
            moderators = frozenset(
                role.id
                for role in channel.guild.roles
                if role.id in inherited.role_ids and _manages_threads(parent, role)
            )
            return Audience(moderators, frozenset(), public=False)
        return inherited
    guild = channel.guild
    everyone = guild.default_role
    roles = frozenset(role.id for role in guild.roles if _role_sees(channel, role, everyone))
    members = frozenset(
        target.id
        for target, overwrite in channel.overwrites.items()
        if not isinstance(target, discord.Role) and overwrite.pair()[0].view_channel
    )
    return Audience(roles, members, public=everyone.id in roles)


def _manages_threads(channel: Channel, role: discord.Role) -> bool:
    permissions = role.permissions
    return permissions.administrator or permissions.manage_threads


def combined(audiences: Iterable[Audience]) -> Audience:
    """Everyone who can read the whole source: the intersection of its channels' audiences."""
    items = list(audiences)
    if not items:
        return Audience(frozenset(), frozenset(), public=False)
    roles = frozenset.intersection(*(a.role_ids for a in items))
    members = frozenset.intersection(*(a.member_ids for a in items))
    return Audience(roles, members, public=all(a.public for a in items))


def wider_destinations(
    sources: Sequence[Channel],
    destinations: Iterable[Destination],
    resolve: Any,
) -> list[str]:
    """One line per destination whose audience is wider than the sources'."""
    source = combined(audience(channel) for channel in sources)
    found: list[str] = []
    for destination in destinations:
        if isinstance(destination, ChannelDestination):
            channel = resolve(destination.channel_id)
            if channel is not None and audience(channel).wider_than(source):
                found.append(f"{channel_label(channel)} is visible to more people than the source")
        elif isinstance(destination, DmDestination):
            continue  # subscribers are checked against the source one by one
        elif not source.public:
            kind = "a webhook" if destination.kind == "webhook" else "a file"
            found.append(f"{kind} reaches people outside Discord and the source is not public")
    return found


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
        problem = read_problem(me, channel, who="the bot")
        if problem is None and creator is not None:
            problem = read_problem(creator, channel, who="its creator")
        if problem is not None:
            return problem
    for destination in schedule.destinations:
        if isinstance(destination, ChannelDestination) and destination.disabled_reason is None:
            channel = guild.get_channel_or_thread(destination.channel_id)
            if channel is None:
                return f"destination channel {destination.channel_id} was deleted"
            problem = post_problem(me, channel)
            if problem is not None:
                return problem
    if not schedule.confirm_wider_audience:
        wider = wider_destinations(sources, schedule.destinations, guild.get_channel_or_thread)
        if wider:
            return wider[0] + " now, and nobody confirmed a wider audience"
    return None
