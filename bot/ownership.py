"""Which shards this `summarybot run` serves, claimed before it connects to Discord.

One process (the default) serves every shard and claims nothing. With `--shard-count`, the
process serves a group of shards: pinned with `--shards 0-3`, or with `--shards auto` the first
group nobody holds. Each claim is a set of PostgreSQL advisory locks held by a session of its
own (`scheduling/store/claims.py`), so a process that dies frees its shards the moment its
connection drops, and a process that finds every group held waits as a standby until one frees
up. Ownership needs PostgreSQL: processes on one SQLite file have no way to tell each other
what they hold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.ops.health import HealthChecks
from bot.ops.http_server import HealthServer
from bot.ops.metrics import BotMetrics
from scheduling.shards import ShardPlan, groups, parse_shards

if TYPE_CHECKING:
    from scheduling.store.claims import ShardLocks

log = logging.getLogger(__name__)

STANDBY_POLL_SECONDS = 1.0


class OwnershipError(Exception):
    """The shards asked for cannot be served (bad flags, SQLite, or another process has them)."""


@dataclass(frozen=True)
class ShardRequest:
    """What the command line asked for: `count` shards, and which (`"auto"` or a list)."""

    count: int
    shards: str = "auto"
    per_process: int | None = None

    def plan(self) -> ShardPlan | None:
        """The pinned plan (None for auto); raises `OwnershipError` for bad numbers."""
        if self.shards == "auto":
            return None
        try:
            return parse_shards(self.shards, self.count)
        except ValueError as exc:
            raise OwnershipError(str(exc)) from None

    def candidates(self) -> list[ShardPlan]:
        """The groups `auto` may claim, in order."""
        try:
            return groups(self.count, self.per_process or self.count)
        except ValueError as exc:
            raise OwnershipError(str(exc)) from None


async def claim_shards(
    settings: Settings, request: ShardRequest, on_lost: Callable[[], None]
) -> tuple[ShardPlan, ShardLocks]:
    """Claim the asked shards (waiting as a standby for `auto`); returns the plan and the locks.

    `on_lost` is called if the locks' session ends while held: the shards may then be
    served by another process, so this one must stop.
    """
    if settings.storage.url is None:
        raise OwnershipError(
            "--shard-count needs PostgreSQL (storage.url): processes on one SQLite file"
            " cannot tell each other which shards they hold; run one process without it"
        )
    pinned = request.plan()
    candidates = [pinned] if pinned else request.candidates()
    from scheduling.store.claims import ShardLocks, describe_holders

    locks = await ShardLocks.connect(
        settings.storage.url, settings.storage.password_text(), request.count
    )
    try:
        if pinned is not None:
            if not await locks.try_take(pinned):
                holders = await locks.holders()
                taken = {shard: holders[shard] for shard in pinned.shards if shard in holders}
                raise OwnershipError(
                    f"shards {pinned.describe()} are already served: "
                    + "; ".join(describe_holders(taken))
                    + " (stop that process or pin other shards)"
                )
            plan = pinned
        else:
            plan = await _first_free(settings, locks, candidates)
    except BaseException:
        await locks.close()
        raise
    locks.on_lost(on_lost)
    log.info("serving shards %s", plan.describe())
    return plan, locks


async def _first_free(
    settings: Settings, locks: ShardLocks, candidates: list[ShardPlan]
) -> ShardPlan:
    """Take a free group at once, or serve `/healthz` as a standby until one frees up."""
    servers: list[HealthServer] = []

    async def standing_by() -> None:
        held = f"all {candidates[0].count} shards are held (groups of {len(candidates[0].shards)})"
        log.info("%s: waiting as a standby for a group to free up", held)
        if settings.http.enabled:
            server = HealthServer(
                _standby_checks(f"standby: {held}"),
                BotMetrics(),
                host=settings.http.host,
                port=settings.http.port,
            )
            await server.start()
            servers.append(server)

    try:
        return await locks.take_first_free(candidates, STANDBY_POLL_SECONDS, standing_by)
    finally:
        for server in servers:
            await server.stop()  # the bot serves the port from here on


def _standby_checks(message: str) -> HealthChecks:
    async def no_database() -> str | None:
        return None

    return HealthChecks(
        gateway=lambda: None,
        scheduler=lambda: None,
        database=no_database,
        standby=lambda: message,
    )
