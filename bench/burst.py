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
    TERMINAL,
    Limits,
    Observed,
    _interval_s,
    _LimitsAt,
    _report,
)
from bench.burst_world import (  # noqa: E402
    _children_cpu_s,
    _limited_fake,
    _open,
    _seed,
    _start_bots,
    _store_schedules,
    _wait_done,
)
from bot.pacing import GLOBAL_BURST, GLOBAL_RATE  # noqa: E402
from scheduling.models import RunStatus  # noqa: E402
from scheduling.slots import AUTO_MAX, AUTO_MIN, HEADROOM  # noqa: E402
from tests.fakediscord.state import snowflake_time  # noqa: E402


async def _burst(
    count: int,
    max_concurrent_runs: int | str,
    lead_s: float,
    latency_s: float,
    workdir: Path,
    *,
    bursts: int = 2,
    database: Path | str | None = None,
    processes: tuple[tuple[str, ...], ...] = ((),),
    shards: int = 1,
    extra_env: Mapping[str, str] | None = None,
) -> list[Observed]:
    """Seed, start the bot, wait for each due instant and for its runs to end, then stop.

    bench/scale_out.py passes a PostgreSQL `database`, one `summarybot run` per entry of
    `processes` (their arguments) and the `shards` the guilds spread over.
    """
    fake, limits = await _limited_fake(latency_s)
    database = database or workdir / "summarybot.db"
    started: list[asyncio.subprocess.Process] = []
    phases: list[tuple[datetime, dict[RunStatus, int], _LimitsAt, Limits, bool]] = []
    try:
        now = datetime.now(UTC)
        due = (now + timedelta(seconds=lead_s)).replace(microsecond=0)
        interval = _interval_s(count)
        later = (due, interval) if bursts > 1 else None
        seeded = _seed(fake, count, now, later, shards)
        await _store_schedules(database, fake, seeded, due, interval)
        cpu_before = _children_cpu_s()
        began = time.monotonic()
        await _start_bots(fake, workdir, max_concurrent_runs, due, extra_env, processes, started)
        ready_s = time.monotonic() - began
        print(f"  bot connected after {ready_s:.1f} s; due at {due:%H:%M:%S}", file=sys.stderr)
        async with await _open(database) as store:
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
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            await asyncio.wait_for(process.wait(), 30)
        posted = fake.posted()
    finally:
        for process in started:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await fake.close()
    log_lines = [
        line
        for number in range(len(processes))
        for line in (workdir / f"bot{number}.log")
        .read_text(encoding="utf-8", errors="replace")
        .splitlines()
    ]
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
