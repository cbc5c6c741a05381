"""Members looked up by REST, remembered for a minute.

Without the privileged members intent the bot's cache never holds a schedule's creator or a
DM subscriber, so each run's access check fetched them: one request in five of a burst of
digests. Remembering a lookup for `ttl` seconds collapses a burst's repeats, at the price of
a role change taking up to that long to reach the checks. Runs that ask at the same moment
(a guild's schedules all due at once, run side by side) share the one request in flight:
its answer is as fresh as any of them would have got.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import discord

MEMBER_TTL_SECONDS = 60.0


class MemberLookup:
    """`guild.get_member`, else a remembered or fresh `fetch_member` (None: not a member)."""

    def __init__(self, clock: Callable[[], datetime], ttl: float = MEMBER_TTL_SECONDS) -> None:
        self.ttl = ttl
        self.clock = clock
        self._seen: dict[tuple[int, int], tuple[datetime, discord.Member | None]] = {}
        self._asking: dict[tuple[int, int], asyncio.Future[discord.Member | None]] = {}

    async def get(self, guild: discord.Guild, user_id: int) -> discord.Member | None:
        """The member, or None when they are not in the guild; other HTTP errors raise."""
        cached = guild.get_member(user_id)
        if cached is not None:
            return cached
        key = (guild.id, user_id)
        while True:
            now = self.clock()
            seen = self._seen.get(key)
            if seen is not None and (now - seen[0]).total_seconds() < self.ttl:
                return seen[1]
            asking = self._asking.get(key)
            if asking is None:
                break
            try:
                # shielded: a waiter cancelled (its run timed out) leaves the answer to others.
                return await asyncio.shield(asking)
            except _AskAgainError:
                continue  # the run that asked was cancelled: ask on our own
        asking = asyncio.get_running_loop().create_future()
        self._asking[key] = asking
        try:
            member = await self._fetch(guild, user_id)
        except BaseException as exc:
            # Those waiting get the same error; a cancellation of this run is not theirs.
            shared = exc if isinstance(exc, Exception) else _AskAgainError()
            self._settle(key, asking, error=shared)
            raise
        if self._settle(key, asking, member=member):
            self._remember(key, now, member)
        return member

    def _settle(
        self,
        key: tuple[int, int],
        asking: asyncio.Future[discord.Member | None],
        *,
        member: discord.Member | None = None,
        error: Exception | None = None,
    ) -> bool:
        """Answer those waiting; False when `forget` came meanwhile (the answer is stale)."""
        if error is not None:
            asking.set_exception(error)
            asking.exception()  # retrieved: an answer nobody waited for is no error
        else:
            asking.set_result(member)
        current = self._asking.get(key) is asking
        if current:
            del self._asking[key]
        return current

    @staticmethod
    async def _fetch(guild: discord.Guild, user_id: int) -> discord.Member | None:
        try:
            return await guild.fetch_member(user_id)
        except discord.NotFound:
            return None

    def _remember(self, key: tuple[int, int], now: datetime, member: discord.Member | None) -> None:
        if len(self._seen) > 10_000:
            self._seen = {
                k: v for k, v in self._seen.items() if (now - v[0]).total_seconds() < self.ttl
            }
        self._seen[key] = (now, member)

    def forget(self, guild_id: int, user_id: int) -> None:
        """Drop what is remembered of one member (they just acted: judge them afresh)."""
        self._seen.pop((guild_id, user_id), None)
        # A lookup already under way was asked before they acted: the next one asks anew.
        self._asking.pop((guild_id, user_id), None)


class _AskAgainError(Exception):
    """The run whose lookup others were waiting for was cancelled: they ask themselves."""
