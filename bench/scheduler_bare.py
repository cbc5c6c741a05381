"""bench/scheduler_load.py's baseline: the same schedules restored into a bare AsyncIOScheduler.

Apart from the TaskScheduler sides so each stays readable. The rows are read with the standard
library's sqlite3, and each gets either the project's own trigger (`bare`, shared triggers) or
APScheduler's own, one object per job (`cron`): what any restore into APScheduler must do.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.scheduler_probes import LoopSampler, _settle, _status_mb

WEEKDAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _read_rows(path: Path) -> list[tuple[str, Any, str, datetime]]:
    """The active schedules' id, recurrence, zone and creation, as the store keeps them."""
    from pydantic import TypeAdapter

    from delivery.models import STORED
    from scheduling.models import Recurrence

    validate = TypeAdapter(Recurrence).validate_json
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT id, json_extract(spec, '$.recurrence'), json_extract(spec, '$.timezone'),"
            " created_at FROM schedules WHERE status = 'active'"
        ).fetchall()
    finally:
        connection.close()
    return [
        (row[0], validate(row[1], context=STORED), row[2], datetime.fromisoformat(row[3]))
        for row in rows
    ]


def _apscheduler_trigger(recurrence: Any, zone: str, created: datetime) -> Any:
    """APScheduler's own trigger for a recurrence, one object per job."""
    from zoneinfo import ZoneInfo

    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.date import DateTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    kind = recurrence.kind
    if kind == "interval":
        start = recurrence.anchor or created
        return IntervalTrigger(seconds=recurrence.seconds, start_date=start, timezone=zone)
    if kind == "cron":
        return CronTrigger.from_crontab(recurrence.expression, timezone=zone)
    if kind == "once":
        moment = datetime.combine(recurrence.date, recurrence.time, tzinfo=ZoneInfo(zone))
        return DateTrigger(run_date=moment, timezone=zone)
    at = recurrence.time
    if kind == "daily":
        return CronTrigger(hour=at.hour, minute=at.minute, timezone=zone)
    if kind == "weekly":
        days = ",".join(WEEKDAY_NAMES[day - 1] for day in recurrence.weekdays)
        return CronTrigger(day_of_week=days, hour=at.hour, minute=at.minute, timezone=zone)
    return CronTrigger(day=recurrence.day, hour=at.hour, minute=at.minute, timezone=zone)


async def _bare_side(path: Path, triggers: str) -> dict:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from scheduling.recurrence import build_trigger
    from scheduling.settings import SchedulingSettings

    async def job(_context: object, _schedule_id: str) -> None:
        return None

    grace = SchedulingSettings().misfire_grace_seconds
    rss_imports = _status_mb("VmRSS")
    phases: dict[str, float] = {}
    async with LoopSampler() as sampler:
        started = time.perf_counter()
        rows = _read_rows(path)
        phases["read_s"] = time.perf_counter() - started
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": grace, "coalesce": True, "max_instances": 2},
        )
        context = object()  # the bot's jobs carry a shared context object and the id
        for schedule_id, recurrence, zone, created in rows:
            if triggers == "shared":
                trigger = build_trigger(recurrence, zone, start=created)
            else:
                trigger = _apscheduler_trigger(recurrence, zone, created)
            scheduler.add_job(
                job, trigger, args=(context, schedule_id), id=f"summary:{schedule_id}"
            )
        phases["add_jobs_s"] = time.perf_counter() - started - phases["read_s"]
        begin = time.perf_counter()
        scheduler.start()
        phases["apscheduler_start_s"] = time.perf_counter() - begin
        await _settle()
        ready = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    jobs = scheduler.get_jobs()
    distinct = len({id(job.trigger) for job in jobs})
    scheduler.shutdown(wait=False)
    return {
        "seconds": ready,
        "rss_mb": peak,
        "rss_after_imports_mb": rss_imports,
        "max_loop_block_ms": sampler.worst * 1000,
        "jobs": len(jobs),
        "distinct_triggers": distinct,
        "phases": phases,
    }
