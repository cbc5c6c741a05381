"""Discord's permission arithmetic: roles, then channel overwrites, as the API computes it."""

from __future__ import annotations

from tests.fakediscord.state import Channel, Guild

ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
MANAGE_THREADS = 1 << 34
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL = (1 << 51) - 1

# What @everyone gets in a new guild on Discord (view, send, history, embeds, files, ...).
DEFAULT_EVERYONE = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
    | (1 << 6)  # ADD_REACTIONS
)


def guild_permissions(guild: Guild, user_id: int) -> int:
    """Base permissions from @everyone and the member's roles (owner and admins get all)."""
    if user_id == guild.owner_id:
        return ALL
    member = guild.members.get(user_id)
    everyone = guild.roles.get(guild.id)
    perms = everyone.permissions if everyone else 0
    if member is not None:
        for role_id in member.roles:
            role = guild.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
    if perms & ADMINISTRATOR:
        return ALL
    return perms


def channel_permissions(
    guild: Guild, channel: Channel, user_id: int, parent: Channel | None
) -> int:
    """Permissions in a channel; a thread uses its parent's overwrites.

    Order as documented: @everyone overwrite, then all role overwrites (deny then allow
    combined), then the member's own overwrite. Without VIEW_CHANNEL nothing else applies.
    """
    perms = guild_permissions(guild, user_id)
    if perms == ALL:
        return ALL
    source = parent if channel.is_thread and parent is not None else channel
    member = guild.members.get(user_id)
    role_ids = set(member.roles) if member else set()
    by_id = {o.id: o for o in source.overwrites}
    everyone = by_id.get(guild.id)
    if everyone is not None:
        perms = (perms & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for ow in source.overwrites:
        if ow.type == 0 and ow.id in role_ids:
            allow |= ow.allow
            deny |= ow.deny
    perms = (perms & ~deny) | allow
    own = by_id.get(user_id)
    if own is not None and own.type == 1:
        perms = (perms & ~own.deny) | own.allow
    if not perms & VIEW_CHANNEL:
        return 0
    return perms


def can_post(channel: Channel, perms: int) -> bool:
    """Threads need SEND_MESSAGES_IN_THREADS; other channels SEND_MESSAGES."""
    needed = SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES
    return bool(perms & VIEW_CHANNEL and perms & needed)
