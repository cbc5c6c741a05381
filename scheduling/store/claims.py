"""Which process serves which shards: PostgreSQL session-level advisory locks, one per shard.

The locks live on a connection of their own, kept open for the life of the process: a process
that dies, even by `kill -9`, drops the connection and the server frees its shards at once.
No heartbeat table, no coordinator: the database already knows which sessions are alive.
Each lock is a pair of 32-bit keys: `(namespace of the shard count, shard)`, so plans with
different shard counts never mistake each other's locks. The holder of a lock is told by the
`application_name` of its session (`summarybot host:pid shards 0-3 of 16`).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable
from typing import Self

import asyncpg

from scheduling.errors import StoreError
from scheduling.shards import MAX_SHARDS, ShardPlan, format_shards
from scheduling.store.postgres import redacted

# 'SB' in the high bytes; the shard count below them.
_NAMESPACE = 0x5342_0000


def _namespace(count: int) -> int:
    return _NAMESPACE + count


def _process_name() -> str:
    return f"summarybot {socket.gethostname()}:{os.getpid()}"


class ShardLocks:
    """This process's claim on its shards (PostgreSQL only)."""

    def __init__(self, connection: asyncpg.Connection, count: int) -> None:
        self._db = connection
        self.count = count
        self.held: ShardPlan | None = None
        self._lost: list[Callable[[], None]] = []
        connection.add_termination_listener(self._terminated)

    @classmethod
    async def connect(cls, url: str, password: str | None, count: int) -> Self:
        """A dedicated session for the locks, named after this process."""
        try:
            connection = await asyncpg.connect(
                url,
                password=password or None,
                server_settings={"application_name": _process_name()},
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            raise StoreError(f"{redacted(url)}: cannot connect to PostgreSQL: {exc}") from None
        return cls(connection, count)

    def on_lost(self, callback: Callable[[], None]) -> None:
        """Call `callback` if the session ends under us: the shards are no longer ours."""
        self._lost.append(callback)

    def _terminated(self, _connection: object) -> None:
        if self.held is not None:
            for callback in self._lost:
                callback()

    async def try_take(self, plan: ShardPlan) -> bool:
        """Take every shard of `plan`, or none of them (then False)."""
        if plan.count != self.count:
            raise ValueError(f"a plan of {plan.count} shards on locks of {self.count}")
        taken: list[int] = []
        for shard in plan.shards:
            got = await self._db.fetchval(
                "SELECT pg_try_advisory_lock($1, $2)", _namespace(self.count), shard
            )
            if not got:
                for back in taken:
                    await self._db.execute(
                        "SELECT pg_advisory_unlock($1, $2)", _namespace(self.count), back
                    )
                return False
            taken.append(shard)
        self.held = plan
        await self._db.execute(
            "SELECT set_config('application_name', $1, false)",
            f"{_process_name()} shards {plan.describe()}",
        )
        return True

    async def take_first_free(
        self, candidates: list[ShardPlan], poll_seconds: float = 1.0
    ) -> ShardPlan:
        """The first group nobody holds; waits (a standby) until one frees up."""
        while True:
            for plan in candidates:
                if await self.try_take(plan):
                    return plan
            await asyncio.sleep(poll_seconds)

    async def holders(self) -> dict[int, str]:
        """Every held shard of this shard count, with the session holding it."""
        rows = await self._db.fetch(
            "SELECT l.objid::int AS shard, a.application_name, a.client_addr::text AS addr"
            " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1"
            " AND l.objsubid = 2 ORDER BY l.objid",
            _namespace(self.count),
        )
        return {row["shard"]: row["application_name"] or f"pid at {row['addr']}" for row in rows}

    async def release(self) -> None:
        """Give every shard back (a clean stop: a standby takes them at once)."""
        if self.held is not None and not self._db.is_closed():
            await self._db.execute("SELECT pg_advisory_unlock_all()")
        self.held = None

    async def close(self) -> None:
        """Release and end the session."""
        held, self.held = self.held, None  # a chosen close is not a lost claim
        if not self._db.is_closed():
            if held is not None:
                await self._db.execute("SELECT pg_advisory_unlock_all()")
            await self._db.close()


async def all_holders(url: str, password: str | None) -> dict[int, dict[int, str]]:
    """Every held shard of every shard count: {count: {shard: holder}} (`summarybot check`)."""
    locks = await ShardLocks.connect(url, password, 1)
    try:
        rows = await locks._db.fetch(
            "SELECT l.classid::bigint - $1 AS count, l.objid::int AS shard, a.application_name"
            " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
            " AND l.classid::bigint BETWEEN $1 + 1 AND $1 + $2 ORDER BY 1, 2",
            _NAMESPACE,
            MAX_SHARDS,
        )
    finally:
        await locks.close()
    found: dict[int, dict[int, str]] = {}
    for row in rows:
        found.setdefault(row["count"], {})[row["shard"]] = row["application_name"] or "?"
    return found


def describe_holders(holders: dict[int, str], count: int, skip: tuple[int, ...] = ()) -> list[str]:
    """`0-3: summarybot host:41 shards 0-3 of 16` lines, one per holder; free shards last.

    Shards in `skip` (the asking process's own) are neither listed nor called free.
    """
    by_holder: dict[str, list[int]] = {}
    for shard, holder in holders.items():
        by_holder.setdefault(holder, []).append(shard)
    lines = [f"{format_shards(shards)}: {holder}" for holder, shards in by_holder.items()]
    free = [shard for shard in range(count) if shard not in holders and shard not in skip]
    if free:
        lines.append(f"{format_shards(free)}: free")
    return lines
