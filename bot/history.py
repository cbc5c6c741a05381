"""DiscordHistorySource: a window of channel and thread history, read through discord.py.

Each source (the channel itself, then its threads: active ones and archived ones whose
archive time falls inside the window) is read newest first, at most `limit + 1` messages, so
a busy channel costs a bounded number of requests; the sources are merged and the newest
`limit` kept, which is what a reader of the digest has not seen yet. Forum channels have no
messages of their own: their posts are threads. Active threads come from discord.py's cache,
archived ones from `bot.threads` (listed over REST once per channel, then kept by gateway
events). Archived private threads need Manage Threads; without it they are left out rather
than failing the run, as is a thread deleted while the run read it.

A private thread is its own, narrower audience: the bot may see it (it was added, or it
manages threads) where the digest's readers may not. The caller says which to include
(`private_threads`, see `bot.privacy`); without a say, none is.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from summarizer import mentions
from summarizer.models import (
    Attachment,
    Author,
    ChannelRef,
    ChatMessage,
    GuildRef,
    LinkPreview,
    ThreadRef,
)
from summarizer.sources import FetchResult

if TYPE_CHECKING:
    from bot.app import SummaryBot

log = logging.getLogger(__name__)

# Regular messages, replies and slash-command invocations are what people said; joins, pins
# and boosts are notices.
KEPT_TYPES = frozenset(
    {
        discord.MessageType.default,
        discord.MessageType.reply,
        discord.MessageType.chat_input_command,
        discord.MessageType.context_menu_command,
    }
)

Progress = Callable[[int], None]
# Asked about each private thread under a source: may the digest include it?
ThreadFilter = Callable[[Any], Awaitable[bool]]


class SourceUnavailableError(Exception):
    """A source channel is gone or unreadable; the message says which and why."""


def to_chat_message(message: discord.Message) -> ChatMessage:
    """discord.py's message as the summarizer's model (thread messages name their parent)."""
    channel = message.channel
    thread: ThreadRef | None = None
    parent: Any = channel
    if isinstance(channel, discord.Thread):
        thread = ThreadRef(id=channel.id, name=channel.name)
        parent = channel.parent or channel
    author = message.author
    reply = message.reference.message_id if message.reference else None
    return ChatMessage.model_construct(
        id=message.id,
        channel=ChannelRef(id=parent.id, name=getattr(parent, "name", str(parent.id))),
        thread=thread,
        author=Author(id=author.id, name=author.display_name, is_bot=author.bot),
        content=readable_content(message),
        created_at=message.created_at,
        edited=message.edited_at is not None,
        reply_to=reply,
        reactions=sum(reaction.count for reaction in message.reactions),
        attachments=tuple(Attachment(name=a.filename, url=a.url) for a in message.attachments),
        embeds=tuple(
            LinkPreview(url=e.url or None, title=e.title or "")
            for e in message.embeds
            if e.url or e.title
        ),
        jump_url=message.jump_url,
    )


def readable_content(message: discord.Message) -> str:
    """The text with mentions as names (`@Ann`, `@Admins`, `#general`), as members read it.

    Names come from the message's own mention lists, then from the guild cache: a message
    sent without pinging (a bot's, with allowed_mentions none) lists nobody it mentions. The
    names are text only (a digest never pings); one nobody can name reads as its kind.
    """
    content = message.content
    if "<" not in content:
        return content
    users = {user.id: user.display_name for user in message.mentions}
    roles = {role.id: role.name for role in message.role_mentions}
    channels = {channel.id: channel.name for channel in message.channel_mentions}
    guild = message.guild
    if guild is not None:
        for user_id in set(message.raw_mentions) - users.keys():
            if (member := guild.get_member(user_id)) is not None:
                users[user_id] = member.display_name
        for role_id in set(message.raw_role_mentions) - roles.keys():
            if (role := guild.get_role(role_id)) is not None:
                roles[role_id] = role.name
    return mentions.resolve(content, users=users, roles=roles, channels=channels)


class DiscordHistorySource:
    """The bot's `MessageSource`: what a schedule's channels said in `[start, end)`."""

    def __init__(self, bot: SummaryBot) -> None:
        self.bot = bot

    async def fetch(
        self,
        channel_ids: Sequence[int],
        start: datetime,
        end: datetime,
        *,
        limit: int,
        include_threads: bool = True,
        progress: Progress | None = None,
        private_threads: ThreadFilter | None = None,
    ) -> FetchResult:
        """At most `limit` messages (the newest when more exist), oldest first."""
        collected: list[list[ChatMessage]] = []
        refs: list[ChannelRef] = []
        guild: GuildRef | None = None
        read = 0
        exact = True  # False once a source had more to read than the limit let it
        # Windows tile time as [start, end): a message in the very millisecond a window starts
        # belongs to it. discord.py turns an `after` datetime into an exclusive bound on that
        # millisecond, which would drop such a message from both neighbouring windows.
        after = discord.Object(id=discord.utils.time_snowflake(start, high=False) - 1)
        before = discord.Object(id=discord.utils.time_snowflake(end, high=False))
        for channel_id in channel_ids:
            channel = await self._channel(channel_id)
            refs.append(ChannelRef(id=channel.id, name=getattr(channel, "name", str(channel.id))))
            if guild is None and getattr(channel, "guild", None) is not None:
                guild = GuildRef(id=channel.guild.id, name=channel.guild.name)
            async for source in self._sources(channel, start, include_threads, private_threads):
                batch: list[ChatMessage] = []
                from_source = 0
                try:
                    async for message in source.history(
                        limit=limit + 1, before=before, after=after, oldest_first=False
                    ):
                        if message.type in KEPT_TYPES:
                            batch.append(to_chat_message(message))
                        read += 1
                        from_source += 1
                        if progress is not None and read % 100 == 0:
                            progress(read)
                except discord.NotFound:
                    if source is channel:
                        raise
                    # A thread deleted since it was listed: nothing of it is left to read.
                    log.info("thread %s under %s is gone; left out", source.id, channel.id)
                    self.bot.threads.drop(channel.id, source.id)
                    continue
                # Reading stopped at the limit: older messages of this source may remain.
                exact = exact and from_source <= limit
                batch.reverse()
                collected.append(batch)
        merged = list(heapq.merge(*collected, key=lambda m: (m.created_at, m.id)))
        left_out = max(0, len(merged) - limit)
        if left_out:
            merged = merged[left_out:]
        if progress is not None:
            progress(read)
        return FetchResult(
            messages=merged,
            truncated=left_out > 0,
            left_out=left_out,
            left_out_exact=exact,
            guild=guild,
            channels=refs,
        )

    async def _channel(self, channel_id: int) -> Any:
        channel = self.bot.get_channel(channel_id)
        if channel is not None:
            return channel
        try:
            return await self.bot.fetch_channel(channel_id)
        except discord.NotFound as exc:
            raise SourceUnavailableError(f"channel {channel_id} no longer exists") from exc
        except discord.Forbidden as exc:
            raise SourceUnavailableError(f"the bot cannot see channel {channel_id}") from exc

    @staticmethod
    def _may_list_private(channel: Any) -> bool:
        guild = getattr(channel, "guild", None)
        if guild is None or guild.me is None:
            return False
        return bool(channel.permissions_for(guild.me).manage_threads)

    async def _sources(
        self,
        channel: Any,
        start: datetime,
        include_threads: bool,
        private_threads: ThreadFilter | None,
    ) -> AsyncIterator[Any]:
        """The channel (unless it is a forum) and, when asked, its threads in the window."""
        if not isinstance(channel, discord.ForumChannel | discord.CategoryChannel):
            yield channel
        if not include_threads or isinstance(channel, discord.Thread):
            return
        threads = getattr(channel, "threads", None)
        if threads is None:
            return
        seen: set[int] = set()
        for thread in list(threads):
            seen.add(thread.id)
            if await _may_include(thread, private_threads):
                yield thread
        # Forum posts are always public threads. Archived private threads need Manage Threads
        # to list and to read: asking without it is a 403 on every run, and invalid requests
        # count towards Cloudflare's ban.
        kinds = [False]
        if not isinstance(channel, discord.ForumChannel) and self._may_list_private(channel):
            kinds.append(True)
        for private in kinds:
            for thread in await self.bot.threads.archived(channel, start, private=private):
                if thread.id not in seen:
                    seen.add(thread.id)
                    if await _may_include(thread, private_threads):
                        yield thread


async def _may_include(thread: Any, private_threads: ThreadFilter | None) -> bool:
    """Public threads share their parent's audience; a private one only when allowed."""
    if not thread.is_private():
        return True
    return private_threads is not None and await private_threads(thread)
