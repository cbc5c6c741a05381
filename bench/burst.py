"""1,000 schedules due at once against Discord's rate limits: completion time vs the floor.

Usage: python bench/burst.py [--schedules N] [--max-concurrent-runs auto|K[,...]]
                           [--lead-seconds S] [--latency S] [--cold]
(defaults 1000, auto, 10 and 0.1)

The fake Discord (tests/fakediscord) runs in this process with Discord's limits: 50 requests/s
globally for the bot, 5 message creates per 5 s per channel, 5 executions per 2 s per webhook.
It is seeded with one guild per ten schedules; every schedule reads its own channel (a dozen
messages in each window) and posts to its own digest channel and its own Discord webhook. The
schedules are written into the database with `Store`, all due at the same instant a few
seconds after start-up and again one interval later, and the real `summarybot run` process (a
child, so the bot has the event loop and a core to itself, as in a deployment) fires them
through `TaskScheduler`, `DiscordHistorySource`, the outbox and `DiscordSender`.

Two bursts, because the first one after start-up is special: the bot knows no channel's
archived threads yet and lists each source's once (`bot/threads.py`; gateway events keep the
list from then on). The headline is the second burst, the bot's steady state (a bot that has
been running: every burst at the top of the hour but the first); the first is reported as
`cold`. `--cold` times the first burst alone (quicker).

Every REST answer of the fake takes `--latency` seconds (Discord's own round trip is of that
order; 0 gives loopback speed).

The floor is the physical minimum, from first principles: every run must read its channel's
history once and post its digest to its channel once, and both count towards Discord's global
50 requests/s (the Discord-webhook execution is exempt from it and its own bucket sees one
request), so 2 requests per schedule at 50/s, plus one round trip (the first read cannot be
answered before it). What the bot asks beyond those (archived-thread listings, member look-ups)
is reported apart as `extra_requests`, not counted in the floor. The bot deliberately paces
itself a little under 50/s (`bot.pacing`: a margin for jitter); `pacer_floor_s` is its own
best by design, and the floor stays at Discord's 50/s. Elapsed is from the due instant to the
last run of that burst finishing. Each `max_concurrent_runs` value gets a fresh fake and
database. Prints one JSON object; the top-level figures are those of the first value (auto,
the shipped default).
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
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.burst_report import (  # noqa: E402
    COLD,
    GLOBAL_PER_SECOND,
    HEADLINE,
    ROUTE_LIMITS,
    TERMINAL,
    Limits,
    Observed,
    Seeded,
    _interval_s,
    _LimitsAt,
    _report,
)
from bench.burst_report import _needs_bot_auth as _needs_bot_auth  # noqa: E402
from bench.burst_report import _percentiles as _percentiles  # noqa: E402
from bot.pacing import GLOBAL_BURST, GLOBAL_RATE  # noqa: E402
from delivery.models import ChannelDestination, WebhookDestination  # noqa: E402
from scheduling.models import Interval, RunStatus, Schedule  # noqa: E402
from scheduling.slots import AUTO_MAX, AUTO_MIN, HEADROOM  # noqa: E402
from scheduling.store import Store  # noqa: E402
from tests.fakediscord.ratelimits import Decision  # noqa: E402
from tests.fakediscord.server import FakeDiscord  # noqa: E402
from tests.fakediscord.state import snowflake_time  # noqa: E402

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
    fake: FakeDiscord, count: int, now: datetime, later: tuple[datetime, float] | None = None
) -> list[Seeded]:
    """Ten schedules per guild (a server rarely has more), each with its own three places.

    `later` (first due instant, interval) also seeds the second window, so the steady-state
    burst has as much to summarize as the first.
    """
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


async def _store_schedules(
    path: Path, fake: FakeDiscord, seeded: list[Seeded], due: datetime, interval: int = 3600
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
    async with await Store.open(path) as store:
        await store.insert_schedules(schedules, actor="bench", now=created)


def _bot_env(fake: FakeDiscord, workdir: Path, max_concurrent_runs: int | str) -> dict[str, str]:
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
    count: int,
    max_concurrent_runs: int | str,
    lead_s: float,
    latency_s: float,
    workdir: Path,
    *,
    bursts: int = 2,
) -> list[Observed]:
    """Seed, start the bot, wait for each due instant and for its runs to end, then stop."""
    fake, limits = await _limited_fake(latency_s)
    database = workdir / "summarybot.db"
    process: asyncio.subprocess.Process | None = None
    phases: list[tuple[datetime, dict[RunStatus, int], _LimitsAt, Limits, bool]] = []
    try:
        now = datetime.now(UTC)
        due = (now + timedelta(seconds=lead_s)).replace(microsecond=0)
        interval = _interval_s(count)
        later = (due, interval) if bursts > 1 else None
        seeded = _seed(fake, count, now, later)
        await _store_schedules(database, fake, seeded, due, interval)
        cpu_before = _children_cpu_s()
        process, ready_s = await _start_bot(fake, workdir, max_concurrent_runs, due)
        print(f"  bot connected after {ready_s:.1f} s; due at {due:%H:%M:%S}", file=sys.stderr)
        async with await Store.open(database) as store:
            for number in range(bursts):
                at = due + timedelta(seconds=interval * number)
                await asyncio.sleep(max(0.0, at.timestamp() - time.time()))
                before = _LimitsAt(limits)
                # Runs of the burst before still unfinished now would share this one's floor.
                previous = await store.count_runs_since(due - timedelta(minutes=1))
                finished_before = sum(n for st, n in previous.items() if st in TERMINAL)
                overlapped = finished_before < count * number
                deadline = time.monotonic() + 600 + count
                since = at - timedelta(minutes=1) if number == 0 else at - timedelta(seconds=1)
                statuses = await _wait_done(store, fake, count, at, deadline, since)
                phases.append((at, statuses, before, before.since(), overlapped))
                print(f"  burst {number + 1} of {bursts} done", file=sys.stderr)
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
    log_lines = (workdir / "bot.log").read_text(encoding="utf-8", errors="replace").splitlines()
    bot_cpu_s = _children_cpu_s() - cpu_before
    observed = []
    for number, (at, statuses, _, burst_limits, overlapped) in enumerate(phases):
        start = at.timestamp() - 0.5
        end = phases[number + 1][0].timestamp() - 0.5 if number + 1 < len(phases) else math.inf
        mine = [m for m in posted if start <= snowflake_time(m.id).timestamp() < end]
        observed.append(
            Observed(
                due=at,
                seeded=seeded,
                runs=[run for run in runs if run.scheduled_for == at],
                statuses=statuses,
                requests=[r for r in fake.requests if start <= r.at < end],
                limits=burst_limits,
                channel_posts=Counter(m.channel_id for m in mine if m.webhook_id is None),
                webhook_posts=Counter(m.webhook_id for m in mine if m.webhook_id is not None),
                ready_s=ready_s,
                bot_cpu_s=bot_cpu_s,
                log_lines=log_lines,
                overlapped=overlapped,
            )
        )
    return observed


async def _bench(
    count: int, settings: list[int | str], lead_s: float, latency_s: float, bursts: int
) -> list[dict]:
    """One fresh fake and bot per setting; the last burst is the result, the first `cold`."""
    results = []
    for max_concurrent_runs in settings:
        print(f"max_concurrent_runs={max_concurrent_runs}: {count} schedules", file=sys.stderr)
        with tempfile.TemporaryDirectory() as scratch:
            seen = await _burst(
                count, max_concurrent_runs, lead_s, latency_s, Path(scratch), bursts=bursts
            )
        reports = [_report(one, count, max_concurrent_runs, latency_s) for one in seen]
        result = reports[-1] | {"burst": "steady" if len(reports) > 1 else "cold"}
        if len(reports) > 1:
            cold = reports[0]
            result["cold"] = {key: cold[key] for key in (*COLD, "extra_requests_per_route")}
        results.append(result)
        print(f"  {json.dumps(results[-1])}", file=sys.stderr)
    return results


def _setting(text: str) -> int | str:
    text = text.strip()
    return "auto" if text == "auto" else int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument(
        "--max-concurrent-runs", default="auto", help="comma-separated values, one run each"
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
    parser.add_argument(
        "--cold",
        action="store_true",
        help="time only the first burst after start-up (every channel's threads unknown)",
    )
    args = parser.parse_args()
    settings = [_setting(part) for part in args.max_concurrent_runs.split(",") if part.strip()]
    bursts = 1 if args.cold else 2
    results = asyncio.run(_bench(args.schedules, settings, args.lead_seconds, args.latency, bursts))
    first = results[0]
    headline = {key: first[key] for key in ("burst", *HEADLINE)}
    if "cold" in first:
        headline["cold"] = {key: first["cold"][key] for key in COLD}
    print(
        json.dumps(
            headline
            | {
                "limits": {
                    "global_per_second": GLOBAL_PER_SECOND,
                    "message_create": "5 per 5 s per channel",
                    "webhook_execute": "5 per 2 s per webhook",
                },
                "bot_pacer": {
                    "rate_per_second": GLOBAL_RATE,
                    "burst": GLOBAL_BURST,
                    "note": "the bot paces itself under Discord's 50/s on purpose (a margin "
                    "for jitter); floor_s is at 50/s, pacer_floor_s at the bot's own rate",
                },
                "auto_concurrency": {
                    "headroom": HEADROOM,
                    "min": AUTO_MIN,
                    "max": AUTO_MAX,
                },
                "results": results,
                "targets": {"floor_ratio": 1.2, "dropped": 0, "extra_429_per_bucket": 0},
            }
        )
    )


if __name__ == "__main__":
    main()
