"""The world bench/burst.py, bench/soak.py and bench/scale_out.py run the real bot in.

The wire-level fake Discord with Discord's limits, guilds and channels seeded with chat, the
schedules written to the database, and `summarybot run` processes started against the fake
and waited for.
"""

from __future__ import annotations

import asyncio
import random
import resource
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.burst_report import (  # noqa: E402
    GLOBAL_PER_SECOND,
    ROUTE_LIMITS,
    TERMINAL,
    Limits,
    Seeded,
)
from delivery.models import ChannelDestination, WebhookDestination  # noqa: E402
from scheduling.models import Interval, RunStatus, Schedule  # noqa: E402
from scheduling.store import Store  # noqa: E402
from tests.fakediscord.bot_env import bot_env  # noqa: E402
from tests.fakediscord.ratelimits import Decision  # noqa: E402
from tests.fakediscord.server import FakeDiscord  # noqa: E402

SCHEDULES_PER_GUILD = 10
MESSAGES_PER_CHANNEL = 12
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


def _seed(
    fake: FakeDiscord,
    count: int,
    now: datetime,
    later: tuple[datetime, float] | None = None,
    shards: int = 1,
) -> list[Seeded]:
    """Ten schedules per guild (a server rarely has more), each with its own three places.

    `later` (first due instant, interval) also seeds the second window, so the steady-state
    burst has as much to summarize as the first. The guilds take turns over `shards` shards.
    """
    rng = random.Random(7)
    seeded: list[Seeded] = []
    for first in range(0, count, SCHEDULES_PER_GUILD):
        number = first // SCHEDULES_PER_GUILD
        guild = fake.add_guild(f"Guild {number}", shard=(number % shards, shards))
        members = [fake.add_member(guild.id, f"m{first}-{k}").user for k in range(4)]
        for number in range(first, min(count, first + SCHEDULES_PER_GUILD)):
            source = fake.add_channel(guild.id, f"chat-{number}")
            digest = fake.add_channel(guild.id, f"digest-{number}")
            hook = fake.add_webhook(digest.id)
            start = now - timedelta(minutes=30)
            times = [start + timedelta(seconds=90 * i) for i in range(MESSAGES_PER_CHANNEL)]
            if later is not None:
                due, interval = later
                step = (interval - 2) / MESSAGES_PER_CHANNEL
                times += [due + timedelta(seconds=1 + step * i) for i in range(len(times))]
            for at in times:
                fake.add_message(
                    source.id,
                    rng.choice(members),
                    " ".join(rng.choices(WORDS, k=rng.randint(5, 14))),
                    at=at,
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


async def _open(target: Path | str) -> Store:
    """The database at a SQLite path or a PostgreSQL URL (bench/scale_out.py)."""
    if str(target).startswith("postgresql://"):
        return await Store.open_url(str(target))
    return await Store.open(target)


async def _store_schedules(
    target: Path | str,
    fake: FakeDiscord,
    seeded: list[Seeded],
    due: datetime,
    interval: int = 3600,
) -> None:
    created = datetime.now(UTC) - timedelta(seconds=5)
    schedules = [
        Schedule(
            guild_id=s.guild_id,
            created_by=fake.owner.id,
            channel_ids=(s.source_id,),
            # Every `interval` from `due`: every schedule's slots are the same instants.
            recurrence=Interval(seconds=interval, anchor=due),
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
    async with await _open(target) as store:
        await store.insert_schedules(schedules, actor="bench", now=created)


def _bot_env(fake: FakeDiscord, workdir: Path, max_concurrent_runs: int | str) -> dict[str, str]:
    """The environment tests/e2e gives the process, minus anything the caller had set."""
    return bot_env(
        fake,
        workdir,
        DISCORD__SHUTDOWN_TIMEOUT_SECONDS="10",
        STORAGE__PATH=str(workdir / "summarybot.db"),
        SCHEDULING__MAX_CONCURRENT_RUNS=str(max_concurrent_runs),
    )


async def _wait_done(
    store: Store,
    fake: FakeDiscord,
    count: int,
    due: datetime,
    deadline: float,
    since: datetime | None = None,
) -> dict[RunStatus, int]:
    """Until every schedule has a finished run, or nothing moved for 15 s, or the deadline."""
    since = since or due - timedelta(minutes=1)
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


async def _start_bot(
    fake: FakeDiscord,
    workdir: Path,
    max_concurrent_runs: int | str,
    due: datetime,
    extra_env: Mapping[str, str] | None = None,
    *,
    args: tuple[str, ...] = (),
    log_name: str = "bot.log",
    sessions: int = 1,
) -> tuple[asyncio.subprocess.Process, float]:
    """The real `summarybot run`, connected to the fake with time to spare before `due`.

    `extra_env` adds settings on top of `_bot_env` (bench/soak.py turns on `[http]`; scale_out
    names a PostgreSQL database); `args` go to `summarybot run` (`--shard-count …`). Ready once
    the fake holds `sessions` connected gateway sessions (this process's and those before it).
    """
    log_path = workdir / log_name
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            *args,
            cwd=workdir,
            env=_bot_env(fake, workdir, max_concurrent_runs) | dict(extra_env or {}),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log_file,
        )
    started = time.monotonic()
    # Guilds arrive right after READY; a few seconds' margin lets the cache fill before `due`.
    ready_in = max(1.0, due.timestamp() - time.time() - 3)
    try:
        await fake.wait_for(
            lambda: len(fake.gateway.connected) >= sessions or process.returncode is not None,
            timeout=ready_in,
        )
        if process.returncode is not None:
            raise TimeoutError
    except TimeoutError:
        if process.returncode is None:
            process.kill()
        await process.wait()
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise SystemExit(f"the bot did not connect within {ready_in:.0f} s:\n{tail}") from None
    return process, time.monotonic() - started


async def _start_bots(
    fake: FakeDiscord,
    workdir: Path,
    max_concurrent_runs: int | str,
    due: datetime,
    extra_env: Mapping[str, str] | None,
    processes: tuple[tuple[str, ...], ...],
    started: list[asyncio.subprocess.Process],
) -> None:
    """One `summarybot run` per entry of `processes` (its arguments), started in turn.

    Each is connected before the next starts (logs `bot0.log`, `bot1.log`, …) and appended
    to `started` at once, so the caller stops every one that did even if a later one fails.
    """
    for number, args in enumerate(processes):
        process, _ = await _start_bot(
            fake,
            workdir,
            max_concurrent_runs,
            due,
            extra_env,
            args=args,
            log_name=f"bot{number}.log",
            sessions=number + 1,
        )
        started.append(process)
