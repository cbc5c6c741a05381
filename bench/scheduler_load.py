"""Restoring N schedules into TaskScheduler vs adding the same triggers to a bare APScheduler.

Usage: python bench/scheduler_load.py [--schedules N]   (default 100,000)

Both sides run in their own subprocess (peak RSS is a per-process high-water mark) and are
timed from "nothing loaded" to "scheduler started": the restore side opens the database,
reads every active schedule and builds its jobs; the bare side builds equivalent APScheduler
triggers and adds them before `start()`. The restore side then creates more schedules while
all N are active and reports the median time of one create. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Europe/Paris",
    "Asia/Singapore",
    "America/Chicago",
]
CREATES = 200


def _mix(rng: random.Random, count: int) -> list[tuple[str, dict]]:
    """(zone, recurrence fields) pairs in a realistic proportion of kinds."""
    mix = []
    for _ in range(count):
        zone = rng.choice(ZONES)
        hour, minute = rng.randrange(24), rng.choice([0, 0, 0, 15, 30, 45])
        at = clock_time(hour, minute)
        roll = rng.random()
        if roll < 0.40:
            fields = {"kind": "daily", "time": at}
        elif roll < 0.60:
            fields = {"kind": "weekly", "weekdays": (1, 2, 3, 4, 5), "time": at}
        elif roll < 0.70:
            days = tuple(sorted(rng.sample(range(1, 8), rng.randint(1, 3))))
            fields = {"kind": "weekly", "weekdays": days, "time": at}
        elif roll < 0.80:
            fields = {"kind": "interval", "seconds": rng.choice([3600, 6 * 3600, 12 * 3600])}
        elif roll < 0.90:
            fields = {"kind": "monthly", "day": rng.choice([1, 15, 28, "last"]), "time": at}
        else:
            fields = {
                "kind": "cron",
                "expression": f"{minute} {hour} * * {rng.choice(['1-5', '*', '0,6'])}",
            }
        mix.append((zone, fields))
    return mix


async def _populate(path: Path, count: int) -> None:
    from delivery.models import ChannelDestination
    from scheduling.models import Schedule
    from scheduling.store import Store

    rng = random.Random(7)
    # Created just now: a quick restart with nothing missed (catch-up is measured elsewhere).
    created = datetime.now(UTC) - timedelta(seconds=30)
    async with await Store.open(path) as store:
        batch = []
        for number, (zone, fields) in enumerate(_mix(rng, count)):
            batch.append(
                Schedule(
                    guild_id=1 + number % 500,
                    created_by=7,
                    channel_ids=(1000 + number,),
                    recurrence=fields,
                    timezone=zone,
                    destinations=(ChannelDestination(channel_id=5000 + number),),
                    created_at=created,
                    updated_at=created,
                )
            )
            if len(batch) == 10_000:
                await store.insert_schedules(batch, actor="bench", now=created)
                batch = []
        if batch:
            await store.insert_schedules(batch, actor="bench", now=created)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _restore_side(path: Path) -> dict:
    from delivery.models import ChannelDestination
    from scheduling.models import Daily, Schedule
    from scheduling.scheduler import TaskScheduler
    from scheduling.settings import RetentionSettings, SchedulingSettings
    from scheduling.store import Store

    async def never(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the benchmark never runs a digest")

    started = time.perf_counter()
    store = await Store.open(path)
    scheduler = TaskScheduler(
        store,
        SchedulingSettings(),
        RetentionSettings(),
        source=never,  # type: ignore[arg-type]
        summarize=never,
        deliver=never,
        file_root=path.parent / "digests",
        max_messages=5000,
        min_messages=5,
    )
    await scheduler.start()
    ready = time.perf_counter() - started
    rss = _peak_rss_mb()
    timings = []
    for number in range(CREATES):
        schedule = Schedule(
            guild_id=9,
            created_by=7,
            channel_ids=(number + 1,),
            recurrence=Daily(time=clock_time(9, 0)),
            timezone="Europe/Berlin",
            destinations=(ChannelDestination(channel_id=1),),
        )
        begin = time.perf_counter()
        await scheduler.create(schedule, actor="bench")
        timings.append((time.perf_counter() - begin) * 1000)
    jobs = len(scheduler._scheduler.get_jobs())
    await scheduler.stop(timeout=0)
    await store.close()
    return {
        "seconds": ready,
        "rss_mb": rss,
        "create_ms_median": statistics.median(timings),
        "jobs": jobs,
    }


async def _bare_side(count: int) -> dict:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    async def job(_context: object, _schedule_id: str) -> None:
        return None

    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    mix = _mix(random.Random(7), count)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    scheduler = AsyncIOScheduler(timezone=UTC)
    for number, (zone, fields) in enumerate(mix):
        kind = fields["kind"]
        at = fields.get("time")
        if kind == "daily":
            trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=zone)
        elif kind == "weekly":
            days = ",".join(names[day - 1] for day in fields["weekdays"])
            trigger = CronTrigger(day_of_week=days, hour=at.hour, minute=at.minute, timezone=zone)
        elif kind == "monthly":
            trigger = CronTrigger(day=fields["day"], hour=at.hour, minute=at.minute, timezone=zone)
        elif kind == "interval":
            trigger = IntervalTrigger(seconds=fields["seconds"], start_date=created, timezone=zone)
        else:
            trigger = CronTrigger.from_crontab(fields["expression"], timezone=zone)
        # The same job shape as the bot's: a shared context object and the schedule id.
        scheduler.add_job(job, trigger, args=(scheduler, f"s{number}"), id=f"summary:{number}")
    scheduler.start()
    ready = time.perf_counter() - started
    rss = _peak_rss_mb()
    jobs = len(scheduler.get_jobs())
    scheduler.shutdown(wait=False)
    return {"seconds": ready, "rss_mb": rss, "jobs": jobs}


def _child(side: str, path: Path, count: int) -> dict:
    command = [
        sys.executable,
        __file__,
        "--side",
        side,
        "--db",
        str(path),
        "--schedules",
        str(count),
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=100_000)
    parser.add_argument("--side", choices=["restore", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "restore":
        print(json.dumps(asyncio.run(_restore_side(args.db))))
        return
    if args.side == "bare":
        print(json.dumps(asyncio.run(_bare_side(args.schedules))))
        return
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.db"
        began = time.perf_counter()
        asyncio.run(_populate(path, args.schedules))
        populate_s = time.perf_counter() - began
        restore = _child("restore", path, args.schedules)
        bare = _child("bare", path, args.schedules)
    result = {
        "schedules": args.schedules,
        "restore_s": round(restore["seconds"], 3),
        "bare_s": round(bare["seconds"], 3),
        "time_ratio": round(restore["seconds"] / bare["seconds"], 3),
        "restore_rss_mb": round(restore["rss_mb"], 1),
        "bare_rss_mb": round(bare["rss_mb"], 1),
        "memory_ratio": round(restore["rss_mb"] / bare["rss_mb"], 3),
        "create_ms_median": round(restore["create_ms_median"], 3),
        "jobs_restored": restore["jobs"],
        "jobs_bare": bare["jobs"],
        "populate_s": round(populate_s, 1),
        "targets": {"time_ratio": 1.3, "memory_ratio": 1.5, "create_ms_median": 5},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
