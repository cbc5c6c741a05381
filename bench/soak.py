"""1,000 schedules every minute for 10 minutes: flat memory and a quick event loop, or not.

Usage: python bench/soak.py [--schedules N] [--seconds S] [--max-concurrent-runs K]
       [--channel-every C] [--messages-per-minute M] [--warmup-seconds W]
       [--chatter gateway|history] [--workdir DIR] [--bot-env KEY=VALUE]...
(defaults 1000, 600, 4, 5, 8 and two minutes, or one in soaks shorter than six minutes)

The real `summarybot run` (a child process, with `[http] enabled` on a free loopback port)
runs against the wire-level fake Discord from tests/fakediscord, seeded and limited as
bench/burst.py does (its helpers are imported, not copied). Every schedule reads its own
channel, where members keep talking (messages arrive over the gateway, `--messages-per-minute`
per channel), runs every 60 s (`Interval(seconds=60)`, anchors spread evenly over one minute
so the load is steady) and delivers to a signed webhook (the receivers of bench/fanout.py, in
their own process), to a file, and, for one schedule in `--channel-every`, to a Discord channel.

Every 10 s the bench reads the child's RSS (/proc), and scrapes `/metrics` (runs, deliveries,
the run queue, the bot's own event-loop lag gauges); the lag gauge is also scraped every second.
Warm-up is excluded from the growth figure. Prints one JSON object as the last line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.burst_report import (  # noqa: E402
    GLOBAL_PER_SECOND,
    TERMINAL,
    Limits,
    Seeded,
    _needs_bot_auth,
    _percentiles,
)
from bench.burst_world import WORDS, _limited_fake, _seed, _start_bot  # noqa: E402
from bot.pacing import GLOBAL_BURST, GLOBAL_RATE  # noqa: E402
from delivery.models import (  # noqa: E402
    ChannelDestination,
    Destination,
    FileDestination,
    WebhookDestination,
)
from scheduling.models import DeliveryStatus, Interval, Run, Schedule  # noqa: E402
from scheduling.store import Store  # noqa: E402
from tests.fakediscord.server import FakeDiscord, RecordedRequest  # noqa: E402

INTERVAL_S = 60
PHASE = "soak"  # the receivers count arrivals per `phase` query parameter
TICKS = os.sysconf("SC_CLK_TCK")
TARGET_RSS_GROWTH_PCT = 5.0
TARGET_LAG_MS = 100.0
# discord.py sets a heartbeat's send time in its keep-alive thread only after the loop has sent
# it; on loopback the ACK can be handled first, and the "latency" is then the time since the
# previous heartbeat (about 41 s). A measuring artefact of a zero-latency gateway, counted apart.
ACK_RACE = "Can't keep up, shard ID"


# --- the world: receivers, schedules, chatter -------------------------------------------------


@dataclass
class Receivers:
    """bench/fanout.py's receivers in a child process: one port and signing secret each."""

    process: subprocess.Popen[str]
    ports: list[int]
    secrets: list[str]


def _start_receivers(count: int) -> Receivers:
    """Consumers are other machines: their verification must not share the bot's core time."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "fanout.py"),
            "--serve",
            "--destinations",
            str(count),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    return Receivers(process, ready["ports"], ready["secrets"])


async def _receiver_stats(port: int) -> dict:
    """What the receivers saw (arrivals, distinct webhook ids, bad signatures), then stop."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/stats") as response:
            found = await response.json()
        async with session.post(f"http://127.0.0.1:{port}/stop"):
            pass
    return found


def _anchors(first_due: datetime, count: int) -> list[datetime]:
    """Spread over one interval: 1,000 schedules make one run every 60 ms, not one burst."""
    return [first_due + timedelta(seconds=INTERVAL_S * n / count) for n in range(count)]


def _destinations(
    number: int, seeded: Seeded, receivers: Receivers, channel_every: int
) -> tuple[Destination, ...]:
    """A signed webhook and a file for every schedule; a digest channel for some."""
    port = receivers.ports[number]
    found: list[Destination] = [
        WebhookDestination(
            url=f"http://127.0.0.1:{port}/hook/{number}?phase={PHASE}",
            secret=receivers.secrets[number],
        ),
        FileDestination(),
    ]
    if channel_every and number % channel_every == 0:
        found.append(ChannelDestination(channel_id=seeded.digest_id))
    return tuple(found)


async def _store_schedules(
    path: Path,
    fake: FakeDiscord,
    seeded: list[Seeded],
    receivers: Receivers,
    first_due: datetime,
    channel_every: int,
) -> None:
    created = datetime.now(UTC) - timedelta(seconds=5)
    schedules = [
        Schedule(
            guild_id=s.guild_id,
            created_by=fake.owner.id,
            channel_ids=(s.source_id,),
            # Thread lists would add two requests per run: 1,000 runs a minute would then need
            # 50 requests/s, over the bot's own 45/s pacer (see bench/README.md).
            include_threads=False,
            recurrence=Interval(seconds=INTERVAL_S, anchor=anchor),
            # The first window reaches the history `_seed` put half an hour back.
            lookback_seconds=3600,
            destinations=_destinations(number, s, receivers, channel_every),
            created_at=created,
            updated_at=created,
        )
        for number, (s, anchor) in enumerate(
            zip(seeded, _anchors(first_due, len(seeded)), strict=True)
        )
    ]
    async with await Store.open(path) as store:
        await store.insert_schedules(schedules, actor="bench", now=created)


@dataclass
class Chatter:
    """Members talking in every source channel, so each window has messages to summarize."""

    sent: int = 0
    seconds: float = 0.0
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def _chatter(
    fake: FakeDiscord, seeded: list[Seeded], per_minute: float, chat: Chatter, *, gateway: bool
) -> None:
    """Round-robin over the channels at a steady total rate.

    By default through the gateway (MESSAGE_CREATE), not only into history: the bot asks for
    the guild messages intent, so in a thousand busy channels it is sent, parses and caches
    every message, and that belongs in its memory and CPU figures. `gateway=False` writes
    history only, to show what those events cost.
    """
    rng = random.Random(11)
    skip = {fake.owner.id, fake.bot_user.id}
    authors = {
        s.guild_id: [
            m.user for m in fake.guilds[s.guild_id].members.values() if m.user.id not in skip
        ]
        for s in seeded
    }
    rate = len(seeded) * per_minute / 60
    order = itertools.cycle(seeded)
    started = time.monotonic()
    while not chat.stop.is_set():
        due = int((time.monotonic() - started) * rate) - chat.sent
        for _ in range(due):
            s = next(order)
            text = " ".join(rng.choices(WORDS, k=rng.randint(5, 14)))
            author = rng.choice(authors[s.guild_id])
            if gateway:
                await fake.say(s.source_id, author, text)
            else:
                fake.add_message(s.source_id, author, text, at=datetime.now(UTC))
        chat.sent += due
        # The fake keeps every event for a RESUME; an hour of chatter would be the bench's
        # biggest allocation. The bot never falls a thousand events behind here.
        for session in fake.gateway.sessions.values():
            del session.history[:-1000]
        await asyncio.sleep(0.1)
        chat.seconds = time.monotonic() - started


# --- observing the child ----------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    """VmRSS of a live process, in MiB (what the kernel charges it now)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def _cpu_s(pid: int | None = None) -> float:
    """User + system CPU seconds of a live process (this one when None)."""
    stat = Path(f"/proc/{pid or 'self'}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _machine_busy_s() -> float:
    """CPU seconds every core spent not idle since boot (other work on the machine included)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


Metrics = dict[str, float]


async def _scrape(session: aiohttp.ClientSession, url: str) -> Metrics:
    """`/metrics` as `{name{label=value,...}: value}`."""
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
        text = await response.text()
    found: Metrics = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def _sum(metrics: Metrics, name: str) -> float:
    """A metric summed over its labels."""
    return sum(v for k, v in metrics.items() if k == name or k.startswith(name + "{"))


@dataclass
class Sample:
    """One 10 s sample: t is seconds since the first due instant (negative: start-up)."""

    t: float
    rss_mb: float
    runs: int
    lag_ms: float
    lag_max_ms: float
    metrics_rss_mb: float
    waiting: int
    in_progress: int
    bot_cores: float
    others_cores: float
    open_fds: int


@dataclass
class CpuMark:
    """CPU counters at one instant, to turn into cores used over an interval."""

    at: float
    bot: float
    bench: float
    receivers: float
    machine: float

    @classmethod
    def now(cls, bot_pid: int, receivers_pid: int) -> CpuMark:
        """Read every counter now."""
        return cls(
            time.monotonic(), _cpu_s(bot_pid), _cpu_s(), _cpu_s(receivers_pid), _machine_busy_s()
        )


@dataclass
class Observed:
    """What the sampling loop collected."""

    samples: list[Sample] = field(default_factory=list)
    lag_points: list[tuple[float, float]] = field(default_factory=list)  # (t, last lag ms)
    max_rises: list[tuple[float, float]] = field(default_factory=list)  # (t, new max ms)
    final: Metrics = field(default_factory=dict)
    cpu_start: CpuMark | None = None
    cpu_end: CpuMark | None = None


async def _observe(
    session: aiohttp.ClientSession,
    url: str,
    bot_pid: int,
    receivers_pid: int,
    first_due: datetime,
    seconds: float,
    sample_every: int,
    lag_every: float,
) -> Observed:
    """Scrape the lag every `lag_every` s; every `sample_every`-th scrape is a full sample.

    Ticks are aligned to the first due instant, so there is a sample at t = 0 (start-up done,
    no run yet) and one at t = `seconds`.
    """
    seen = Observed()
    zero = first_due.timestamp()
    tick = math.ceil((time.time() - zero) / lag_every)
    mark = CpuMark.now(bot_pid, receivers_pid)
    last_max = 0.0
    while tick * lag_every <= seconds + 1e-9:
        await asyncio.sleep(max(0.0, zero + tick * lag_every - time.time()))
        t = round(tick * lag_every, 3)
        metrics = await _scrape(session, url)
        lag_ms = metrics.get("summarybot_event_loop_lag_seconds", math.nan) * 1000
        max_ms = metrics.get("summarybot_event_loop_lag_max_seconds", math.nan) * 1000
        seen.lag_points.append((t, lag_ms))
        if max_ms > last_max:
            seen.max_rises.append((t, max_ms))
            last_max = max_ms
        if tick % sample_every == 0:
            now = CpuMark.now(bot_pid, receivers_pid)
            wall = max(now.at - mark.at, 1e-9)
            bot = (now.bot - mark.bot) / wall
            ours = bot + (now.bench - mark.bench + now.receivers - mark.receivers) / wall
            sample = Sample(
                t=t,
                rss_mb=round(_rss_mb(bot_pid), 1),
                runs=int(_sum(metrics, "summarybot_runs_total")),
                lag_ms=round(lag_ms, 1),
                lag_max_ms=round(max_ms, 1),
                metrics_rss_mb=round(metrics.get("process_resident_memory_bytes", 0) / 2**20, 1),
                waiting=int(metrics.get("summarybot_runs_waiting", 0)),
                in_progress=int(metrics.get("summarybot_runs_in_progress", 0)),
                bot_cores=round(bot, 2),
                others_cores=round(max(0.0, (now.machine - mark.machine) / wall - ours), 2),
                # Sockets included: idle keep-alive connections to webhook hosts show here.
                open_fds=len(os.listdir(f"/proc/{bot_pid}/fd")),
            )
            mark = now
            if t >= 0 and seen.cpu_start is None:
                seen.cpu_start = now
            seen.samples.append(sample)
            print(
                f"  t={t:5.0f}s rss={sample.rss_mb:6.1f} MB runs={sample.runs:6d} "
                f"lag={sample.lag_ms:5.1f} ms max={sample.lag_max_ms:6.1f} ms "
                f"waiting={sample.waiting:3d} bot={sample.bot_cores:.2f} cores "
                f"others={sample.others_cores:.2f} cores fds={sample.open_fds}",
                file=sys.stderr,
            )
        seen.final = metrics
        tick += 1
    seen.cpu_end = CpuMark.now(bot_pid, receivers_pid)
    return seen


def _free_port() -> int:
    """A loopback port nobody listens on now (`[http] port` must be 1–65535, not 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the soak ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """Everything the report is made of."""

    options: argparse.Namespace
    first_due: datetime
    seen: Observed
    runs: list[Run]
    failed_errors: Counter[str]
    pending_deliveries: int
    receivers: dict
    requests: list[RecordedRequest]
    limits: Limits
    channel_posts: int
    files: int
    chatter_per_s: float
    ready_s: float
    log_problems: list[str]
    ack_race_warnings: int


async def _soak(opts: argparse.Namespace, workdir: Path) -> Outcome:
    """Seed, start everything, observe for `opts.seconds`, stop, collect."""
    receivers = _start_receivers(opts.schedules)
    fake, limits = await _limited_fake()
    database = workdir / "summarybot.db"
    process: asyncio.subprocess.Process | None = None
    chat = Chatter()
    chatter: asyncio.Task[None] | None = None
    port = _free_port()
    try:
        now = datetime.now(UTC)
        seeded = _seed(fake, opts.schedules, now)
        first_due = (now + timedelta(seconds=opts.lead_seconds)).replace(microsecond=0)
        await _store_schedules(database, fake, seeded, receivers, first_due, opts.channel_every)
        chatter = asyncio.create_task(
            _chatter(
                fake, seeded, opts.messages_per_minute, chat, gateway=opts.chatter == "gateway"
            )
        )
        extra_env = {
            "SUMMARYBOT_HTTP__ENABLED": "true",
            "SUMMARYBOT_HTTP__HOST": "127.0.0.1",
            "SUMMARYBOT_HTTP__PORT": str(port),
            "SUMMARYBOT_SCHEDULING__MIN_INTERVAL_SECONDS": str(INTERVAL_S),
            "SUMMARYBOT_DELIVERY__ALLOW_INSECURE_HTTP": "true",
            "SUMMARYBOT_DELIVERY__ALLOW_PRIVATE_ADDRESSES": "true",
        } | dict(opts.bot_env)
        process, ready_s = await _start_bot(
            fake, workdir, opts.max_concurrent_runs, first_due, extra_env
        )
        print(
            f"  bot pid {process.pid} connected after {ready_s:.1f} s; first due at "
            f"{first_due:%H:%M:%S}, soak until +{opts.seconds:.0f} s",
            file=sys.stderr,
        )
        async with aiohttp.ClientSession() as session:
            seen = await _observe(
                session,
                f"http://127.0.0.1:{port}/metrics",
                process.pid,
                receivers.process.pid,
                first_due,
                opts.seconds,
                round(opts.sample_seconds / opts.lag_poll_seconds),
                opts.lag_poll_seconds,
            )
        chat.stop.set()
        await chatter
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
        async with await Store.open(database) as store:
            runs = [
                run
                for schedule in await store.list_schedules()
                for run in await store.list_runs(schedule.id, limit=10_000)
            ]
            failed = await store.list_deliveries(status=DeliveryStatus.FAILED)
            pending = await store.list_deliveries(status=DeliveryStatus.PENDING)
        found = await _receiver_stats(receivers.ports[0])
        receivers.process.wait(timeout=10)
        channel_posts = sum(1 for m in fake.posted() if m.webhook_id is None)
    finally:
        chat.stop.set()
        if chatter is not None and not chatter.done():
            chatter.cancel()
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        if receivers.process.poll() is None:
            receivers.process.kill()
            receivers.process.wait()
        await fake.close()
    log_lines = (workdir / "bot.log").read_text(encoding="utf-8", errors="replace").splitlines()
    problems = [line for line in log_lines if " WARNING " in line or " ERROR " in line]
    return Outcome(
        options=opts,
        first_due=first_due,
        seen=seen,
        runs=runs,
        failed_errors=Counter((d.last_error or "?")[:120] for d in failed),
        pending_deliveries=len(pending),
        receivers=found,
        requests=[r for r in fake.requests if r.at >= first_due.timestamp()],
        limits=limits,
        channel_posts=channel_posts,
        files=sum(1 for p in (workdir / "digests").rglob("*") if p.is_file()),
        chatter_per_s=chat.sent / max(chat.seconds, 1e-9),
        ready_s=ready_s,
        log_problems=[line for line in problems if ACK_RACE not in line],
        ack_race_warnings=sum(ACK_RACE in line for line in problems),
    )


# --- the report -------------------------------------------------------------------------------


def _warmup_s(opts: argparse.Namespace) -> float:
    if opts.warmup_seconds is not None:
        return float(opts.warmup_seconds)
    # Two full cycles; one when the soak is too short to leave much after two.
    return 2.0 * INTERVAL_S if opts.seconds >= 6 * INTERVAL_S else 1.0 * INTERVAL_S


def _at_or_after(samples: list[Sample], t: float) -> Sample:
    return next((s for s in samples if s.t >= t - 1e-6), samples[-1])


def _expected_runs(count: int, seconds: float) -> int:
    """Slots due in [0, seconds) with anchors spread evenly over the first interval."""
    return sum(
        max(0, math.ceil((seconds - INTERVAL_S * n / count) / INTERVAL_S)) for n in range(count)
    )


def _lag_after_warmup(seen: Observed, warmup: float) -> dict:
    """The worst lag after warm-up: exact when the max gauge rose after warm-up, else bounded.

    The bot's max gauge holds the worst tick since start (start-up included) and never resets.
    If it rose after warm-up, its final value is the worst tick after warm-up. If it did not,
    the worst tick after warm-up lies between the largest sampled `last` value and the gauge's
    value at the end of warm-up.
    """
    at_warm = max((m for t, m in seen.max_rises if t <= warmup), default=0.0)
    rises = [(t, m) for t, m in seen.max_rises if t > warmup]
    sampled = [lag for t, lag in seen.lag_points if t > warmup and not math.isnan(lag)]
    sampled_max = max(sampled, default=None)
    if rises:
        return {"value_ms": rises[-1][1], "exact": True, "at_t": rises[-1][0], "sampled": sampled}
    return {
        "value_ms": sampled_max,
        "exact": False,
        "upper_bound_ms": round(at_warm, 1),
        "sampled": sampled,
    }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _slope_mb_per_hour(samples: Iterable[Sample]) -> float | None:
    points = [(s.t, s.rss_mb) for s in samples]
    if len(points) < 3:
        return None
    fit = statistics.linear_regression([p[0] for p in points], [p[1] for p in points])
    return round(fit.slope * 3600, 1)


def _load(outcome: Outcome, seconds: float) -> dict:
    """What the bot asked of Discord during the soak, against the 45/s of its own pacer."""
    zero = outcome.first_due.timestamp()
    inside = [r for r in outcome.requests if r.at < zero + seconds]
    bot = [r for r in inside if _needs_bot_auth(r.route)]
    per_second = Counter(int(r.at - zero) for r in bot if r.status != 429)
    limits = outcome.limits
    return {
        "bot_requests_per_s": round(len(bot) / seconds, 1),
        "busiest_second": max(per_second.values(), default=0),
        "pacer_rate_per_s": GLOBAL_RATE,
        "pacer_burst": GLOBAL_BURST,
        "discord_global_per_s": GLOBAL_PER_SECOND,
        "requests_per_route": dict(Counter(r.route for r in inside).most_common()),
        "responses_429": {
            "global": limits.global_429,
            "route": sum(limits.route_429.values()),
        },
        "chatter_messages_per_s": round(outcome.chatter_per_s, 1),
    }


def _report(outcome: Outcome) -> dict:
    opts, seen = outcome.options, outcome.seen
    warmup = _warmup_s(opts)
    samples = [s for s in seen.samples if s.t >= 0]
    start, warm, end = samples[0], _at_or_after(samples, warmup), samples[-1]
    growth = (end.rss_mb - warm.rss_mb) / warm.rss_mb * 100
    after = _lag_after_warmup(seen, warmup)
    sampled_after = after.pop("sampled")
    max_lag_ms = end.lag_max_ms
    zero = outcome.first_due
    in_soak = [
        r for r in outcome.runs if 0 <= (r.scheduled_for - zero).total_seconds() < opts.seconds
    ]
    finished = [r for r in in_soak if r.status in TERMINAL and r.finished_at is not None]
    started_late = [(r.started_at - r.scheduled_for).total_seconds() for r in in_soak]
    took = [(r.finished_at - r.scheduled_for).total_seconds() for r in finished]  # type: ignore[operator]
    deliveries: dict[str, dict[str, int]] = {}
    for key, value in seen.final.items():
        if key.startswith("summarybot_deliveries_total{") and value:
            labels = dict(part.split("=", 1) for part in key[key.index("{") + 1 : -1].split(","))
            deliveries.setdefault(labels["kind"], {})[labels["status"]] = int(value)
    received = outcome.receivers
    for line in outcome.log_problems[:10]:
        print(f"  bot: {line}", file=sys.stderr)
    cpu_start, cpu_end = seen.cpu_start, seen.cpu_end
    wall = (cpu_end.at - cpu_start.at) if cpu_start and cpu_end else math.nan
    return {
        "schedules": opts.schedules,
        "seconds": opts.seconds,
        "runs": int(_sum(seen.final, "summarybot_runs_total")),
        "expected_runs": _expected_runs(opts.schedules, opts.seconds),
        "rss_start_mb": start.rss_mb,
        "rss_warm_mb": warm.rss_mb,
        "rss_end_mb": end.rss_mb,
        "rss_max_mb": max(s.rss_mb for s in samples),
        "rss_growth_pct": round(growth, 2),
        "rss_slope_after_warmup_mb_per_hour": _slope_mb_per_hour(
            s for s in samples if s.t >= warm.t
        ),
        "warmup_s": warmup,
        "max_loop_lag_ms": max_lag_ms,
        "max_loop_lag_after_warmup_ms": _round(after["value_ms"]),
        "max_loop_lag_after_warmup": after
        | {
            "sampled_ms": _percentiles(sampled_after),
            "samples": len(sampled_after),
        },
        "loop_lag_max_rises": [{"t": t, "lag_max_ms": round(m, 1)} for t, m in seen.max_rises],
        "runs_in_soak_by_status": dict(Counter(str(r.status) for r in in_soak).most_common()),
        "run_started_after_due_s": _percentiles(started_late),
        "run_finished_after_due_s": _percentiles(took),
        "max_runs_waiting": max(s.waiting for s in samples),
        "open_fds": {"start": start.open_fds, "max": max(s.open_fds for s in samples)}
        | {"end": end.open_fds},
        "deliveries": deliveries,
        "deliveries_failed_errors": dict(outcome.failed_errors.most_common(5)),
        "deliveries_pending_after_stop": outcome.pending_deliveries,
        "webhooks_received": received["arrivals"].get(PHASE, 0),
        "webhook_ids_distinct": received["distinct_ids"].get(PHASE, 0),
        "invalid_signatures": received["invalid"].get(PHASE, 0),
        "files_written": outcome.files,
        "channel_posts": outcome.channel_posts,
        "load": _load(outcome, opts.seconds),
        "cpu_cores": {
            "bot": round((cpu_end.bot - cpu_start.bot) / wall, 2)
            if cpu_start and cpu_end
            else None,
            "bench_and_fake": (
                round((cpu_end.bench - cpu_start.bench) / wall, 2)
                if cpu_start and cpu_end
                else None
            ),
            "machine": (
                round((cpu_end.machine - cpu_start.machine) / wall, 2)
                if cpu_start and cpu_end
                else None
            ),
            "cores": os.cpu_count(),
        },
        "bot_ready_s": round(outcome.ready_s, 1),
        "bot_log_warnings": len(outcome.log_problems),
        "bot_log_heartbeat_ack_race_warnings": outcome.ack_race_warnings,
        "settings": {
            "max_concurrent_runs": opts.max_concurrent_runs,
            "interval_s": INTERVAL_S,
            "channel_every": opts.channel_every,
            "messages_per_minute_per_channel": opts.messages_per_minute,
            "chatter": opts.chatter,
            "include_threads": False,
        },
        "samples": [asdict(s) for s in seen.samples],
        "targets": {
            "rss_growth_pct": TARGET_RSS_GROWTH_PCT,
            "max_loop_lag_ms": TARGET_LAG_MS,
            "met": {
                "rss_growth": growth < TARGET_RSS_GROWTH_PCT,
                "max_loop_lag": max_lag_ms < TARGET_LAG_MS,
                "max_loop_lag_after_warmup": (
                    after["value_ms"] is not None and after["value_ms"] < TARGET_LAG_MS
                ),
            },
        },
    }


def _env_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=VALUE")
    return key, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=600.0, help="from the first due instant")
    parser.add_argument("--max-concurrent-runs", type=int, default=4)
    parser.add_argument(
        "--channel-every", type=int, default=5, help="1 in C schedules also posts to a channel"
    )
    parser.add_argument("--messages-per-minute", type=float, default=8.0)
    parser.add_argument(
        "--chatter",
        choices=("gateway", "history"),
        default="gateway",
        help="members' messages reach the bot as events (default) or only its history reads",
    )
    parser.add_argument("--warmup-seconds", type=float, default=None)
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument("--lag-poll-seconds", type=float, default=1.0)
    parser.add_argument("--lead-seconds", type=float, default=30.0, help="start-up to first due")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the bot's files here")
    parser.add_argument(
        "--bot-env",
        type=_env_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="one more variable for the bot (repeatable), e.g. PYTHONASYNCIODEBUG=1 to diagnose",
    )
    opts = parser.parse_args()
    print(
        f"soak: {opts.schedules} schedules every {INTERVAL_S} s for {opts.seconds:.0f} s",
        file=sys.stderr,
    )
    if opts.workdir is not None:
        opts.workdir.mkdir(parents=True, exist_ok=True)
        outcome = asyncio.run(_soak(opts, opts.workdir))
    else:
        with tempfile.TemporaryDirectory() as scratch:
            outcome = asyncio.run(_soak(opts, Path(scratch)))
    print(json.dumps(_report(outcome)))


if __name__ == "__main__":
    main()
