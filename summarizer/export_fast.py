"""An export's messages read in batches into typed structs: most field checks done by msgspec.

`summarizer.export` checks each message field by field in Python, which costs more than parsing
it. Here msgspec decodes a megabyte of messages at a time (`summarizer.json_batches`) into the
structs below, whose types hold a subset of what those checks accept: text where text belongs,
whole counts, lists of objects, a reply's id of ASCII digits below 2**63. What is left for
Python is a message's time and id (checked as `export_fields.timestamp` and `snowflake` check
them: the common time inline, any other through `timestamp` itself) and its author, once per
person; the rest waits until the message is kept.

Whatever the types refuse (an id given as a number, a count of 1.0, a lone surrogate) or the
checks refuse is `Unstreamable`, never an error: the caller then reads the file the careful
way, which accepts what it accepts and names the first problem exactly as it always has.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from summarizer.context import link_previews
from summarizer.errors import ExportError
from summarizer.export import KEPT_TYPES, ExportHeader, Reader, read_header
from summarizer.export_fields import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_SNOWFLAKE,
    parse_int,
    snowflake,
    timestamp,
)
from summarizer.json_batches import JsonArrayBatches
from summarizer.json_stream import Unstreamable
from summarizer.models import Attachment, Author, ChatMessage

# ASCII digits that `int` turns into at most MAX_SNOWFLAKE (2**63 - 1): up to 18 digits, or 19
# starting 0-8. A larger id in range (9xxx…, 19 digits) goes the careful way.
_Id = Annotated[str, Meta(pattern=r"\A(?:[0-9]{1,18}|[0-8][0-9]{18})\Z")]
_Count = Annotated[int, Meta(ge=0, le=MAX_SNOWFLAKE)]
# A time in a year strictly between these is within the dates a message can have.
_FIRST_YEAR, _LAST_YEAR = EARLIEST_DATE.year, LATEST_DATE.year


class _Author(Struct, frozen=True, gc=False):
    """The exporter's author; frozen, so it is its own key in the per-file author cache.

    Its id is checked (by `Reader.author`) once per person, when the cache misses.
    """

    id: str
    name: str | None = None
    nickname: str | None = None
    isBot: bool = False


class _Reference(Struct, gc=False):
    messageId: _Id | None = None


class _Reaction(Struct, gc=False):
    count: _Count = 0


class _Attachment(Struct, gc=False):
    url: str
    fileName: str | None = None


class _Embed(Struct, gc=False):
    """Only what `link_previews` reads of an embed."""

    url: Any = None
    title: Any = None


class _Mentioned(Struct, gc=False):
    """Only what `Reader.resolved` reads of a mentioned member."""

    id: Any = None
    name: Any = None
    nickname: Any = None


class _Message(Struct, gc=False):
    """One exported message as the fast path accepts it (unknown keys are skipped).

    Lists are tuples: an empty one is a shared constant, not 400,000 lists for the collector.
    The id is checked by `export_fields.snowflake` where the careful way checks it.
    """

    id: str
    author: _Author
    timestamp: str
    type: str = "Default"
    content: str = ""
    timestampEdited: Any = None
    reference: _Reference | None = None
    reactions: tuple[_Reaction, ...] | None = None
    attachments: tuple[_Attachment, ...] | None = None
    embeds: tuple[_Embed, ...] | None = None
    mentions: tuple[_Mentioned, ...] | None = None


_DECODER = msgspec.json.Decoder(list[_Message])
# How the exporter begins a message (an author's roles, attachments, mentions: "id", "name"…).
_MESSAGE_START = rb'\{[ \t\n\r]*"id"[ \t\n\r]*:[ \t\n\r]*"[0-9]*"[ \t\n\r]*,[ \t\n\r]*"type"'
# Kept messages go to `offer(created_at, id, build, raw)`; `build(raw)` makes the ChatMessage.
Offer = Callable[[datetime, int, Callable[[Any], ChatMessage], Any], None]


def open_fast(
    path: Path, *, include_bots: bool = False
) -> tuple[ExportHeader, Callable[[Offer], None]]:
    """A file's header, and a function that offers each of its kept messages, checked.

    Raises `Unstreamable` (now or while offering) for anything the fast path cannot vouch for.
    """
    document = JsonArrayBatches(
        path,
        "messages",
        _DECODER,
        late_keys_refused=("guild", "channel"),
        parse_int=parse_int,
        item_start=_MESSAGE_START,
    )
    try:
        header, reader = read_header(document.head, path.name, include_bots)
    except ExportError as exc:
        document.close()
        raise Unstreamable(str(exc)) from None
    fast = _FastReader(reader)

    def offer_all(offer: Offer) -> None:
        try:
            for batch in document.batches():
                fast.offer_all(batch, offer)
        except ExportError as exc:
            raise Unstreamable(str(exc)) from None

    return header, offer_all


class _FastReader:
    """Per-file state of the fast path: the careful reader's, and an author per `_Author`."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.authors: dict[_Author, Author] = {}

    def offer_all(self, batch: list[_Message], offer: Offer) -> None:
        """Offer the kept kinds of message of `batch`: what `Reader.check` keeps, in order."""
        authors, name, build = self.authors, self.reader.name, self.build
        include_bots, kept = self.reader.include_bots, KEPT_TYPES
        parse, utc = datetime.fromisoformat, UTC
        for message in batch:
            if message.type not in kept:
                continue  # a notice: a join, a pin, a boost
            author = authors.get(message.author)
            if author is None:
                author = self._author(message.author)
            if author.is_bot and not include_bots:
                continue
            # `export_fields.timestamp`, inline for a time well inside the dates a message can
            # have (a Python call per message is a tenth of reading a large export); any other
            # time goes through it, and it names the problem exactly.
            try:
                at = parse(message.timestamp)
            except ValueError:
                at = None
            if at is None or at.tzinfo is None or not _FIRST_YEAR < at.year < _LAST_YEAR:
                at = timestamp(message.timestamp, name, "timestamp")
            elif at.tzinfo is not utc:
                at = at.astimezone(utc)
            offer(at, snowflake(message.id, name, "id"), build, message)

    def build(self, message: _Message) -> ChatMessage:
        """The `ChatMessage` of a kept message, as `PendingMessage.build` makes it."""
        reader, content = self.reader, message.content
        if "<" in content:
            mentioned = message.mentions
            listed = (
                None
                if mentioned is None
                else [{"id": m.id, "name": m.name, "nickname": m.nickname} for m in mentioned]
            )
            content = reader.resolved(content, listed)
        reference, reactions = message.reference, message.reactions
        embeds = message.embeds
        message_id = int(message.id)
        return ChatMessage.model_construct(
            id=message_id,
            channel=reader.header.channel,
            thread=reader.header.thread,
            author=self.authors[message.author],
            content=content,
            created_at=timestamp(message.timestamp, reader.name, "timestamp"),
            edited=message.timestampEdited is not None,
            reply_to=int(reference.messageId)
            if reference is not None and reference.messageId is not None
            else None,
            reactions=sum(r.count for r in reactions) if reactions else 0,
            attachments=tuple(
                Attachment.model_construct(name=str(a.fileName or a.url), url=a.url)
                for a in message.attachments or ()
            ),
            embeds=link_previews(
                [{"url": e.url, "title": e.title} for e in embeds] if embeds is not None else None
            ),
            jump_url=reader.jump_base + str(message_id),
        )

    def _author(self, found: _Author) -> Author:
        """The careful reader's `Author` for a new person (its checks, its cache)."""
        author = self.reader.author(
            {"id": found.id, "name": found.name, "nickname": found.nickname, "isBot": found.isBot}
        )
        self.authors[found] = author
        return author
