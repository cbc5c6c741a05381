"""Seed the fake with a DiscordChatExporter export (the summarizer's sample data) as history."""

from __future__ import annotations

from pathlib import Path

from summarizer.sources import read_export
from tests.fakediscord.state import Channel, Guild
from tests.fakediscord.world import World


def seed_export(world: World, path: Path, guild: Guild | None = None) -> Channel:
    """Create the export's channel (and thread) with its authors and messages; ids are kept.

    Message ids are the export's real snowflakes, so their times and paging match the export.
    Returns the channel (or thread) the messages went into.
    """
    export = read_export(path, include_bots=True)
    if guild is None:
        ref = export.guild
        guild = world.add_guild(ref.name if ref else "Export", guild_id=ref.id if ref else None)
    channel = world.channels.get(export.channel.id)
    if channel is None:
        channel = world.add_channel(guild.id, export.channel.name)
        _rekey(world, guild, channel, export.channel.id)
    target = channel
    if export.thread is not None:
        target = world.channels.get(export.thread.id) or world.add_thread(
            channel.id, export.thread.name
        )
        _rekey(world, guild, target, export.thread.id)
    for message in export.messages:
        author = world.users.get(message.author.id) or world.add_user(
            message.author.name, bot=message.author.is_bot, user_id=message.author.id
        )
        if author.id not in guild.members:
            world.add_member(guild.id, author)
        world.add_message(
            target.id, author, message.content, at=message.created_at, message_id=message.id
        )
    return target


def _rekey(world: World, guild: Guild, channel: Channel, new_id: int) -> None:
    """Give a freshly created channel the export's id (so jump links and ids line up)."""
    if channel.id == new_id:
        return
    world.channels.pop(channel.id)
    guild.channel_ids[guild.channel_ids.index(channel.id)] = new_id
    channel.id = new_id
    world.channels[new_id] = channel
