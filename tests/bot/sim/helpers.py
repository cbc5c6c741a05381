"""What simcord scenarios read back: the words of an answer, a channel's digests, the store."""

from __future__ import annotations

import discord


def text_of(message) -> str:
    """A message's content, embed titles, descriptions and fields, as one string."""
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.title or "", embed.description or ""]
        parts += [f"{field.name} {field.value}" for field in embed.fields]
    return " ".join(parts)


def text(result) -> str:
    """Everything the bot answered to one interaction (response and follow-ups)."""
    parts = [result.response, *result.followups] if result.response else result.followups
    return "\n".join(text_of(p) for p in parts if p is not None)


def posted(world, channel) -> str:
    """Every message the bot posted in `channel`, as text."""
    return "\n".join(text_of(m) for m in channel.history() if m.author.id == world.env.bot.user.id)


async def stored(world):
    """The world guild's schedules as the store holds them."""
    return await world.env.bot.require_scheduler().list(world.guild.id)


def members_only(world, name: str, role):
    """A channel only `role` (and the server's admins, who create schedules, and the bot) see."""
    return world.guild.create_text_channel(
        name,
        overwrites={
            world.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            role: discord.PermissionOverwrite(view_channel=True),
            world.admins: discord.PermissionOverwrite(view_channel=True),
            world.env.bot.user: discord.PermissionOverwrite(view_channel=True),
        },
    )
