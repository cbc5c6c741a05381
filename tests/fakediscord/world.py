"""Seeding and looking up the fake's world; the part of the control API that builds guilds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tests.fakediscord import permissions as p
from tests.fakediscord.state import (
    Channel,
    ChannelType,
    Guild,
    IdSource,
    Member,
    Message,
    Overwrite,
    Role,
    User,
    Webhook,
    new_token,
)
from tests.fakediscord.wire import unknown_channel

DEFAULT_BOT_PERMISSIONS = p.DEFAULT_EVERYONE | p.MENTION_EVERYONE


class World:
    """Users, guilds, channels, messages and webhooks, with seeding helpers for tests."""

    def __init__(self, token: str = "fake-bot-token") -> None:
        self.ids = IdSource()
        self.token = token
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.webhooks: dict[int, Webhook] = {}
        self.bot_user = self.add_user("summarybot", bot=True)
        self.owner = self.add_user("guild-owner")
        self.application_id = self.bot_user.id
        # Users whose privacy settings refuse DMs from the bot (Discord answers 50007).
        self.dm_blocked: set[int] = set()
        # Without the MESSAGE_CONTENT intent Discord blanks other users' content in REST too.
        self.message_content_granted = True

    # Seeding -------------------------------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False, user_id: int | None = None) -> User:
        """A user who can then be made a member of guilds."""
        user = User(id=user_id or self.ids.next_id(), username=username, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        guild_id: int | None = None,
        shard: tuple[int, int] | None = None,
        everyone_permissions: int = p.DEFAULT_EVERYONE,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
    ) -> Guild:
        """A guild with @everyone, the owner, and the bot holding a managed role.

        `shard=(shard_id, shard_count)` picks an id Discord routes to that shard.
        """
        if guild_id is None:
            guild_id = self.ids.next_id_on_shard(*shard) if shard else self.ids.next_id()
        guild = Guild(id=guild_id, name=name, owner_id=self.owner.id)
        guild.roles[guild.id] = Role(
            id=guild.id, name="@everyone", permissions=everyone_permissions
        )
        self.guilds[guild.id] = guild
        guild.members[self.owner.id] = Member(user=self.owner)
        bot_role = self.add_role(guild.id, self.bot_user.username, bot_permissions)
        bot_role.managed = True
        guild.members[self.bot_user.id] = Member(user=self.bot_user, roles=[bot_role.id])
        return guild

    def add_role(
        self, guild_id: int, name: str, permissions: int = 0, *, mentionable: bool = False
    ) -> Role:
        """A role in a guild."""
        guild = self.guilds[guild_id]
        role = Role(
            id=self.ids.next_id(),
            name=name,
            permissions=permissions,
            position=len(guild.roles),
            mentionable=mentionable,
        )
        guild.roles[role.id] = role
        return role

    def bot_role(self, guild_id: int) -> Role:
        """The bot's managed role (change its permissions to test denials)."""
        member = self.guilds[guild_id].members[self.bot_user.id]
        return self.guilds[guild_id].roles[member.roles[0]]

    def add_member(self, guild_id: int, user: User | str, roles: Iterable[int] = ()) -> Member:
        """Make a user (or a new user with this name) a member of a guild."""
        if isinstance(user, str):
            user = self.add_user(user)
        member = Member(user=user, roles=list(roles))
        self.guilds[guild_id].members[user.id] = member
        return member

    def add_channel(
        self,
        guild_id: int,
        name: str,
        *,
        type: ChannelType = ChannelType.TEXT,
        parent_id: int | None = None,
        overwrites: Iterable[Overwrite] = (),
    ) -> Channel:
        """A text, forum or category channel in a guild."""
        guild = self.guilds[guild_id]
        channel = Channel(
            id=self.ids.next_id(),
            type=type,
            name=name,
            guild_id=guild_id,
            position=len(guild.channel_ids),
            parent_id=parent_id,
            overwrites=list(overwrites),
        )
        guild.channel_ids.append(channel.id)
        self.channels[channel.id] = channel
        return channel

    def add_thread(
        self,
        parent_id: int,
        name: str,
        *,
        private: bool = False,
        archived: bool = False,
        locked: bool = False,
    ) -> Channel:
        """A thread (or forum post) under a channel."""
        parent = self.channels[parent_id]
        assert parent.guild_id is not None
        thread = self.add_channel(
            parent.guild_id,
            name,
            type=ChannelType.PRIVATE_THREAD if private else ChannelType.PUBLIC_THREAD,
            parent_id=parent_id,
        )
        thread.archived = archived
        thread.locked = locked
        thread.owner_id = self.bot_user.id
        return thread

    def set_overwrite(
        self, channel_id: int, target_id: int, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Set a role's or member's overwrite on a channel (the kind is inferred from the id)."""
        channel = self.channels[channel_id]
        assert channel.guild_id is not None
        kind = 0 if target_id in self.guilds[channel.guild_id].roles else 1
        channel.overwrites = [o for o in channel.overwrites if o.id != target_id]
        channel.overwrites.append(Overwrite(id=target_id, type=kind, allow=allow, deny=deny))

    def add_message(
        self,
        channel_id: int,
        author: User,
        content: str,
        *,
        at: datetime,
        embeds: list[dict[str, Any]] | None = None,
        message_id: int | None = None,
    ) -> Message:
        """Seed history: a message whose snowflake encodes `at` (kept in id order)."""
        channel = self.channels[channel_id]
        message = Message(
            id=message_id or self.ids.next_id(at),
            channel_id=channel_id,
            guild_id=channel.guild_id,
            author=author,
            content=content,
            embeds=embeds or [],
        )
        self.store_message(channel, message)
        return message

    def add_webhook(self, channel_id: int, name: str = "Digests") -> Webhook:
        """A channel webhook; execute it at `/webhooks/{id}/{token}`."""
        channel = self.channels[channel_id]
        hook = Webhook(
            id=self.ids.next_id(),
            token=new_token(),
            channel_id=channel_id,
            guild_id=channel.guild_id,
            name=name,
        )
        self.webhooks[hook.id] = hook
        return hook

    # Lookups -------------------------------------------------------------------------------

    def store_message(self, channel: Channel, message: Message) -> None:
        """Insert keeping ascending id order (seeded history can arrive in any order)."""
        messages = channel.messages
        if not messages or messages[-1].id < message.id:
            messages.append(message)
            return
        index = next(i for i, m in enumerate(messages) if m.id > message.id)
        messages.insert(index, message)

    def channel(self, channel_id: int) -> Channel:
        """The channel, or Discord's 10003."""
        channel = self.channels.get(channel_id)
        if channel is None:
            raise unknown_channel()
        return channel

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        """A user's computed permissions in a channel (DMs allow everything)."""
        if channel.guild_id is None:
            return p.ALL
        parent = self.channels.get(channel.parent_id) if channel.parent_id else None
        return p.channel_permissions(self.guilds[channel.guild_id], channel, user_id, parent)

    def bot_permissions_in(self, channel_id: int) -> int:
        """The bot's computed permissions in a channel."""
        return self.permissions_in(self.channel(channel_id), self.bot_user.id)

    def messages(self, channel_id: int) -> list[Message]:
        """Every message in a channel, oldest first (seeded and posted)."""
        return list(self.channels[channel_id].messages)

    def posted(self, channel_id: int | None = None) -> list[Message]:
        """Messages created through the API (by the bot, webhooks or interactions)."""
        channels = [self.channels[channel_id]] if channel_id else self.channels.values()
        found = [m for c in channels for m in c.messages if m.posted]
        return sorted(found, key=lambda m: m.id)

    def guild_channels(self, guild_id: int) -> list[Channel]:
        """A guild's channels and threads in creation order."""
        return [self.channels[c] for c in self.guilds[guild_id].channel_ids]
