"""Where messages come from: the `MessageSource` protocol and DiscordChatExporter exports.

`ExportSource` reads the JSON that Tyrrrz/DiscordChatExporter writes (one file per channel or
thread). Loading is on the speed bench's critical path, so each message is checked by hand
(field by field, with an error naming the file and the JSON path) and then built with
`model_construct`, which skips pydantic's second, slower validation of the same data.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence, Set
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from summarizer.errors import ExportError
from summarizer.models import Attachment, Author, ChannelRef, ChatMessage, GuildRef, ThreadRef

# Everything else the exporter writes (GuildMemberJoin, ChannelPinnedMessage,
# GuildBoost…, ThreadCreated, RecipientAdd, Call…) is a notice, not something anyone said.
KEPT_TYPES = frozenset({"Default", "Reply", "ChatInputCommand", "ContextMenuCommand"})
_THREAD_TYPES = frozenset({"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"})
# Discord ids are 64-bit, held as signed everywhere (SQLite too); none reaches 2**63 before 2084.
MAX_SNOWFLAKE = 2**63 - 1
_SNOWFLAKE_DIGITS = len(str(MAX_SNOWFLAKE))
# Message times as written, within a schedule's date bounds: further out, converting to UTC
# (year 1 at +05:00) or the summary's window arithmetic (9999-12-31 plus 1 µs) overflows.
EARLIEST_DATE, LATEST_DATE = date(1970, 1, 1), date(9000, 12, 31)
_MAX_INT_DIGITS = 40  # longer integer literals become `_HugeNumber`s, never converted


class FetchResult(BaseModel):
    """A window of messages, oldest first, and whether the limit cut it short."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: list[ChatMessage] = Field(default_factory=list)
    truncated: bool = False
    guild: GuildRef | None = None
    channels: list[ChannelRef] = Field(default_factory=list)

    def without_authors(self, user_ids: Set[int]) -> FetchResult:
        """The window without these members' messages (opted out of every summary).

        One place for schedules and `/summary now` alike: not summarized, counted or quoted.
        """
        if not user_ids:
            return self
        kept = [m for m in self.messages if m.author.id not in user_ids]
        return self.model_copy(update={"messages": kept})


class MessageSource(Protocol):
    """Anything that can fetch `[start, end)` of some channels' history (threads included)."""

    async def fetch(
        self,
        channel_ids: Sequence[int],
        start: datetime,
        end: datetime,
        *,
        limit: int,
        include_threads: bool = True,
        private_threads: Callable[[Any], Awaitable[bool]] | None = None,
    ) -> FetchResult:
        """At most `limit` messages (the most recent ones when more exist), oldest first.

        With `include_threads`, messages of the channels' threads are part of the window.
        A part of a source with an audience of its own (a private thread) is included only
        when `private_threads` says yes for it; sources without such parts ignore it.
        """


class ExportSource:
    """DiscordChatExporter JSON exports: one file, or every `*.json` in a directory."""

    def __init__(self, path: str | Path, *, include_bots: bool = False) -> None:
        self.path = Path(path)
        self.include_bots = include_bots

    def files(self) -> list[Path]:
        """The export files this source reads, in a stable order."""
        if self.path.is_dir():
            found = sorted(p for p in self.path.iterdir() if p.suffix.lower() == ".json")
            if not found:
                raise ExportError(f"{self.path}: no .json exports in this directory")
            return found
        if not self.path.exists():
            raise ExportError(f"{self.path}: no such file or directory")
        return [self.path]

    def load(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        channel_ids: Iterable[int] = (),
        limit: int | None = None,
    ) -> FetchResult:
        """Read every file, keep `[start, end)` of the wanted channels, oldest first."""
        wanted = frozenset(channel_ids)
        messages: list[ChatMessage] = []
        guild: GuildRef | None = None
        channels: dict[int, ChannelRef] = {}
        for file in self.files():
            export = read_export(file, include_bots=self.include_bots)
            if wanted and not (
                export.channel.id in wanted or (export.thread and export.thread.id in wanted)
            ):
                continue
            guild = guild or export.guild
            channels.setdefault(export.channel.id, export.channel)
            messages.extend(
                m
                for m in export.messages
                if (start is None or m.created_at >= start) and (end is None or m.created_at < end)
            )
        messages.sort(key=lambda m: (m.created_at, m.id))
        truncated = limit is not None and len(messages) > limit
        if truncated:
            messages = messages[len(messages) - limit :]
        return FetchResult(
            messages=messages, truncated=truncated, guild=guild, channels=list(channels.values())
        )

    async def fetch(
        self,
        channel_ids: Sequence[int],
        start: datetime,
        end: datetime,
        *,
        limit: int,
        include_threads: bool = True,
        private_threads: Callable[[Any], Awaitable[bool]] | None = None,
    ) -> FetchResult:
        """The protocol method; an empty `channel_ids` means every channel in the export.

        An export is its reader's own file: every thread in it is theirs to summarize, so
        `private_threads` is not asked.
        """
        loaded = self.load(start, end, channel_ids=channel_ids, limit=limit)
        if include_threads:
            return loaded
        return loaded.model_copy(
            update={"messages": [m for m in loaded.messages if m.thread is None]}
        )


class Export(BaseModel):
    """One parsed export file: its guild, channel (and thread) and the kept messages."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    guild: GuildRef | None
    channel: ChannelRef
    thread: ThreadRef | None
    messages: list[ChatMessage]


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
    return Export(guild=guild, channel=channel, thread=thread, messages=messages)


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
            jump_url=self.jump_base + str(message_id),
        )

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
