"""What `/healthz` checks: the Discord gateway, the scheduler and a real database write.

Each check answers None when healthy or a short reason a person can act on. The reasons are
our own words (plus SQLite's error text, which names no path or secret), so the endpoint never
shows a token, a URL or a stack trace; the detail of an unexpected failure goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import discord
from pydantic import BaseModel

from scheduling.errors import StoreError

if TYPE_CHECKING:
    from bot.app import SummaryBot
    from scheduling.scheduler import TaskScheduler
    from scheduling.store import Store

log = logging.getLogger(__name__)

# Short, so a locked database fails the probe at once instead of hanging it.
DATABASE_TIMEOUT_SECONDS = 1.0
OK = "ok"


@dataclass(frozen=True)
class HealthChecks:
    """The three checks, as callables so tests can stand in for a gateway or a database."""

    gateway: Callable[[], str | None]
    scheduler: Callable[[], str | None]
    database: Callable[[], Awaitable[str | None]]
    # A process waiting for a free group of shards (`--shards auto`) answers only this: why
    # it waits. Healthy: it is doing what it should.
    standby: Callable[[], str | None] | None = None


class HealthReport(BaseModel):
    """`{"status": "ok"|"failing"|"standby", "checks": {part: "ok" | reason}}`."""

    status: Literal["ok", "failing", "standby"]
    checks: dict[str, str]

    @property
    def healthy(self) -> bool:
        """Whether every check passed (a standby is healthy: waiting is its job)."""
        return self.status != "failing"


async def run_checks(checks: HealthChecks) -> HealthReport:
    """Run every check (a failing one does not stop the others) and sum them up."""
    waiting = checks.standby() if checks.standby is not None else None
    if waiting is not None:
        return HealthReport(status="standby", checks={"shards": waiting})
    results = {
        "gateway": _guarded("gateway", checks.gateway),
        "scheduler": _guarded("scheduler", checks.scheduler),
    }
    try:
        results["database"] = await checks.database()
    except Exception:
        log.exception("health check of the database failed")
        results["database"] = "the check itself failed (see the log)"
    answers = {part: OK if problem is None else problem for part, problem in results.items()}
    healthy = all(problem is None for problem in results.values())
    return HealthReport(status="ok" if healthy else "failing", checks=answers)


def _guarded(part: str, check: Callable[[], str | None]) -> str | None:
    try:
        return check()
    except Exception:
        log.exception("health check of the %s failed", part)
        return "the check itself failed (see the log)"


def gateway_problem(client: discord.Client) -> str | None:
    """Connected means ready and every shard's websocket open (a reconnect shows as down)."""
    if client.is_closed():
        return "the bot is shutting down"
    if not client.is_ready():
        return "not connected to Discord yet"
    if isinstance(client, discord.AutoShardedClient):
        down = sorted(shard_id for shard_id, shard in client.shards.items() if shard.is_closed())
        if down:
            return f"gateway connection of shard {', '.join(map(str, down))} is closed"
    elif client.ws is None or not client.ws.open:
        return "the gateway connection is closed"
    return None


def scheduler_problem(scheduler: TaskScheduler | None) -> str | None:
    """The scheduler exists and is firing jobs."""
    if scheduler is None:
        return "not set up yet"
    if not scheduler.started:
        return "not running"
    return None


async def database_problem(
    store: Store | None, timeout_seconds: float = DATABASE_TIMEOUT_SECONDS
) -> str | None:
    """A write could happen now (taken and rolled back; see `Store.check_writable`)."""
    if store is None:
        return "not open yet"
    try:
        await store.check_writable(timeout_seconds)
    except StoreError as exc:
        return str(exc)
    return None


def bot_checks(bot: SummaryBot) -> HealthChecks:
    """The checks for a running bot; they read its scheduler and store when they run."""
    return HealthChecks(
        gateway=lambda: gateway_problem(bot),
        scheduler=lambda: scheduler_problem(bot.scheduler),
        database=lambda: database_problem(bot.store),
    )
