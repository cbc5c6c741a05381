"""The fake's world: users, guilds, roles, channels, threads, messages and webhooks.

Plain dataclasses that render themselves as Discord API v10 JSON. Ids are snowflakes
derived from a time, so discord.py's `created_at` and history ordering behave as on Discord.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

DISCORD_EPOCH_MS = 1420070400000


class ChannelType(IntEnum):
    """Discord's channel types the fake knows."""

    TEXT = 0
    DM = 1
    CATEGORY = 4
    NEWS = 5
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    FORUM = 15


THREAD_TYPES = frozenset({ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD})


def snowflake_at(when: datetime, increment: int = 0) -> int:
    """A snowflake whose embedded time is `when` (what discord.py reads back as created_at)."""
    ms = int(when.timestamp() * 1000)
    return ((ms - DISCORD_EPOCH_MS) << 22) | (increment & 0x3FFFFF)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes a guild's events to."""
    return (guild_id >> 22) % shard_count


def snowflake_time(snowflake: int) -> datetime:
    """The time a snowflake encodes."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def iso(when: datetime) -> str:
    """Discord's timestamp format."""
    return when.isoformat(timespec="microseconds")


@dataclass
class User:
    """A Discord user (members, the bot, webhook authors)."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The user object."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class Role:
    """A guild role; the role whose id equals the guild id is @everyone."""

    id: int
    name: str
    permissions: int
    position: int = 0
    mentionable: bool = False
    managed: bool = False

    def to_json(self) -> dict[str, Any]:
        """The role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def to_json(self) -> dict[str, Any]:
        """The overwrite object."""
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class Member:
    """A user's membership of a guild."""

    user: User
    roles: list[int] = field(default_factory=list)
    joined_at: datetime = field(default_factory=lambda: datetime(2024, 1, 1, tzinfo=UTC))

    def to_json(self) -> dict[str, Any]:
        """The guild member object."""
        return {
            "user": self.user.to_json(),
            "roles": [str(r) for r in self.roles],
            "nick": None,
            "joined_at": iso(self.joined_at),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }


@dataclass
class Pings:
    """Who a message actually notified, after allowed_mentions and permissions."""

    users: list[int] = field(default_factory=list)
    roles: list[int] = field(default_factory=list)
    everyone: bool = False


@dataclass
class Message:
    """A message in a channel, seeded or posted through the API."""

    id: int
    channel_id: int
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    guild_id: int | None = None
    nonce: str | int | None = None
    webhook_id: int | None = None
    interaction_id: int | None = None
    flags: int = 0
    pings: Pings = field(default_factory=Pings)
    edited_at: datetime | None = None
    posted: bool = False

    @property
    def created_at(self) -> datetime:
        """When the message was sent (from its snowflake)."""
        return snowflake_time(self.id)

    def to_json(self) -> dict[str, Any]:
        """The message object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": 0 if self.interaction_id is None else 20,
            "channel_id": str(self.channel_id),
            "author": self.author.to_json(),
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": False,
            "mention_everyone": self.pings.everyone,
            "mentions": [
                {"id": str(u), "username": str(u), "discriminator": "0", "avatar": None}
                for u in self.pings.users
            ],
            "mention_roles": [str(r) for r in self.pings.roles],
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": [],
            "pinned": False,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        return data


@dataclass
class Channel:
    """A guild channel, thread, forum, category or DM."""

    id: int
    type: ChannelType
    name: str
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    archived: bool = False
    locked: bool = False
    recipients: list[User] = field(default_factory=list)
    owner_id: int | None = None
    messages: list[Message] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        """Threads take their permissions from their parent channel."""
        return self.type in THREAD_TYPES

    def to_json(self) -> dict[str, Any]:
        """The channel object."""
        data: dict[str, Any] = {"id": str(self.id), "type": int(self.type), "flags": 0}
        if self.type == ChannelType.DM:
            data["recipients"] = [u.to_json() for u in self.recipients]
            data["last_message_id"] = str(self.messages[-1].id) if self.messages else None
            return data
        data.update(
            {
                "guild_id": str(self.guild_id),
                "name": self.name,
                "position": self.position,
                "parent_id": str(self.parent_id) if self.parent_id else None,
                "nsfw": False,
                "last_message_id": str(self.messages[-1].id) if self.messages else None,
            }
        )
        if self.is_thread:
            data["owner_id"] = str(self.owner_id or 0)
            data["message_count"] = len(self.messages)
            data["member_count"] = 1
            data["rate_limit_per_user"] = 0
            data["thread_metadata"] = {
                "archived": self.archived,
                "locked": self.locked,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso(datetime(2024, 1, 1, tzinfo=UTC)),
            }
        else:
            data["permission_overwrites"] = [o.to_json() for o in self.overwrites]
            data["topic"] = None
            data["rate_limit_per_user"] = 0
        if self.type == ChannelType.FORUM:
            data["available_tags"] = []
            data["default_reaction_emoji"] = None
            data["default_sort_order"] = None
            data["default_forum_layout"] = 0
        return data


@dataclass
class Guild:
    """A guild with its roles, members and channel ids."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)

    def to_json(self, channels: list[Channel]) -> dict[str, Any]:
        """The GUILD_CREATE payload (member_count == len(members): no chunking needed)."""
        threads = [c for c in channels if c.is_thread and not c.archived]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "large": False,
            "member_count": len(self.members),
            "roles": [r.to_json() for r in self.roles.values()],
            "members": [m.to_json() for m in self.members.values()],
            "channels": [c.to_json() for c in channels if not c.is_thread],
            "threads": [c.to_json() for c in threads],
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "joined_at": iso(datetime(2024, 1, 1, tzinfo=UTC)),
        }


@dataclass
class Webhook:
    """A channel webhook executable at /webhooks/{id}/{token}."""

    id: int
    token: str
    channel_id: int
    guild_id: int | None
    name: str

    @property
    def author(self) -> User:
        """Webhook messages are authored by a bot-flagged user with the webhook's id."""
        return User(id=self.id, username=self.name, bot=True)

    def to_json(self) -> dict[str, Any]:
        """The webhook object as GET /webhooks/{id}/{token} returns it (no user: token auth)."""
        return {
            "id": str(self.id),
            "type": 1,
            "channel_id": str(self.channel_id),
            "guild_id": None if self.guild_id is None else str(self.guild_id),
            "name": self.name,
            "avatar": None,
            "token": self.token,
            "application_id": None,
        }


class IdSource:
    """Snowflakes for 'now' that stay unique and increasing within one fake."""

    def __init__(self) -> None:
        self._last = 0
        self._counter = itertools.count()

    def next_id(self, when: datetime | None = None) -> int:
        """A fresh snowflake for `when` (default: the wall clock, as a server would)."""
        candidate = snowflake_at(when or datetime.now(UTC), next(self._counter))
        if when is None:
            candidate = max(candidate, self._last + 1)
            self._last = candidate
        return candidate

    def next_id_on_shard(self, shard_id: int, shard_count: int) -> int:
        """A fresh snowflake (a guild id) whose guild Discord routes to `shard_id`.

        The timestamp bits are moved up to `shard_count - 1` milliseconds forward.
        """
        candidate = self.next_id()
        candidate += ((shard_id - shard_of(candidate, shard_count)) % shard_count) << 22
        self._last = max(self._last, candidate)
        return candidate


def new_token() -> str:
    """An unguessable token for webhooks and interactions."""
    return secrets.token_urlsafe(24)
