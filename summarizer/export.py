"""DiscordChatExporter JSON exports: one file parsed into an `Export`, every field checked.

Tyrrrz/DiscordChatExporter writes one file per channel, thread or DM. Loading is on the speed
bench's critical path, so each message is checked by hand (field by field, with an error naming
the file and the JSON path) and then built with `model_construct`, which skips pydantic's
second, slower validation of the same data.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from summarizer import context, mentions
from summarizer.errors import ExportError
from summarizer.models import Attachment, Author, ChannelRef, ChatMessage, GuildRef, ThreadRef

# Everything else the exporter writes (GuildMemberJoin, ChannelPinnedMessage,
# GuildBoost…, ThreadCreated, RecipientAdd, Call…) is a notice, not something anyone said.
KEPT_TYPES = frozenset({"Default", "Reply", "ChatInputCommand", "ContextMenuCommand"})
_THREAD_TYPES = frozenset({"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"})
# Direct messages: the exporter files them under a pseudo-guild with id 0 ("Direct Messages").
_DM_TYPES = {"DirectTextChat": "dm", "DirectGroupTextChat": "group"}
# Discord ids are 64-bit, held as signed everywhere (SQLite too); none reaches 2**63 before 2084.
MAX_SNOWFLAKE = 2**63 - 1
_SNOWFLAKE_DIGITS = len(str(MAX_SNOWFLAKE))
# Message times as written, within a schedule's date bounds: further out, converting to UTC
# (year 1 at +05:00) or the summary's window arithmetic (9999-12-31 plus 1 µs) overflows.
EARLIEST_DATE, LATEST_DATE = date(1970, 1, 1), date(9000, 12, 31)
_MAX_INT_DIGITS = 40  # longer integer literals become `_HugeNumber`s, never converted


class Export(BaseModel):
    """One parsed export file: its guild, channel (and thread) and the kept messages.

    `kind` is `server` for a server's channel or thread, `dm` for a conversation with one
    person and `group` for a group chat; direct messages have no guild (`guild` is None).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    guild: GuildRef | None
    channel: ChannelRef
    thread: ThreadRef | None
    messages: list[ChatMessage]
    kind: Literal["server", "dm", "group"] = "server"


def read_export(path: Path, *, include_bots: bool = False) -> Export:
    """Parse one export file; every problem becomes an `ExportError` naming file and field."""
    name = path.name
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise ExportError(f"{name}: is a directory, not an export file") from None
    except OSError as exc:
        raise ExportError(f"{name}: cannot read: {exc.strerror}") from None
    try:
        data = json.loads(raw, parse_int=_parse_int)
    except UnicodeDecodeError:
        raise ExportError(
            f"{name}: not UTF-8 text; expected a DiscordChatExporter JSON export"
        ) from None
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(raw.rstrip()) else ""
        raise ExportError(
            f"{name}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}"
        ) from None
    except RecursionError:
        raise ExportError(
            f"{name}: JSON nested too deeply to be a DiscordChatExporter export"
        ) from None
    return parse_export(data, name, include_bots=include_bots)


class _HugeNumber:
    """Stands in for an integer literal too long to be anything an export holds.

    Parsed lazily like this, the field checks below name the field it sits in (an id, a
    reaction count) instead of the JSON parser failing on the whole file.
    """

    def __init__(self, text: str) -> None:
        self.negative = text.startswith("-")
        self.digits = len(text.lstrip("-"))

    def __repr__(self) -> str:
        return f"<a {'negative ' if self.negative else ''}number of {self.digits} digits>"


def _parse_int(text: str) -> int | _HugeNumber:
    return _HugeNumber(text) if len(text) > _MAX_INT_DIGITS else int(text)


def parse_export(data: Any, name: str, *, include_bots: bool = False) -> Export:
    """Turn decoded export JSON into an `Export`, checking the shape as it goes."""
    if not isinstance(data, dict):
        raise ExportError(f"{name}: expected a JSON object with guild, channel and messages")
    guild_data = data.get("guild")
    guild = None
    if guild_data is not None:
        _need(isinstance(guild_data, dict), name, "guild", "expected an object")
        guild = GuildRef.model_construct(
            id=_snowflake(guild_data.get("id"), name, "guild.id"),
            name=_text(guild_data.get("name"), name, "guild.name"),
        )
    channel_data = data.get("channel")
    _need(isinstance(channel_data, dict), name, "channel", "missing or not an object")
    kind = _DM_TYPES.get(channel_data.get("type")) or (
        "dm" if guild is not None and guild.id == 0 else "server"
    )
    if kind != "server":
        guild = None  # "Direct Messages", id 0: not a server, and links to DMs use @me
    channel_id = _snowflake(channel_data.get("id"), name, "channel.id")
    channel_name = _text(channel_data.get("name"), name, "channel.name")
    thread = None
    if channel_data.get("type") in _THREAD_TYPES and channel_data.get("categoryId"):
        # A thread export names the parent channel as the thread's "category".
        thread = ThreadRef.model_construct(id=channel_id, name=channel_name)
        channel = ChannelRef.model_construct(
            id=_snowflake(channel_data.get("categoryId"), name, "channel.categoryId"),
            name=str(channel_data.get("category") or channel_data.get("categoryId")),
        )
    else:
        channel = ChannelRef.model_construct(id=channel_id, name=channel_name)
    raw_messages = data.get("messages")
    _need(isinstance(raw_messages, list), name, "messages", "missing or not a list")
    jump_base = (
        f"https://discord.com/channels/{guild.id if guild else '@me'}/"
        f"{thread.id if thread else channel.id}/"
    )
    context = _Context(name, channel, thread, jump_base, include_bots)
    messages = [
        m for i, item in enumerate(raw_messages) if (m := context.message(i, item)) is not None
    ]
    return Export(guild=guild, channel=channel, thread=thread, messages=messages, kind=kind)


class _Context:
    """Per-file state: the shared channel/thread refs and one `Author` per person."""

    def __init__(
        self,
        name: str,
        channel: ChannelRef,
        thread: ThreadRef | None,
        jump_base: str,
        include_bots: bool,
    ) -> None:
        self.name = name
        self.channel = channel
        self.thread = thread
        self.jump_base = jump_base
        self.include_bots = include_bots
        self.authors: dict[tuple[Any, Any, Any, Any], Author] = {}
        # The channels a mention in this file can name for sure: its own (and its parent).
        self.channel_names = {channel.id: channel.name}
        if thread is not None:
            self.channel_names[thread.id] = thread.name

    def message(self, index: int, item: Any) -> ChatMessage | None:
        where = f"messages[{index}]"
        name = self.name
        _need(isinstance(item, dict), name, where, "expected an object")
        kind = item.get("type", "Default")
        _need(isinstance(kind, str), name, f"{where}.type", "expected text")
        if kind not in KEPT_TYPES:
            return None
        author = self._author(item.get("author"), f"{where}.author")
        if author.is_bot and not self.include_bots:
            return None
        message_id = _snowflake(item.get("id"), name, f"{where}.id")
        content = item.get("content", "")
        _need(isinstance(content, str), name, f"{where}.content", "expected text")
        if "<" in content:
            content = self._resolved(content, item.get("mentions"))
        reference = item.get("reference")
        reply_to = None
        if reference is not None:
            _need(isinstance(reference, dict), name, f"{where}.reference", "expected an object")
            target = reference.get("messageId")
            if target is not None:
                reply_to = _snowflake(target, name, f"{where}.reference.messageId")
        return ChatMessage.model_construct(
            id=message_id,
            channel=self.channel,
            thread=self.thread,
            author=author,
            content=content,
            created_at=_timestamp(item.get("timestamp"), name, f"{where}.timestamp"),
            edited=item.get("timestampEdited") is not None,
            reply_to=reply_to,
            reactions=_reactions(item.get("reactions"), name, f"{where}.reactions"),
            attachments=_attachments(item.get("attachments"), name, f"{where}.attachments"),
            embeds=context.link_previews(item.get("embeds")),
            jump_url=self.jump_base + str(message_id),
        )

    def _resolved(self, content: str, listed: Any) -> str:
        """Raw `<@id>` mentions named from the message's `mentions` list (the exporter's).

        The list is decoration, so a malformed entry is skipped rather than refusing the file;
        a mention nobody names reads as its kind (`@user`, `@role`, `#channel`).
        """
        users: dict[int, str] = {}
        for user in listed if isinstance(listed, list) else ():
            if not isinstance(user, dict):
                continue
            user_id, display = user.get("id"), user.get("nickname") or user.get("name")
            named = isinstance(display, str) and bool(display)
            if named and isinstance(user_id, str) and user_id.isascii() and user_id.isdigit():
                users[int(user_id)] = display
        return mentions.resolve(content, users=users, channels=self.channel_names)

    def _author(self, data: Any, where: str) -> Author:
        _need(isinstance(data, dict), self.name, where, "missing or not an object")
        key: tuple[Any, ...] | None = (
            data.get("id"),
            data.get("nickname"),
            data.get("name"),
            data.get("isBot"),
        )
        try:
            author = self.authors.get(key)  # type: ignore[arg-type]
        except TypeError:  # a list or object where text belongs: the checks below name it
            key, author = None, None
        if author is None:
            display = data.get("nickname") or data.get("name")
            author = Author.model_construct(
                id=_snowflake(data.get("id"), self.name, f"{where}.id"),
                name=_text(display, self.name, f"{where}.name"),
                is_bot=bool(data.get("isBot", False)),
            )
            if key is not None:
                self.authors[key] = author
        return author


def _need(condition: bool, name: str, where: str, problem: str) -> None:
    if not condition:
        raise ExportError(f"{name}: {where}: {problem}")


def _snowflake(value: Any, name: str, where: str) -> int:
    """A Discord id: ASCII digits only (`str.isdigit` also takes `²`, which `int` refuses)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        digits = len(value.lstrip("0"))
        number = int(value) if digits <= _SNOWFLAKE_DIGITS else None
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        digits, number = len(str(value)), value
    elif isinstance(value, _HugeNumber) and not value.negative:
        digits, number = value.digits, None
    else:
        raise ExportError(f"{name}: {where}: expected a numeric Discord id, got {value!r:.40}")
    if number is None or number > MAX_SNOWFLAKE:
        raise ExportError(
            f"{name}: {where}: a Discord id is at most {MAX_SNOWFLAKE}, "
            f"got a number of {digits} digits"
        )
    return number


def _text(value: Any, name: str, where: str) -> str:
    if isinstance(value, str) and value:
        return value
    raise ExportError(f"{name}: {where}: expected non-empty text, got {value!r:.40}")


def _timestamp(value: Any, name: str, where: str) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                raise ExportError(f"{name}: {where}: ISO date without a UTC offset: {value!r:.40}")
            if not EARLIEST_DATE <= parsed.date() <= LATEST_DATE:
                raise ExportError(
                    f"{name}: {where}: {value!r:.40} is outside the dates a message can have "
                    f"({EARLIEST_DATE} to {LATEST_DATE})"
                )
            return parsed.astimezone(UTC)
    raise ExportError(f"{name}: {where}: not an ISO date: {value!r:.40}")


def _reactions(value: Any, name: str, where: str) -> int:
    if value is None:
        return 0
    _need(isinstance(value, list), name, where, "expected a list")
    total = 0
    for i, reaction in enumerate(value):
        count = reaction.get("count", 0) if isinstance(reaction, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ExportError(f"{name}: {where}[{i}].count: expected a whole number")
        total += count
    return total


def _attachments(value: Any, name: str, where: str) -> tuple[Attachment, ...]:
    if not value:
        return ()
    _need(isinstance(value, list), name, where, "expected a list")
    found = []
    for i, item in enumerate(value):
        _need(isinstance(item, dict), name, f"{where}[{i}]", "expected an object")
        url = item.get("url")
        _need(isinstance(url, str), name, f"{where}[{i}].url", "expected text")
        found.append(Attachment.model_construct(name=str(item.get("fileName") or url), url=url))
    return tuple(found)
