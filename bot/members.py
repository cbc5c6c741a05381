"""Members looked up by REST, remembered for a minute.

Without the privileged members intent the bot's cache never holds a schedule's creator or a
DM subscriber, so each run's access check fetched them: one request in five of a burst of
digests. Remembering a lookup for `ttl` seconds collapses a burst's repeats, at the price of
a role change taking up to that long to reach the checks.
"""

from __future__ import annotations

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

    async def get(self, guild: discord.Guild, user_id: int) -> discord.Member | None:
        """The member, or None when they are not in the guild; other HTTP errors raise."""
        cached = guild.get_member(user_id)
        if cached is not None:
            return cached
        key = (guild.id, user_id)
        now = self.clock()
        seen = self._seen.get(key)
        if seen is not None and (now - seen[0]).total_seconds() < self.ttl:
            return seen[1]
        try:
            member: discord.Member | None = await guild.fetch_member(user_id)
        except discord.NotFound:
            member = None
        if len(self._seen) > 10_000:
            self._seen = {
                k: v for k, v in self._seen.items() if (now - v[0]).total_seconds() < self.ttl
            }
        self._seen[key] = (now, member)
        return member

    def forget(self, guild_id: int, user_id: int) -> None:
        """Drop what is remembered of one member (they just acted: judge them afresh)."""
        self._seen.pop((guild_id, user_id), None)
