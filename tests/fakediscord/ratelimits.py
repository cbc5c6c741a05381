"""Rate limits with Discord's headers: a global per-second limit and per-route buckets.

Buckets are fixed windows keyed by route and major parameter (channel, guild or webhook),
as Discord scopes them. Tests configure limits per instance; the defaults are what
Discord is commonly observed to apply.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MESSAGE_CREATE = "POST /channels/{channel_id}/messages"
WEBHOOK_EXECUTE = "POST /webhooks/{webhook_id}/{webhook_token}"


@dataclass(frozen=True)
class RouteLimit:
    """`limit` requests per `per` seconds for each major parameter of a route."""

    limit: int
    per: float


@dataclass
class _Window:
    start: float
    count: int = 0


@dataclass
class Decision:
    """Headers to send, and a retry delay when the request is refused with 429."""

    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    is_global: bool = False


def default_route_limits() -> dict[str, RouteLimit]:
    """5 message creates per 5 s per channel; 5 executions per 2 s per webhook."""
    return {MESSAGE_CREATE: RouteLimit(5, 5.0), WEBHOOK_EXECUTE: RouteLimit(5, 2.0)}


class RateLimiter:
    """Counts requests and decides 429s; `clock` is monotonic, `wall` gives X-RateLimit-Reset."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.wall = wall
        self.global_per_second: int | None = 50
        self.routes: dict[str, RouteLimit] = default_route_limits()
        self._windows: dict[tuple[str, str], _Window] = {}
        self._global: _Window | None = None

    def reset(self) -> None:
        """Forget all counts (a test changing limits starts from a clean slate)."""
        self._windows.clear()
        self._global = None

    def check_global(self) -> Decision | None:
        """A 429 decision when the bot exceeded its global requests per second."""
        if self.global_per_second is None:
            return None
        now = self.clock()
        if self._global is None or now - self._global.start >= 1.0:
            self._global = _Window(start=now)
        self._global.count += 1
        if self._global.count <= self.global_per_second:
            return None
        retry = max(0.001, 1.0 - (now - self._global.start))
        return Decision(
            headers={
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
                "Retry-After": str(math.ceil(retry)),
            },
            retry_after=round(retry, 3),
            is_global=True,
        )

    def take(self, route: str, major: str) -> Decision:
        """Count one request on `route` for `major`; headers always, 429 when over."""
        limit = self.routes.get(route)
        if limit is None:
            return Decision()
        now = self.clock()
        key = (route, major)
        window = self._windows.get(key)
        if window is None or now - window.start >= limit.per:
            window = self._windows[key] = _Window(start=now)
        window.count += 1
        reset_after = max(0.001, limit.per - (now - window.start))
        remaining = max(0, limit.limit - window.count)
        headers = {
            "X-RateLimit-Limit": str(limit.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{self.wall() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(route.encode()).hexdigest()[:16],
        }
        if window.count <= limit.limit:
            return Decision(headers=headers)
        headers["X-RateLimit-Scope"] = "user"
        headers["Retry-After"] = str(math.ceil(reset_after))
        return Decision(headers=headers, retry_after=round(reset_after, 3))
