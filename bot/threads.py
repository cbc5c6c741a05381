"""Which archived threads each source channel has, listed once and then kept by gateway events.

discord.py caches active threads (GUILD_CREATE, THREAD_CREATE/UPDATE/DELETE, THREAD_LIST_SYNC)
but drops a thread from its cache when it is archived, so a digest used to list the channel's
archived threads over REST on every run: one extra request per source per run, a third of a
burst's requests. Here a channel's archived threads start *unknown*; the first read lists them
once, down to the window's start, and from then on the gateway keeps the list current: a
thread archived (THREAD_UPDATE) is added, one unarchived or deleted is dropped.

Knowledge is only as good as the events behind it, so it is forgotten whenever events may have
been missed or access changed: on every disconnect, connect and resume; for a guild that comes
back from an outage or is left; and everywhere on THREAD_LIST_SYNC, which Discord sends when the
bot gains access to channels (discord.py dispatches no event of its own for it, and the raw
type carries no guild). A thread archived before start-up, or while the bot was away, is
therefore always found by a listing. A listing covers threads archived at or after its cut-off
(`complete_since`); a read reaching further back lists again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from discord.ext import commands

log = logging.getLogger(__name__)

# Archived threads older than this are forgotten (and the channel's knowledge is then only
# complete from this far back): the longest window the defaults produce is a week
# (`scheduling.max_lookback_hours` = 168); a read reaching further lists the channel again.
RETAIN = timedelta(days=8)
PRUNE_EVERY = timedelta(hours=1)
BEGINNING = datetime.min.replace(tzinfo=UTC)


@dataclass
class _Known:
    """One parent channel: its archived threads and how far back that list is complete."""

    archived: dict[int, Any] = field(default_factory=dict)
    # Per kind (private?): the cut-off of the last complete listing; absent means unknown.
    complete_since: dict[bool, datetime] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Threads an event changed while a listing was under way: the event is newer.
    listing: bool = False
    touched: set[int] = field(default_factory=set)


class ThreadTracker:
    """Archived threads per parent channel: `archived()` lists once, events keep it current."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.listings = 0  # REST listings started (tests and the bench read it)
        self._known: dict[int, _Known] = {}
        self._pruned = BEGINNING

    def register(self, bot: commands.Bot) -> None:
        """Follow the gateway events that change a channel's threads or what is known."""
        bot.add_listener(self.on_thread_create, "on_thread_create")
        bot.add_listener(self.on_thread_join, "on_thread_join")
        bot.add_listener(self.on_thread_update, "on_thread_update")
        bot.add_listener(self.on_raw_thread_delete, "on_raw_thread_delete")
        bot.add_listener(self.on_guild_channel_delete, "on_guild_channel_delete")
        bot.add_listener(self.on_guild_available, "on_guild_available")
        bot.add_listener(self.on_guild_remove, "on_guild_remove")
        bot.add_listener(self.on_socket_event_type, "on_socket_event_type")
        for event in ("on_connect", "on_disconnect", "on_resumed"):
            bot.add_listener(self.forget_all, event)

    # --- reading ------------------------------------------------------------------------

    def is_known(self, channel_id: int, *, private: bool = False) -> bool:
        """Whether the channel's archived threads (of that kind) were listed and kept since."""
        known = self._known.get(channel_id)
        return known is not None and private in known.complete_since

    async def archived(self, channel: Any, start: datetime, *, private: bool) -> list[Any]:
        """The channel's archived threads of that kind archived at or after `start`.

        Lists over REST only when that is not known from `start` on (one listing at a time per
        channel: runs reading the same channel at once share it). A refused or failed listing
        leaves the channel unknown, so the next run asks again, as before.
        """
        self._prune()
        known = self._known.setdefault(channel.id, _Known())
        async with known.lock:
            since = known.complete_since.get(private)
            if since is None or start < since:
                await self._list(channel, known, start, private=private)
        found = [
            thread
            for thread in known.archived.values()
            if thread.is_private() == private
            and (thread.archive_timestamp is None or thread.archive_timestamp >= start)
        ]
        found.sort(key=lambda t: t.archive_timestamp or BEGINNING, reverse=True)
        return found

    async def _list(self, channel: Any, known: _Known, start: datetime, *, private: bool) -> None:
        # Forum posts are always public threads: ForumChannel.archived_threads has no `private`.
        kind: dict[str, bool] = {"private": True} if private else {}
        known.listing, known.touched = True, set()
        self.listings += 1
        listed: list[Any] = []
        complete = BEGINNING
        try:
            async for thread in channel.archived_threads(limit=None, **kind):
                archived_at = thread.archive_timestamp
                if archived_at is not None and archived_at < start:
                    complete = start  # newest archived first: the rest ended before `start`
                    break
                listed.append(thread)
        except discord.Forbidden:
            log.debug("channel %s: no access to archived threads (private=%s)", channel.id, private)
            return
        except discord.HTTPException as exc:
            log.info("channel %s: archived threads unavailable: %s", channel.id, exc)
            return
        finally:
            known.listing = False
            for thread in listed:
                if thread.id not in known.touched:
                    known.archived[thread.id] = thread
        known.complete_since[private] = complete

    def _prune(self) -> None:
        """Drop threads archived before the horizon; knowledge then starts at the horizon."""
        now = self.clock()
        if now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        horizon = now - RETAIN
        for known in self._known.values():
            known.archived = {
                thread_id: thread
                for thread_id, thread in known.archived.items()
                if thread.archive_timestamp is None or thread.archive_timestamp >= horizon
            }
            for kind, since in known.complete_since.items():
                known.complete_since[kind] = max(since, horizon)

    # --- events -------------------------------------------------------------------------

    def note(self, thread: Any) -> None:
        """A thread as the gateway shows it now: archived ones are kept, active ones dropped.

        Only channels already listed (or being listed) are followed: the others are listed,
        events included, the first time a digest reads them.
        """
        known = self._known.get(thread.parent_id)
        if known is None:
            return
        if known.listing:
            known.touched.add(thread.id)
        if thread.archived:
            known.archived[thread.id] = thread
        else:
            # Active: discord.py caches it in `channel.threads`, where the history source reads.
            known.archived.pop(thread.id, None)

    def drop(self, parent_id: int | None, thread_id: int) -> None:
        """A thread that is gone."""
        known = self._known.get(parent_id) if parent_id is not None else None
        candidates = [known] if known is not None else list(self._known.values())
        for entry in candidates:
            if entry.listing:
                entry.touched.add(thread_id)
            entry.archived.pop(thread_id, None)

    def forget_channel(self, channel_id: int) -> None:
        """Know nothing of one channel: its next read lists it."""
        self._known.pop(channel_id, None)

    def forget_guild(self, guild: discord.Guild) -> None:
        """Know nothing of a guild's channels."""
        for channel_id in {c.id for c in guild.channels} & self._known.keys():
            del self._known[channel_id]

    async def forget_all(self, *_: object) -> None:
        """Know nothing: events may have been missed (a disconnect, a resume, a new session)."""
        if self._known:
            log.debug("forgetting the archived threads of %d channels", len(self._known))
        self._known = {}

    async def on_thread_create(self, thread: discord.Thread) -> None:
        """A new thread (active: discord.py caches it)."""
        self.note(thread)

    async def on_thread_join(self, thread: discord.Thread) -> None:
        """A thread discord.py had not cached: updated (archived or not), synced, or joined."""
        self.note(thread)

    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        """A cached thread changed; archived, discord.py drops it from its cache."""
        self.note(after)

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A thread was deleted, cached or not."""
        self.drop(payload.parent_id, payload.thread_id)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A parent channel went."""
        self.forget_channel(channel.id)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A guild back from an outage: its events in between never arrived."""
        self.forget_guild(guild)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Out of a guild: nothing of it stays current."""
        self.forget_guild(guild)

    async def on_socket_event_type(self, event_type: str) -> None:
        """THREAD_LIST_SYNC: the bot gained access to channels whose threads it did not see."""
        if event_type == "THREAD_LIST_SYNC":
            await self.forget_all()
