"""bench/soak.py's figures: memory growth after warm-up, the worst loop lag, the load, the JSON.

Apart from the soak's orchestration so each stays readable. `Outcome` is everything the soak
collected; `_report` turns it into the one JSON object the bench prints.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from bench.burst_report import (
    GLOBAL_PER_SECOND,
    TERMINAL,
    Limits,
    _needs_bot_auth,
    _percentiles,
)
from bench.soak_observe import Observed, Sample, _sum
from bench.soak_world import INTERVAL_S, PHASE
from bot.pacing import GLOBAL_BURST, GLOBAL_RATE
from scheduling.models import Run
from tests.fakediscord.server import RecordedRequest

TARGET_RSS_GROWTH_PCT = 5.0
TARGET_LAG_MS = 100.0


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
