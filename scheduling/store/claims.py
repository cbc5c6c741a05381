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
from collections.abc import Awaitable, Callable
from typing import Self

import asyncpg

from scheduling.shards import MAX_SHARDS, ShardPlan, format_shards
from scheduling.store.postgres import connect

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
        return cls(await connect(url, password, _process_name()), count)

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
        self,
        candidates: list[ShardPlan],
        poll_seconds: float = 1.0,
        on_standby: Callable[[], Awaitable[None]] | None = None,
    ) -> ShardPlan:
        """The first group nobody holds; waits (a standby) until one frees up.

        `on_standby` is awaited once, when the first look finds every group held.
        """
        waited = False
        while True:
            for plan in candidates:
                if await self.try_take(plan):
                    return plan
            if not waited and on_standby is not None:
                await on_standby()
            waited = True
            await asyncio.sleep(poll_seconds)

    async def holders(self) -> dict[int, str]:
        """Every held shard of this shard count, with the session holding it."""
        return (await _held(self._db, self.count, self.count)).get(self.count, {})

    async def release(self) -> None:
        """Give every shard back (a clean stop: a standby takes them at once)."""
        if self.held is not None and not self._db.is_closed():
            await self._db.execute("SELECT pg_advisory_unlock_all()")
        self.held = None

    async def close(self) -> None:
        """Release and end the session (a chosen close is not a lost claim)."""
        await self.release()
        if not self._db.is_closed():
            await self._db.close()


async def all_holders(url: str, password: str | None) -> dict[int, dict[int, str]]:
    """Every held shard of every shard count: {count: {shard: holder}} (`summarybot check`)."""
    connection = await connect(url, password)
    try:
        return await _held(connection, 1, MAX_SHARDS)
    finally:
        await connection.close()


async def _held(connection: asyncpg.Connection, low: int, high: int) -> dict[int, dict[int, str]]:
    """The shards held for shard counts `low` to `high`: {count: {shard: holder}}."""
    rows = await connection.fetch(
        "SELECT l.classid::bigint - $1 AS count, l.objid::int AS shard, a.application_name,"
        " a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
        " AND l.classid::bigint BETWEEN $1 + $2 AND $1 + $3 ORDER BY 1, 2",
        _NAMESPACE,
        low,
        high,
    )
    found: dict[int, dict[int, str]] = {}
    for row in rows:
        holder = row["application_name"] or f"an unnamed session (pid {row['pid']})"
        found.setdefault(row["count"], {})[row["shard"]] = holder
    return found


def describe_holders(
    holders: dict[int, str], count: int | None = None, skip: tuple[int, ...] = ()
) -> list[str]:
    """`0-3: summarybot host:41 shards 0-3 of 16` lines, one per holder.

    With `count`, a last line names the free shards, leaving out those in `skip` (the asking
    process's own).
    """
    by_holder: dict[str, list[int]] = {}
    for shard, holder in holders.items():
        by_holder.setdefault(holder, []).append(shard)
    lines = [f"{format_shards(shards)}: {holder}" for holder, shards in by_holder.items()]
    if count is not None:
        free = [shard for shard in range(count) if shard not in holders and shard not in skip]
        if free:
            lines.append(f"{format_shards(free)}: free")
    return lines
