"""Who may do what: manage schedules, read a channel's history, post a digest in a channel.

Checked when a schedule is created or edited and again before every run
(`bot.privacy.run_time_problem`): admins can change roles and channels at any time, so a
schedule that was allowed yesterday may not be today, and then it pauses with the reason
instead of leaking. Who else a digest would reach is `bot.privacy`'s question.
"""

from __future__ import annotations

from typing import Any

import discord

Channel = Any  # a guild channel or thread as discord.py gives it


def can_manage_schedules(member: discord.Member, admin_role_id: int | None = None) -> bool:
    """Manage Server (or Administrator), or the guild's configured admin role."""
    permissions = member.guild_permissions
    if permissions.manage_guild or permissions.administrator:
        return True
    return has_role(member, admin_role_id)


def has_role(member: discord.Member, role_id: int | None) -> bool:
    """Whether `member` holds the role a setting names (False when none is set)."""
    return role_id is not None and any(role.id == role_id for role in member.roles)


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
