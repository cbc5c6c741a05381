"""DiscordChatExporter JSON exports: one file's header and its messages, every field checked.

Tyrrrz/DiscordChatExporter writes one file per channel, thread or DM. Each message is checked
by hand (`summarizer.export_fields`: field by field, with an error naming the file and the JSON
path) and comes out as a `PendingMessage`: checked, timed and identified, but not yet a
`ChatMessage`. A reader that keeps only part of a file (a window, the newest 5,000) builds only
what it keeps; building is most of the cost of a message, so that is most of the saving.

`open_export(..., stream=True)` reads the file in chunks (`summarizer.json_stream`) so a large
export is never in memory whole; it raises `Unstreamable` instead of any error, and the caller
reads the file again whole (`stream=False`), which gives the exact result or first error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from summarizer import mentions
from summarizer.context import link_previews
from summarizer.errors import ExportError
from summarizer.export_fields import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_SNOWFLAKE,
    MessagePaths,
    attachments,
    need,
    nonempty_text,
    parse_int,
    reaction_count,
    snowflake,
    timestamp,
)
from summarizer.json_stream import JsonObjectStream, Unstreamable
from summarizer.models import Attachment, Author, ChannelRef, ChatMessage, GuildRef, ThreadRef

__all__ = [
    "EARLIEST_DATE",
    "KEPT_TYPES",
    "LATEST_DATE",
    "MAX_SNOWFLAKE",
    "Export",
    "ExportHeader",
    "PendingMessage",
    "Reader",
    "Unstreamable",
    "open_export",
    "parse_export",
    "read_export",
    "read_header",
]

# Everything else the exporter writes (GuildMemberJoin, ChannelPinnedMessage,
# GuildBoost…, ThreadCreated, RecipientAdd, Call…) is a notice, not something anyone said.
KEPT_TYPES = frozenset({"Default", "Reply", "ChatInputCommand", "ContextMenuCommand"})
_THREAD_TYPES = frozenset({"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"})
# Direct messages: the exporter files them under a pseudo-guild with id 0 ("Direct Messages").
_DM_TYPES: dict[Any, Literal["dm", "group"]] = {
    "DirectTextChat": "dm",
    "DirectGroupTextChat": "group",
}
# The header keys read before the messages; a streamed file naming them after is read whole.
_HEADER_KEYS = ("guild", "channel")


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


@dataclass(frozen=True)
class ExportHeader:
    """Where a file's messages were said: its guild (None for DMs), channel, thread and kind."""

    guild: GuildRef | None
    channel: ChannelRef
    thread: ThreadRef | None
    kind: Literal["server", "dm", "group"]


def read_export(path: Path, *, include_bots: bool = False) -> Export:
    """Parse one export file whole; every problem becomes an `ExportError` naming file and field."""
    header, messages = open_export(path, include_bots=include_bots)
    return _export(header, messages)


def parse_export(data: Any, name: str, *, include_bots: bool = False) -> Export:
    """Turn decoded export JSON into an `Export`, checking the shape as it goes."""
    return _export(*_from_decoded(data, name, include_bots))


def open_export(
    path: Path, *, include_bots: bool = False, stream: bool = False
) -> tuple[ExportHeader, Iterator[PendingMessage]]:
    """A file's header and its kept kinds of message, each checked as it is iterated.

    Notices and (unless `include_bots`) bots' messages are skipped, but checked as far as
    deciding that needs. With `stream`, any problem is `Unstreamable` (see the module's doc).
    """
    if not stream:
        return _from_decoded(_decode(path), path.name, include_bots)
    document = JsonObjectStream(
        path, "messages", late_keys_refused=_HEADER_KEYS, parse_int=parse_int
    )
    try:
        header, reader = read_header(document.head, path.name, include_bots)
    except ExportError as exc:
        document.close()
        raise Unstreamable(str(exc)) from None
    return header, reader.pending(document.items(), streamed=True)


def _export(header: ExportHeader, messages: Iterable[PendingMessage]) -> Export:
    return Export(
        guild=header.guild,
        channel=header.channel,
        thread=header.thread,
        messages=[m.build() for m in messages],
        kind=header.kind,
    )


def _decode(path: Path) -> Any:
    name = path.name
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise ExportError(f"{name}: is a directory, not an export file") from None
    except OSError as exc:
        raise ExportError(f"{name}: cannot read: {exc.strerror}") from None
    try:
        return json.loads(raw, parse_int=parse_int)
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


def _from_decoded(
    data: Any, name: str, include_bots: bool
) -> tuple[ExportHeader, Iterator[PendingMessage]]:
    if not isinstance(data, dict):
        raise ExportError(f"{name}: expected a JSON object with guild, channel and messages")
    header, reader = read_header(data, name, include_bots)
    raw_messages = data.get("messages")
    need(isinstance(raw_messages, list), name, "messages", "missing or not a list")
    return header, reader.pending(raw_messages)


def read_header(data: dict[str, Any], name: str, include_bots: bool) -> tuple[ExportHeader, Reader]:
    """A file's header from its top-level keys, checked, and a reader of its messages."""
    guild_data = data.get("guild")
    guild = None
    if guild_data is not None:
        need(isinstance(guild_data, dict), name, "guild", "expected an object")
        guild = GuildRef.model_construct(
            id=snowflake(guild_data.get("id"), name, "guild.id"),
            name=nonempty_text(guild_data.get("name"), name, "guild.name"),
        )
    channel_data = data.get("channel")
    need(isinstance(channel_data, dict), name, "channel", "missing or not an object")
    kind: Literal["server", "dm", "group"] = _DM_TYPES.get(channel_data.get("type")) or (
        "dm" if guild is not None and guild.id == 0 else "server"
    )
    if kind != "server":
        guild = None  # "Direct Messages", id 0: not a server, and links to DMs use @me
    channel_id = snowflake(channel_data.get("id"), name, "channel.id")
    channel_name = nonempty_text(channel_data.get("name"), name, "channel.name")
    thread = None
    if channel_data.get("type") in _THREAD_TYPES and channel_data.get("categoryId"):
        # A thread export names the parent channel as the thread's "category".
        thread = ThreadRef.model_construct(id=channel_id, name=channel_name)
        channel = ChannelRef.model_construct(
            id=snowflake(channel_data.get("categoryId"), name, "channel.categoryId"),
            name=str(channel_data.get("category") or channel_data.get("categoryId")),
        )
    else:
        channel = ChannelRef.model_construct(id=channel_id, name=channel_name)
    header = ExportHeader(guild=guild, channel=channel, thread=thread, kind=kind)
    return header, Reader(name, header, include_bots)


class PendingMessage:
    """A checked message, not yet a `ChatMessage`: enough to decide whether it is kept.

    It holds the few raw values `build()` needs (mentions, previews), not the message's whole
    decoded object: thousands of those kept a while cost more in cache misses than checking.
    `build()` adds what only a kept message needs: mentions by name, link previews, its link.
    """

    __slots__ = (
        "_embeds",
        "_mentions",
        "_reader",
        "attachments",
        "author",
        "content",
        "created_at",
        "edited",
        "id",
        "reactions",
        "reply_to",
    )

    def __init__(
        self,
        reader: Reader,
        item: dict[str, Any],
        id: int,  # ChatMessage's name for it
        created_at: datetime,
        author: Author,
        content: str,
        reply_to: int | None,
        reactions: int,
        attachments: tuple[Attachment, ...],
    ) -> None:
        self._reader = reader
        self._mentions = item.get("mentions") if "<" in content else None
        self._embeds = item.get("embeds")
        self.id, self.created_at, self.author, self.content = id, created_at, author, content
        self.reply_to, self.reactions, self.attachments = reply_to, reactions, attachments
        self.edited = item.get("timestampEdited") is not None

    def build(self) -> ChatMessage:
        """The `ChatMessage` every engine reads."""
        reader, content = self._reader, self.content
        if "<" in content:
            content = reader.resolved(content, self._mentions)
        return ChatMessage.model_construct(
            id=self.id,
            channel=reader.header.channel,
            thread=reader.header.thread,
            author=self.author,
            content=content,
            created_at=self.created_at,
            edited=self.edited,
            reply_to=self.reply_to,
            reactions=self.reactions,
            attachments=self.attachments,
            embeds=link_previews(self._embeds),
            jump_url=reader.jump_base + str(self.id),
        )


class Reader:
    """Per-file state: the file's header, its link base and one `Author` per person."""

    def __init__(self, name: str, header: ExportHeader, include_bots: bool) -> None:
        self.name = name
        self.header = header
        self.include_bots = include_bots
        guild, thread = header.guild, header.thread
        self.jump_base = (
            f"https://discord.com/channels/{guild.id if guild else '@me'}/"
            f"{thread.id if thread else header.channel.id}/"
        )
        self.authors: dict[tuple[Any, Any, Any, Any], Author] = {}
        self.at = MessagePaths()
        # The channels a mention in this file can name for sure: its own (and its parent).
        self.channel_names = {header.channel.id: header.channel.name}
        if thread is not None:
            self.channel_names[thread.id] = thread.name

    def pending(self, items: Iterable[Any], *, streamed: bool = False) -> Iterator[PendingMessage]:
        """The kept kinds of message among `items`, checked, in file order.

        `streamed`: a bad message is `Unstreamable`, so the file is read again whole and the
        error is the one reading it whole gives (a syntax error further on comes first).
        """
        try:
            for index, item in enumerate(items):
                self.at.index = index
                message = self.check(item)
                if message is not None:
                    yield message
        except ExportError as exc:
            if not streamed:
                raise
            raise Unstreamable(str(exc)) from None

    def check(self, item: Any) -> PendingMessage | None:
        """Message `self.at.index` checked field by field; None for a notice or (usually) a bot."""
        name, at = self.name, self.at.of
        if not isinstance(item, dict):
            raise ExportError(f"{name}: {at['']}: expected an object")
        kind = item.get("type", "Default")
        if not isinstance(kind, str) or kind not in KEPT_TYPES:
            need(isinstance(kind, str), name, at[".type"], "expected text")
            return None  # a notice: a join, a pin, a boost
        author = self.author(item.get("author"))
        if author.is_bot and not self.include_bots:
            return None
        message_id = snowflake(item.get("id"), name, at[".id"])
        content = item.get("content", "")
        need(isinstance(content, str), name, at[".content"], "expected text")
        reference = item.get("reference")
        reply_to = None
        if reference is not None:
            need(isinstance(reference, dict), name, at[".reference"], "expected an object")
            target = reference.get("messageId")
            if target is not None:
                reply_to = snowflake(target, name, at[".reference.messageId"])
        return PendingMessage(
            self,
            item,
            message_id,
            timestamp(item.get("timestamp"), name, at[".timestamp"]),
            author,
            content,
            reply_to,
            reaction_count(item.get("reactions"), name, at[".reactions"]),
            attachments(item.get("attachments"), name, at[".attachments"]),
        )

    def resolved(self, content: str, listed: Any) -> str:
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

    def author(self, data: Any) -> Author:
        """The `Author` of an exported author object: checked, and one per person and name."""
        at = self.at.of
        need(isinstance(data, dict), self.name, at[".author"], "missing or not an object")
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
                id=snowflake(data.get("id"), self.name, at[".author.id"]),
                name=nonempty_text(display, self.name, at[".author.name"]),
                is_bot=bool(data.get("isBot", False)),
            )
            if key is not None:
                self.authors[key] = author
        return author
