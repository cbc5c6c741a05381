"""bench/burst.py's figures: the floors, the extra requests and the report of one burst.

Apart from the orchestration so each stays readable; bench/soak.py reuses some of both.
"""

from __future__ import annotations

import math
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bot.pacing import GLOBAL_RATE
from scheduling.models import Run, RunStatus
from tests.fakediscord.ratelimits import MESSAGE_CREATE, WEBHOOK_EXECUTE
from tests.fakediscord.server import RecordedRequest

GLOBAL_PER_SECOND = 50
HISTORY_READ = "GET /channels/{channel_id}/messages"
NECESSARY_ROUTES = (HISTORY_READ, MESSAGE_CREATE)
NECESSARY_PER_RUN = len(NECESSARY_ROUTES)
ROUTE_LIMITS = {MESSAGE_CREATE: (5, 5.0), WEBHOOK_EXECUTE: (5, 2.0)}
TERMINAL = frozenset({RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.SKIPPED})


@dataclass
class Seeded:
    """What the fake holds for one schedule: where it reads and where it posts."""

    guild_id: int
    source_id: int
    digest_id: int
    webhook_url: str


@dataclass
class Limits:
    """The fake's 429 decisions, counted by bucket (the fake's own log has no scope)."""

    global_429: int = 0
    route_429: Counter[tuple[str, str]] = field(default_factory=Counter)


@dataclass
class Observed:
    """What one burst left behind: the runs, what the fake saw, and the bot's own figures."""

    due: datetime
    seeded: list[Seeded]
    runs: list[Run]
    statuses: dict[RunStatus, int]
    requests: list[RecordedRequest]
    limits: Limits
    channel_posts: Counter[int]
    webhook_posts: Counter[int]
    ready_s: float
    bot_cpu_s: float
    log_lines: list[str]
    # The runs of the burst before had not all finished when this one fell due.
    overlapped: bool = False


def _needs_bot_auth(route: str) -> bool:
    # As the fake decides which requests count towards the bot's global limit.
    return "/webhooks/{" not in route and "/interactions/" not in route


def _necessary_floor(count: int, latency_s: float) -> float:
    """Seconds any bot needs for `count` runs: 2 necessary requests each at 50/s, + 1 trip.

    Each run reads its channel once and posts once, both towards the global limit; the posts
    of one channel (one each) and of one webhook (one each, exempt) never reach their own
    buckets' limits. The fake's windows are fixed 1 s windows, so a burst can end up to one
    window sooner: small runs may show a ratio below 1.
    """
    return NECESSARY_PER_RUN * count / GLOBAL_PER_SECOND + latency_s


def _extra_requests(burst: list[RecordedRequest], count: int) -> Counter[str]:
    """Answered requests towards the global limit beyond one read and one post per run."""
    extra = Counter(r.route for r in burst if r.status != 429 and _needs_bot_auth(r.route))
    for route in NECESSARY_ROUTES:
        extra[route] -= min(extra[route], count)
    return +extra


def _floor(burst: list[RecordedRequest], latency_s: float = 0.0) -> tuple[float, str]:
    """Seconds the requests the bot made need at best, and the limit that sets it."""
    answered = [r for r in burst if r.status != 429]
    counted = sum(_needs_bot_auth(r.route) for r in answered)
    floor, binding = counted / GLOBAL_PER_SECOND + latency_s, f"global {GLOBAL_PER_SECOND}/s"
    per_bucket = Counter((r.route, r.path) for r in answered if r.route in ROUTE_LIMITS)
    for (route, path), n in per_bucket.items():
        limit, per = ROUTE_LIMITS[route]
        bucket_floor = ((n - 1) // limit) * per
        if bucket_floor > floor:
            floor, binding = bucket_floor, f"{route} {path}: {limit} per {per:g} s"
    return floor, binding


def _busiest_second(burst: list[RecordedRequest]) -> int:
    """Most bot requests answered in any 1 s span (the fake's windows are 1 s, unaligned)."""
    times = sorted(r.at for r in burst if r.status != 429 and _needs_bot_auth(r.route))
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "min": round(ordered[0], 2),
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
    }


def _peak_concurrency(runs: list[Run]) -> int:
    """Most runs between their claim and their end at one moment (what the slots allowed)."""
    edges = sorted(
        edge
        for run in runs
        if run.finished_at is not None
        for edge in ((run.started_at, 1), (run.finished_at, -1))
    )
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def _report(seen: Observed, count: int, max_concurrent_runs: int | str, latency_s: float) -> dict:
    """The figures of one burst; 429s are counted per bucket, as the target is phrased."""
    burst, due, limits = seen.requests, seen.due, seen.limits
    floor_s = _necessary_floor(count, latency_s)
    answered_floor_s, binding = _floor(burst, latency_s)
    extra = _extra_requests(burst, count)
    answered_bot = sum(r.status != 429 and _needs_bot_auth(r.route) for r in burst)
    finished = [(r.finished_at - due).total_seconds() for r in seen.runs if r.finished_at]
    elapsed_s = max(finished) if finished else None
    succeeded = sum(1 for r in seen.runs if r.status is RunStatus.SUCCEEDED)
    buckets = {"global": limits.global_429} | {
        f"{route} {major}": n for (route, major), n in limits.route_429.items()
    }
    problems = [line for line in seen.log_lines if " WARNING " in line or " ERROR " in line]
    for line in problems[:10]:
        print(f"  bot: {line}", file=sys.stderr)
    posts = [*seen.channel_posts.values(), *seen.webhook_posts.values()]
    peak = _peak_concurrency(seen.runs)
    slots = max_concurrent_runs if isinstance(max_concurrent_runs, int) else max(peak, 1)
    return {
        "max_concurrent_runs": max_concurrent_runs,
        "peak_concurrent_runs": peak,
        "latency_s": latency_s,
        "schedules": count,
        "runs": len(seen.runs),
        "requests": len(burst),
        "floor_s": round(floor_s, 2),
        "elapsed_s": None if elapsed_s is None else round(elapsed_s, 2),
        "floor_ratio": round(elapsed_s / floor_s, 3) if elapsed_s and floor_s else None,
        "dropped": count - succeeded,
        "rate_limited": sum(buckets.values()),
        "necessary_requests": NECESSARY_PER_RUN * count,
        "extra_requests": sum(extra.values()),
        "extra_requests_per_route": dict(extra.most_common()),
        "answered_floor_s": round(answered_floor_s, 2),
        "concurrency_floor_s": round(math.ceil(count / slots) * NECESSARY_PER_RUN * latency_s, 2),
        "responses_429_beyond_first_per_bucket": sum(max(0, n - 1) for n in buckets.values()),
        "responses_429_by_bucket": {
            "global": limits.global_429,
            "route_buckets_hit": len(limits.route_429),
            "route_429": sum(limits.route_429.values()),
        },
        "binding_limit": binding,
        "bot_requests": sum(_needs_bot_auth(r.route) for r in burst),
        "webhook_requests": sum(not _needs_bot_auth(r.route) for r in burst),
        "requests_per_route": dict(Counter(r.route for r in burst).most_common()),
        "run_statuses": {str(k): v for k, v in sorted(seen.statuses.items())},
        "run_finished_after_due_s": _percentiles(finished),
        "digest_channels_posted": sum(1 for s in seen.seeded if seen.channel_posts[s.digest_id]),
        "webhooks_posted": len(seen.webhook_posts),
        "duplicate_posts": sum(max(0, n - 1) for n in posts),
        "busiest_second": _busiest_second(burst),
        "pacer_floor_s": round(answered_bot / GLOBAL_RATE + latency_s, 2),
        "overlapped_previous_burst": seen.overlapped,
        "bot_cpu_s": round(seen.bot_cpu_s, 1),
        "bot_ready_s": round(seen.ready_s, 1),
        "bot_log_warnings": len(problems),
    }


def _interval_s(count: int) -> int:
    """Time between the two bursts: the first (with its listings) ends well before the next."""
    return max(60, math.ceil(4 * count / GLOBAL_RATE) + 30)


class _LimitsAt:
    """The 429s counted so far, to tell one burst's from the one before."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.global_429 = limits.global_429
        self.route_429 = Counter(limits.route_429)

    def since(self) -> Limits:
        return Limits(
            global_429=self.limits.global_429 - self.global_429,
            route_429=self.limits.route_429 - self.route_429,
        )


HEADLINE = (
    "max_concurrent_runs",
    "peak_concurrent_runs",
    "latency_s",
    "runs",
    "requests",
    "floor_s",
    "elapsed_s",
    "floor_ratio",
    "dropped",
    "rate_limited",
    "responses_429_beyond_first_per_bucket",
    "necessary_requests",
    "extra_requests",
    "extra_requests_per_route",
    "answered_floor_s",
    "pacer_floor_s",
    "concurrency_floor_s",
    "overlapped_previous_burst",
)
COLD = ("floor_s", "elapsed_s", "floor_ratio", "dropped", "rate_limited", "extra_requests")
