"""Where messages come from: the `MessageSource` protocol and `ExportSource`.

`ExportSource` summarizes DiscordChatExporter exports: one file, or a directory of them (a
channel and its threads). Parsing one file lives in `summarizer.export`; this module puts the
files of a source together: one server (or direct messages) per source, each message once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence, Set
from datetime import datetime
from heapq import heappush, heapreplace
from pathlib import Path
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from summarizer.collection import paused_collection
from summarizer.errors import ExportError
from summarizer.export import (
    EARLIEST_DATE,
    KEPT_TYPES,
    LATEST_DATE,
    MAX_SNOWFLAKE,
    Export,
    ExportHeader,
    PendingMessage,
    Unstreamable,
    open_export,
    parse_export,
    read_export,
)
from summarizer.export_fast import Offer, open_fast
from summarizer.models import ChannelRef, ChatMessage, GuildRef, Summary
from summarizer.notes import mark_truncated

__all__ = [
    "EARLIEST_DATE",
    "KEPT_TYPES",
    "LATEST_DATE",
    "MAX_SNOWFLAKE",
    "Export",
    "ExportSource",
    "FetchResult",
    "MessageSource",
    "parse_export",
    "read_export",
]


class FetchResult(BaseModel):
    """A window of messages, oldest first, and whether the limit cut it short.

    `left_out` counts the window's messages the limit dropped, so a digest can say how many
    it did not read; a source that stops reading at the limit knows only a lower bound, and
    says so with `left_out_exact=False`. `title` is the source's own name for the window where
    "#channel" would be wrong (a conversation in direct messages). `first_at`, where the source
    knows it, is when the window's first message was said, kept or not: a digest of a cut
    window still starts there.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: list[ChatMessage] = Field(default_factory=list)
    truncated: bool = False
    left_out: int = Field(default=0, ge=0)
    left_out_exact: bool = True
    guild: GuildRef | None = None
    channels: list[ChannelRef] = Field(default_factory=list)
    title: str | None = None
    first_at: AwareDatetime | None = None

    def mark_truncation(self, summary: Summary, limit: int) -> Summary:
        """`summary` saying plainly what the limit left out of this window, if anything.

        A summary already marked (the summarizer cut it itself) keeps its own, exact note.
        """
        if not self.truncated or summary.truncated:
            return summary
        return mark_truncated(
            summary, limit=limit, left_out=self.left_out, exact=self.left_out_exact
        )

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
        """Read every file, keep `[start, end)` of the wanted channels, oldest first.

        A message exported twice (in two files, or twice in one) is read once, and a
        directory holding two servers (or a server and direct messages) is refused: one digest
        is one audience. With a `limit`, the most recent messages are kept and `left_out`
        counts the rest exactly; only kept messages become `ChatMessage`s, but every message
        of every file is checked, so a damaged file is refused whatever the window.
        """
        wanted = frozenset(channel_ids)
        with paused_collection():
            # Fast (msgspec batches), then streamed, then whole: a file one way cannot vouch
            # for, most often a damaged one, is read the next way, and read whole every file
            # gives the exact result, or the first error, as it always has.
            for way in ("fast", "stream"):
                try:
                    return self._load(start, end, wanted, limit, way=way)
                except Unstreamable:
                    continue
            return self._load(start, end, wanted, limit, way="whole")

    def _load(
        self,
        start: datetime | None,
        end: datetime | None,
        wanted: frozenset[int],
        limit: int | None,
        *,
        way: str,
    ) -> FetchResult:
        window = _Newest(start, end, limit)
        origin: ExportHeader | None = None  # the first file that says which server it is from
        kind = "server"
        channels: dict[int, ChannelRef] = {}
        for file in self.files():
            header, offer_all = self._open(file, way)
            if wanted and not (
                header.channel.id in wanted or (header.thread and header.thread.id in wanted)
            ):
                offer_all(_ignore)  # checked all the same: a damaged file is refused
                continue
            offer_all(window.offer)
            if _source_key(header) is not None:
                origin = origin or header
                self._same_source(origin, header)
            kind = origin.kind if origin else header.kind
            channels.setdefault(header.channel.id, header.channel)
        left_out = window.count - window.kept
        return FetchResult(
            messages=window.messages(),
            truncated=left_out > 0,
            left_out=left_out,
            guild=origin.guild if origin else None,
            channels=list(channels.values()),
            title=_direct_title(kind, list(channels.values())),
            first_at=window.first_at,
        )

    def _open(self, file: Path, way: str) -> tuple[ExportHeader, Callable[[Offer], None]]:
        """A file's header, and a function offering its kept messages to a window."""
        if way == "fast":
            return open_fast(file, include_bots=self.include_bots)
        header, messages = open_export(file, include_bots=self.include_bots, stream=way == "stream")

        def offer_all(offer: Offer) -> None:
            for message in messages:
                offer(message.created_at, message.id, PendingMessage.build, message)

        return header, offer_all

    def _same_source(self, first: ExportHeader, other: ExportHeader) -> None:
        """Refuse a directory mixing servers: their audiences differ, so do their digests."""
        if _source_key(first) == _source_key(other):
            return
        both = "two servers" if first.guild and other.guild else "a server and direct messages"
        raise ExportError(
            f"{self.path}: mixes exports of {both}: {_source_name(first)} and "
            f"{_source_name(other)}; summarize them separately"
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


def _source_key(export: ExportHeader) -> int | str | None:
    """The server an export belongs to: its guild id, "dm" for direct messages, else None."""
    if export.kind != "server":
        return "dm"
    return export.guild.id if export.guild else None


def _source_name(export: ExportHeader) -> str:
    if export.guild is not None:
        return f"{export.guild.name} ({export.guild.id})"
    return "direct messages"


def _direct_title(kind: str, channels: list[ChannelRef]) -> str | None:
    """A DM's title: "#Someone" would name a channel; the exporter names DMs by who is in them."""
    names = ", ".join(c.name for c in channels[:3])
    if kind == "server" or not channels:
        return None
    if len(channels) > 1:
        return f"Digest of direct messages ({names})"
    if kind == "dm":
        return f"Digest of a conversation with {names}"
    return f"Digest of a group chat ({names})"


class _Newest:
    """The newest `limit` messages of `[start, end)` in one pass, each message once.

    While messages come oldest first (an export's own order), the newest are the last
    `limit` seen, a deque that drops from its far end; the first message out of order (a
    thread after its channel in a directory) turns it into a heap, which keeps the newest in
    any order. Either way 100,000 messages cost the 5,000 kept in memory, and `count` is every
    message the window held, for an exact note on what the limit left out.
    """

    def __init__(self, start: datetime | None, end: datetime | None, limit: int | None) -> None:
        self.start, self.end, self.limit = start, end, limit
        self.count = 0
        self.first_at: datetime | None = None
        self._seen: set[int] = set()
        self._in_order: deque[_Entry] | None = deque(
            maxlen=None if limit is None else max(limit, 0)
        )
        self._last: _Entry | None = None
        self._heap: list[_Entry] = []

    def offer(
        self, at: datetime, message_id: int, build: Callable[[Any], ChatMessage], raw: Any
    ) -> None:
        """Count a message if it is in the window, and keep it while it is among the newest.

        Only a kept message is built (`build(raw)`), when the window is read.
        """
        if (self.start is not None and at < self.start) or (
            self.end is not None and at >= self.end
        ):
            return
        if message_id in self._seen:
            return
        self._seen.add(message_id)
        self.count += 1
        entry = (at, message_id, build, raw)  # ids are unique here: builds never compare
        if self._in_order is not None:
            if self._last is None or entry > self._last:
                if self._last is None:
                    self.first_at = at
                self._last = entry
                self._in_order.append(entry)
                return
            self._heap = list(self._in_order)  # oldest first: already a heap
            self._in_order = None
        if self.first_at is None or at < self.first_at:
            self.first_at = at
        if self.limit is None or len(self._heap) < self.limit:
            heappush(self._heap, entry)
        elif self._heap and entry > self._heap[0]:
            heapreplace(self._heap, entry)

    @property
    def kept(self) -> int:
        """How many messages are kept (at most `limit`)."""
        return len(self._heap) if self._in_order is None else len(self._in_order)

    def messages(self) -> list[ChatMessage]:
        """The kept messages as `ChatMessage`s, oldest first."""
        kept = sorted(self._heap) if self._in_order is None else self._in_order
        return [build(raw) for _, _, build, raw in kept]


def _ignore(at: datetime, message_id: int, build: Callable[[Any], ChatMessage], raw: Any) -> None:
    """An `Offer` that keeps nothing: for a file of another channel, checked all the same."""


_Entry = tuple[datetime, int, Callable[[Any], ChatMessage], Any]
