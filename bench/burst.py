"""1,000 schedules due at once against Discord's rate limits: completion time vs the floor.

Usage: python bench/burst.py [--schedules N] [--max-concurrent-runs K[,K...]] [--lead-seconds S]
                           [--latency S]
(defaults 1000, 4, 10 and 0.1)

The fake Discord (tests/fakediscord) runs in this process with Discord's limits: 50 requests/s
globally for the bot, 5 message creates per 5 s per channel, 5 executions per 2 s per webhook.
It is seeded with one guild per ten schedules; every schedule reads its own channel (a dozen
messages in the window) and posts to its own digest channel and its own Discord webhook. The
schedules are written into the database with `Store`, all due at the same instant a few
seconds after start-up, and the real `summarybot run` process (a child, so the bot has the
event loop and a core to itself, as in a deployment) fires them through `TaskScheduler`,
`DiscordHistorySource`, the outbox and `DiscordSender`.

Every REST answer of the fake takes `--latency` seconds (Discord's own round trip is of that
order; 0 gives loopback speed).

The floor is the physical minimum, from first principles: every run must read its channel's
history once and post its digest to its channel once, and both count towards Discord's global
50 requests/s (the Discord-webhook execution is exempt from it and its own bucket sees one
request), so 2 requests per schedule at 50/s, plus one round trip (the first read cannot be
answered before it). What the bot asks beyond those (archived-thread listings, member look-ups)
is reported apart as `extra_requests`, not counted in the floor. Elapsed is from the due
instant to the last run finishing. Each `max_concurrent_runs` value gets a fresh fake and
database. Prints one JSON object; the top-level figures are those of the first value (4, the
shipped default).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.pacing import GLOBAL_BURST, GLOBAL_RATE  # noqa: E402
from delivery.models import ChannelDestination, WebhookDestination  # noqa: E402
from scheduling.models import Interval, Run, RunStatus, Schedule  # noqa: E402
from scheduling.store import Store  # noqa: E402
from tests.fakediscord.ratelimits import MESSAGE_CREATE, WEBHOOK_EXECUTE, Decision  # noqa: E402
from tests.fakediscord.server import FakeDiscord, RecordedRequest  # noqa: E402

GLOBAL_PER_SECOND = 50
HISTORY_READ = "GET /channels/{channel_id}/messages"
NECESSARY_ROUTES = (HISTORY_READ, MESSAGE_CREATE)
NECESSARY_PER_RUN = len(NECESSARY_ROUTES)
ROUTE_LIMITS = {MESSAGE_CREATE: (5, 5.0), WEBHOOK_EXECUTE: (5, 2.0)}
SCHEDULES_PER_GUILD = 10
MESSAGES_PER_CHANNEL = 12
TERMINAL = frozenset({RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.SKIPPED})
WORDS = [
    "release",
    "migration",
    "database",
    "friday",
    "deploy",
    "staging",
    "review",
    "rollback",
    "schema",
    "cache",
    "latency",
    "dashboard",
    "incident",
    "sprint",
    "ticket",
    "backlog",
    "feature",
    "canary",
    "queue",
    "worker",
]


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


def _seed(fake: FakeDiscord, count: int, now: datetime) -> list[Seeded]:
    """Ten schedules per guild (a server rarely has more), each with its own three places."""
    rng = random.Random(7)
    seeded: list[Seeded] = []
    for first in range(0, count, SCHEDULES_PER_GUILD):
        guild = fake.add_guild(f"Guild {first // SCHEDULES_PER_GUILD}")
        members = [fake.add_member(guild.id, f"m{first}-{k}").user for k in range(4)]
        for number in range(first, min(count, first + SCHEDULES_PER_GUILD)):
            source = fake.add_channel(guild.id, f"chat-{number}")
            digest = fake.add_channel(guild.id, f"digest-{number}")
            hook = fake.add_webhook(digest.id)
            start = now - timedelta(minutes=30)
            for index in range(MESSAGES_PER_CHANNEL):
                fake.add_message(
                    source.id,
                    rng.choice(members),
                    " ".join(rng.choices(WORDS, k=rng.randint(5, 14))),
                    at=start + timedelta(seconds=90 * index),
                )
            # A Discord webhook URL as an admin pastes it; discord.py sends it to `api_base`.
            url = f"https://discord.com/api/webhooks/{hook.id}/{hook.token}"
            seeded.append(Seeded(guild.id, source.id, digest.id, url))
    return seeded


async def _limited_fake(latency_s: float = 0.0) -> tuple[FakeDiscord, Limits]:
    """The fake Discord started with Discord's limits, every refusal counted per bucket."""
    fake = FakeDiscord()
    await fake.start()
    if latency_s:
        fake.set_latency(latency_s)
    fake.set_global_limit(GLOBAL_PER_SECOND)
    for route, (limit, per) in ROUTE_LIMITS.items():
        fake.set_route_limit(route, limit, per)
    return fake, _count_limits(fake)


def _count_limits(fake: FakeDiscord) -> Limits:
    """Wrap the fake's limiter so every refusal is attributed to its bucket."""
    limits = Limits()
    limiter = fake.limiter
    check_global, take = limiter.check_global, limiter.take

    def counted_global() -> Decision | None:
        decision = check_global()
        if decision is not None:
            limits.global_429 += 1
        return decision

    def counted_take(route: str, major: str) -> Decision:
        decision = take(route, major)
        if decision.retry_after is not None:
            limits.route_429[route, major] += 1
        return decision

    limiter.check_global = counted_global  # type: ignore[method-assign]
    limiter.take = counted_take  # type: ignore[method-assign]
    return limits


async def _store_schedules(
    path: Path, fake: FakeDiscord, seeded: list[Seeded], due: datetime
) -> None:
    created = datetime.now(UTC) - timedelta(seconds=5)
    schedules = [
        Schedule(
            guild_id=s.guild_id,
            created_by=fake.owner.id,
            channel_ids=(s.source_id,),
            # Hourly from `due`: every schedule's first slot is the same instant.
            recurrence=Interval(seconds=3600, anchor=due),
            lookback_seconds=3600,
            destinations=(
                ChannelDestination(channel_id=s.digest_id),
                WebhookDestination(url=s.webhook_url),
            ),
            created_at=created,
            updated_at=created,
        )
        for s in seeded
    ]
    async with await Store.open(path) as store:
        await store.insert_schedules(schedules, actor="bench", now=created)


def _bot_env(fake: FakeDiscord, workdir: Path, max_concurrent_runs: int) -> dict[str, str]:
    """The environment tests/e2e gives the process, minus anything the caller had set."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SUMMARYBOT_") and key != "DISCORD_TOKEN"
    }
    return env | {
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": fake.token,
        "SUMMARYBOT_DISCORD__API_BASE": fake.api_base,
        "SUMMARYBOT_DISCORD__SHUTDOWN_TIMEOUT_SECONDS": "10",
        "SUMMARYBOT_STORAGE__PATH": str(workdir / "summarybot.db"),
        "SUMMARYBOT_DELIVERY__FILE_ROOT": str(workdir / "digests"),
        "SUMMARYBOT_SCHEDULING__MAX_CONCURRENT_RUNS": str(max_concurrent_runs),
        "SUMMARYBOT_LOGGING__LEVEL": "INFO",
    }


async def _wait_done(
    store: Store, fake: FakeDiscord, count: int, due: datetime, deadline: float
) -> dict[RunStatus, int]:
    """Until every schedule has a finished run, or nothing moved for 15 s, or the deadline."""
    since = due - timedelta(minutes=1)
    last_requests, quiet_since = 0, time.monotonic()
    reported = 0.0
    while True:
        counts = await store.count_runs_since(since)
        finished = sum(n for status, n in counts.items() if status in TERMINAL)
        now = time.monotonic()
        if now - reported >= 5:
            reported = now
            print(
                f"  {finished}/{count} runs finished, {len(fake.requests)} requests",
                file=sys.stderr,
            )
        if finished >= count:
            return counts
        if len(fake.requests) != last_requests:
            last_requests, quiet_since = len(fake.requests), now
        elif now - quiet_since > 15 or now > deadline:
            return counts
        await asyncio.sleep(0.25)


def _children_cpu_s() -> float:
    """CPU seconds of reaped children: the bot's own cost, apart from the fake's."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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


async def _start_bot(
    fake: FakeDiscord,
    workdir: Path,
    max_concurrent_runs: int,
    due: datetime,
    extra_env: Mapping[str, str] | None = None,
) -> tuple[asyncio.subprocess.Process, float]:
    """The real `summarybot run`, connected to the fake with time to spare before `due`.

    `extra_env` adds settings on top of `_bot_env` (bench/soak.py turns on `[http]`).
    """
    log_path = workdir / "bot.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=workdir,
            env=_bot_env(fake, workdir, max_concurrent_runs) | dict(extra_env or {}),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log_file,
        )
    started = time.monotonic()
    # Guilds arrive right after READY; a few seconds' margin lets the cache fill before `due`.
    ready_in = max(1.0, due.timestamp() - time.time() - 3)
    try:
        await fake.wait_for(lambda: bool(fake.gateway.connected), timeout=ready_in)
    except TimeoutError:
        process.kill()
        await process.wait()
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise SystemExit(f"the bot did not connect within {ready_in:.0f} s:\n{tail}") from None
    return process, time.monotonic() - started


async def _burst(
    count: int, max_concurrent_runs: int, lead_s: float, latency_s: float, workdir: Path
) -> Observed:
    """Seed, start the bot, wait for the due instant and for every run to end, then stop."""
    fake, limits = await _limited_fake(latency_s)
    database = workdir / "summarybot.db"
    process: asyncio.subprocess.Process | None = None
    try:
        now = datetime.now(UTC)
        seeded = _seed(fake, count, now)
        due = (now + timedelta(seconds=lead_s)).replace(microsecond=0)
        await _store_schedules(database, fake, seeded, due)
        cpu_before = _children_cpu_s()
        process, ready_s = await _start_bot(fake, workdir, max_concurrent_runs, due)
        print(f"  bot connected after {ready_s:.1f} s; due at {due:%H:%M:%S}", file=sys.stderr)
        await asyncio.sleep(max(0.0, due.timestamp() - time.time()))
        async with await Store.open(database) as store:
            deadline = time.monotonic() + 600 + count
            statuses = await _wait_done(store, fake, count, due, deadline)
            runs = [
                run
                for schedule in await store.list_schedules()
                for run in await store.list_runs(schedule.id, limit=5)
            ]
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
        posted = fake.posted()
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await fake.close()
    log_path = workdir / "bot.log"
    return Observed(
        due=due,
        seeded=seeded,
        runs=runs,
        statuses=statuses,
        requests=[r for r in fake.requests if r.at >= due.timestamp() - 0.5],
        limits=limits,
        channel_posts=Counter(m.channel_id for m in posted if m.webhook_id is None),
        webhook_posts=Counter(m.webhook_id for m in posted if m.webhook_id is not None),
        ready_s=ready_s,
        bot_cpu_s=_children_cpu_s() - cpu_before,
        log_lines=log_path.read_text(encoding="utf-8", errors="replace").splitlines(),
    )


def _report(seen: Observed, count: int, max_concurrent_runs: int, latency_s: float) -> dict:
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
    return {
        "max_concurrent_runs": max_concurrent_runs,
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
        "concurrency_floor_s": round(
            math.ceil(count / max_concurrent_runs) * NECESSARY_PER_RUN * latency_s, 2
        ),
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
        "bot_cpu_s": round(seen.bot_cpu_s, 1),
        "bot_ready_s": round(seen.ready_s, 1),
        "bot_log_warnings": len(problems),
    }


async def _bench(count: int, settings: list[int], lead_s: float, latency_s: float) -> list[dict]:
    results = []
    for max_concurrent_runs in settings:
        print(f"max_concurrent_runs={max_concurrent_runs}: {count} schedules", file=sys.stderr)
        with tempfile.TemporaryDirectory() as scratch:
            seen = await _burst(count, max_concurrent_runs, lead_s, latency_s, Path(scratch))
        results.append(_report(seen, count, max_concurrent_runs, latency_s))
        print(f"  {json.dumps(results[-1])}", file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument(
        "--max-concurrent-runs", default="4", help="comma-separated values, one run each"
    )
    parser.add_argument(
        "--lead-seconds", type=float, default=10.0, help="from start-up to the due instant"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.1,
        help="seconds the fake takes to answer every REST request",
    )
    args = parser.parse_args()
    settings = [int(part) for part in args.max_concurrent_runs.split(",") if part.strip()]
    results = asyncio.run(_bench(args.schedules, settings, args.lead_seconds, args.latency))
    headline = {
        key: results[0][key]
        for key in (
            "max_concurrent_runs",
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
        )
    }
    print(
        json.dumps(
            headline
            | {
                "limits": {
                    "global_per_second": GLOBAL_PER_SECOND,
                    "message_create": "5 per 5 s per channel",
                    "webhook_execute": "5 per 2 s per webhook",
                },
                "bot_pacer": {"rate_per_second": GLOBAL_RATE, "burst": GLOBAL_BURST},
                "results": results,
                "targets": {"floor_ratio": 1.25, "dropped": 0, "extra_429_per_bucket": 0},
            }
        )
    )


if __name__ == "__main__":
    main()
