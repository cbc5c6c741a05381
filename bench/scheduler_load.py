"""Restoring N schedules into TaskScheduler vs a bare AsyncIOScheduler fed the same triggers.

Usage: python bench/scheduler_load.py [--schedules N] [--mix diverse|simple]
(defaults 100,000 and diverse)

Every side runs in a fresh process (peak RSS is the process's own `VmHWM`, which starts again
at exec; `ru_maxrss` would carry the peak of whatever process forked it), from the same SQLite
file, and is timed from "nothing loaded" to "idle": the jobs in APScheduler, APScheduler
started and through its first pass, and (for TaskScheduler) recovery finished. Of the N
schedules, `MISSED` (1,000) were made two days earlier and missed a slot while "down"; the
rest were made 30 s before (a quick restart).

- restore: `Store.open` + `TaskScheduler.start()` + `wait_idle()`. Only the schedules due
  within the horizon (the next hour) get a job: they are read through the next-fire index a
  page at a time, with the loop running between pages; recovery looks only at schedules whose
  stored next fire has passed (the 1,000, and the few that fell due in the last 30 s). The
  job it fires and the catch-up runs are stubbed: this side measures restoring.
- catchup: the same restore from a copy of the populated file, with the real `run_summary`
  (the source returns no messages, so each catch-up run is claimed, read and recorded as
  skipped, with every store write a real run makes up to the digest): `catchup_s` is the time
  from start to every missed slot caught up and recorded.
- bare: the baseline. The same rows read with the standard library's sqlite3 (the same
  columns, the recurrence decoded by the same pydantic adapter), the *same* triggers from
  `scheduling.recurrence.build_trigger`, `add_job` for each and `start()` on a bare
  `AsyncIOScheduler` with the same job defaults. What any restore into APScheduler must do.
- cron: the same, with APScheduler's own triggers, one per job (CronTrigger, IntervalTrigger,
  DateTrigger): what a project without shared triggers would pay.

A sampler task wakes every millisecond on each side; the longest it waited beyond that is the
longest the event loop was blocked (`max_loop_block_ms`). After the restore, the restore
side creates more schedules while all N are active and reports the median time of one.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Today's mix (`--mix simple`): a dozen zones, times on the quarter hour.
SIMPLE_ZONES = [
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
SAMPLE_S = 0.001
# Schedules made two days before the restart, daily: each missed at least one slot.
MISSED = 1000
INTERVALS = [300, 600, 900, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 604800]
WEEKDAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


# --- the mixes -----------------------------------------------------------------------------


def _simple_mix(rng: random.Random, count: int, _now: datetime) -> list[tuple[str, dict]]:
    """(zone, recurrence fields): today's mix, a dozen zones, quarter hours."""
    mix = []
    for _ in range(count):
        zone = rng.choice(SIMPLE_ZONES)
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


def _cron_expression(rng: random.Random) -> str:
    """A crontab line of the shapes people write: daily, business hours, stepped, monthly."""
    minute, hour = rng.randrange(60), rng.randrange(24)
    shape = rng.randrange(6)
    if shape == 0:
        dow = rng.choice(["*", "1-5", "0,6", "mon-fri", "1", "3,5", "sun"])
        return f"{minute} {hour} * * {dow}"
    if shape == 1:
        first = rng.randrange(6, 12)
        return f"*/{rng.choice([10, 15, 20, 30])} {first}-{first + 8} * * 1-5"
    if shape == 2:
        return f"{minute} */{rng.choice([2, 3, 4, 6, 8, 12])} * * *"
    if shape == 3:
        return f"{minute} {hour} {rng.randint(1, 28)} * *"
    if shape == 4:
        return f"{minute} {hour} 1,15 * *"
    return f"{minute} {hour} 1 1,4,7,10 *"


def _diverse_mix(rng: random.Random, count: int, now: datetime) -> list[tuple[str, dict]]:
    """(zone, recurrence fields): every IANA zone, any minute, every kind of schedule.

    Half the zones are drawn from every name the bundled tzdata knows (about 600), half from
    the dozen where most servers are; times are any minute of the day.
    """
    from scheduling.zones import zone_names

    every_zone = zone_names()
    mix = []
    for _ in range(count):
        zone = rng.choice(every_zone) if rng.random() < 0.5 else rng.choice(SIMPLE_ZONES)
        at = clock_time(rng.randrange(24), rng.randrange(60))
        roll = rng.random()
        if roll < 0.30:
            fields: dict[str, Any] = {"kind": "daily", "time": at}
        elif roll < 0.45:
            fields = {"kind": "weekly", "weekdays": (1, 2, 3, 4, 5), "time": at}
        elif roll < 0.55:
            days = tuple(sorted(rng.sample(range(1, 8), rng.randint(1, 3))))
            fields = {"kind": "weekly", "weekdays": days, "time": at}
        elif roll < 0.65:
            day = rng.choice([*range(1, 32), "last"])
            fields = {"kind": "monthly", "day": day, "time": at}
        elif roll < 0.77:
            fields = {"kind": "interval", "seconds": rng.choice(INTERVALS)}
            if rng.random() < 0.5:  # `every 6h from …`: any second of the last month
                fields["anchor"] = now - timedelta(seconds=rng.randrange(30 * 86400))
        elif roll < 0.92:
            fields = {"kind": "cron", "expression": _cron_expression(rng)}
        else:
            day = (now + timedelta(days=rng.randint(2, 365))).date()  # ahead in every zone
            fields = {"kind": "once", "date": day, "time": at}
        mix.append((zone, fields))
    return mix


MIXES = {"simple": _simple_mix, "diverse": _diverse_mix}


async def _open(target: Path | str) -> Any:
    """The store at a SQLite path or a PostgreSQL URL (bench/scale_out.py uses both)."""
    from scheduling.store import Store

    if str(target).startswith("postgresql://"):
        return await Store.open_url(str(target))
    return await Store.open(target)


def _guild_of(number: int, guilds: int) -> int:
    """Schedule `number`'s guild: one of `guilds` snowflake-like ids, spread over the shards.

    Hashed, not `number % guilds`: the missed schedules are every k-th number, and a modulo
    would put them all in the guilds of one shard.
    """
    return ((((number * 0x9E3779B1) & 0xFFFFFFFF) >> 8) % guilds << 22) | 1


async def _populate(target: Path | str, count: int, mix_name: str, guilds: int = 500) -> dict:
    from delivery.models import ChannelDestination
    from scheduling.models import Schedule

    rng = random.Random(7)
    # Created just now: a quick restart (the few slots that fell due since are caught up).
    # One microsecond apart, as schedules made one by one are: an import gives all its
    # schedules one `updated_at`, and the change poll then reads every one of them again.
    first = datetime.now(UTC) - timedelta(seconds=30)
    mix = MIXES[mix_name](rng, count, first)
    # Every (count / MISSED)-th schedule was made two days ago, daily: it missed a slot.
    step = max(1, count // MISSED)
    missed = set(range(0, count, step)[:MISSED])
    for number in missed:
        mix[number] = (mix[number][0], {"kind": "daily", "time": clock_time(rng.randrange(24))})
    async with await _open(target) as store:
        batch = []
        for number, (zone, fields) in enumerate(mix):
            created = first + timedelta(microseconds=number)
            if number in missed:
                created -= timedelta(days=2)
            batch.append(
                Schedule(
                    guild_id=_guild_of(number, guilds),
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
    return {
        "missed": len(missed),
        "zones": len({zone for zone, _ in mix}),
        "kinds": dict(Counter(fields["kind"] for _, fields in mix).most_common()),
    }


# --- measuring inside a side ---------------------------------------------------------------


def _status_mb(key: str) -> float:
    """`VmHWM` (this process's peak RSS since exec) or `VmRSS`, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class LoopSampler:
    """Wakes every `SAMPLE_S`; the longest it overslept is the longest the loop was blocked."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopSampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await asyncio.sleep(0)  # armed before the work starts
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._task is not None
        await asyncio.sleep(SAMPLE_S * 2)  # the wake-up due during the last block is counted
        self._task.cancel()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + SAMPLE_S
            await asyncio.sleep(SAMPLE_S)
            self.worst = max(self.worst, loop.time() - due)


async def _settle() -> None:
    """One full pass of the loop: what APScheduler's start queued (`_process_jobs`) has run."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.call_soon(done.set_result, None)
    await done


def _timed(phases: dict[str, float], name: str, function: Any) -> Any:
    """`function`, adding the time of each call to `phases[name]` (sync or async)."""
    if asyncio.iscoroutinefunction(function):

        async def timed_async(*args: object, **kwargs: object) -> Any:
            began = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - began

        return timed_async

    def timed(*args: object, **kwargs: object) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - began

    return timed


# --- the sides -----------------------------------------------------------------------------


async def _restore_side(target: Path | str, plan: Any = None) -> dict:
    """Restore from `target` (a SQLite path or a PostgreSQL URL), of `plan`'s shards only."""
    from delivery.models import ChannelDestination
    from scheduling import jobs
    from scheduling.models import Daily, RunTrigger, Schedule
    from scheduling.scheduler import TaskScheduler
    from scheduling.settings import RetentionSettings, SchedulingSettings

    catch_ups: list[str] = []

    async def no_run(_context: object, schedule_id: str, **kwargs: object) -> None:
        # The job APScheduler fires and recovery spawns, as cheap as the bare side's: the
        # bench measures restoring, not runs (patched here only, in this process).
        if kwargs.get("trigger") is RunTrigger.CATCH_UP:
            catch_ups.append(schedule_id)

    jobs.run_summary = no_run  # type: ignore[assignment]

    async def never(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the benchmark never runs a digest")

    rss_imports = _status_mb("VmRSS")
    phases: dict[str, float] = {}
    async with LoopSampler() as sampler:
        started = time.perf_counter()
        store = await _open(target)
        store.plan = plan
        phases["open_s"] = time.perf_counter() - started
        store.due_timings = _timed(phases, "read_s", store.due_timings)  # type: ignore[method-assign]
        scheduler = TaskScheduler(
            store,
            SchedulingSettings(),
            RetentionSettings(),
            source=never,  # type: ignore[arg-type]
            summarize=never,
            deliver=never,
            file_root=Path(tempfile.gettempdir()) / "summarybot-bench-digests",
            max_messages=5000,
            min_messages=5,
        )
        aps = scheduler._scheduler
        aps.start = _timed(phases, "apscheduler_start_s", aps.start)  # type: ignore[method-assign]
        scheduler._recover = _timed(phases, "recover_s", scheduler._recover)  # type: ignore[method-assign]
        horizon = scheduler.horizon
        horizon.fill = _timed(phases, "fill_s", horizon.fill)  # type: ignore[method-assign]
        await scheduler.start()
        phases["start_returned_s"] = time.perf_counter() - started
        await scheduler.wait_idle()
        await _settle()
        ready = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    begin = time.perf_counter()
    await scheduler.poll()  # the 5 s change poll, nothing changed
    poll_ms = (time.perf_counter() - begin) * 1000
    summaries = [job for job in aps.get_jobs() if job.id.startswith("summary:")]
    distinct = len({id(job.trigger) for job in summaries})
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
    await scheduler.stop(timeout=0)
    await store.close()
    return {
        "seconds": ready,
        "rss_mb": peak,
        "rss_after_imports_mb": rss_imports,
        "max_loop_block_ms": sampler.worst * 1000,
        "create_ms_median": statistics.median(timings),
        "jobs": len(summaries),
        "distinct_triggers": distinct,
        "catch_up_runs": len(catch_ups),
        "poll_ms": poll_ms,
        "phases": phases,
    }


async def _catchup_side(path: Path) -> dict:
    from scheduling.models import RunTrigger
    from scheduling.scheduler import TaskScheduler
    from scheduling.settings import RetentionSettings, SchedulingSettings
    from scheduling.store import Store
    from summarizer.sources import FetchResult

    class Quiet:
        """A channel with nothing new: each caught-up run is recorded as skipped."""

        async def fetch(self, *_args: object, **_kwargs: object) -> FetchResult:
            return FetchResult(messages=[])

    async def never(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the benchmark never makes a digest")

    started = time.perf_counter()
    store = await Store.open(path)
    scheduler = TaskScheduler(
        store,
        SchedulingSettings(),
        RetentionSettings(),
        source=Quiet(),
        summarize=never,
        deliver=never,
        file_root=path.parent / "digests",
        max_messages=5000,
        min_messages=5,
    )
    await scheduler.start()
    await scheduler.wait_idle()
    seconds = time.perf_counter() - started
    runs = await store.count_runs_since(datetime.now(UTC) - timedelta(hours=1))
    await scheduler.stop(timeout=0)
    await store.close()
    connection = sqlite3.connect(path)
    try:
        caught = connection.execute(
            "SELECT COUNT(*) FROM runs WHERE trigger = ?", (str(RunTrigger.CATCH_UP),)
        ).fetchone()[0]
    finally:
        connection.close()
    return {
        "seconds": seconds,
        "catch_up_runs": caught,
        "runs": {str(status): n for status, n in runs.items()},
    }


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


# --- the driver ------------------------------------------------------------------------------


def _child(*arguments: str) -> dict:
    """One side in a fresh process; its JSON line."""
    command = [sys.executable, __file__, *arguments]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _rounded(side: dict) -> dict:
    out = {}
    for key, value in side.items():
        if isinstance(value, float):
            out[key] = round(value, 3 if key.endswith("_s") or key == "seconds" else 1)
        elif isinstance(value, dict):
            out[key] = {k: round(v, 3) for k, v in value.items()}
        else:
            out[key] = value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=100_000)
    parser.add_argument("--mix", choices=sorted(MIXES), default="diverse")
    parser.add_argument(
        "--side",
        choices=["populate", "restore", "catchup", "bare", "cron"],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "populate":
        began = time.perf_counter()
        mix = asyncio.run(_populate(args.db, args.schedules, args.mix))
        print(json.dumps(mix | {"seconds": time.perf_counter() - began}))
        return
    if args.side == "restore":
        print(json.dumps(asyncio.run(_restore_side(args.db))))
        return
    if args.side == "catchup":
        print(json.dumps(asyncio.run(_catchup_side(args.db))))
        return
    if args.side is not None:
        triggers = "shared" if args.side == "bare" else "apscheduler"
        print(json.dumps(asyncio.run(_bare_side(args.db, triggers))))
        return
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.db"
        size = ["--schedules", str(args.schedules), "--db", str(path)]
        print(f"populating {args.schedules} schedules ({args.mix})", file=sys.stderr)
        mix = _child("--side", "populate", "--mix", args.mix, *size)
        copy = Path(scratch) / "catchup.db"
        shutil.copyfile(path, copy)  # closed by populate: no WAL beside it
        # The bare sides first: the restore side's creates add rows.
        sides = {}
        for side in ("bare", "cron", "restore"):
            sides[side] = _rounded(_child("--side", side, *size))
            print(f"  {side}: {json.dumps(sides[side])}", file=sys.stderr)
        catchup = _rounded(_child("--side", "catchup", "--db", str(copy)))
        print(f"  catchup: {json.dumps(catchup)}", file=sys.stderr)
    restore, bare, cron = sides["restore"], sides["bare"], sides["cron"]
    result = {
        "schedules": args.schedules,
        "mix": args.mix,
        "zones": mix["zones"],
        "kinds": mix["kinds"],
        "restore_s": restore["seconds"],
        "bare_s": bare["seconds"],
        "time_ratio": round(restore["seconds"] / bare["seconds"], 3),
        "restore_rss_mb": restore["rss_mb"],
        "bare_rss_mb": bare["rss_mb"],
        "memory_ratio": round(restore["rss_mb"] / bare["rss_mb"], 3),
        "max_loop_block_ms": restore["max_loop_block_ms"],
        "create_ms_median": round(restore["create_ms_median"], 3),
        "bare_cron_s": cron["seconds"],
        "time_ratio_vs_cron": round(restore["seconds"] / cron["seconds"], 3),
        "bare_cron_rss_mb": cron["rss_mb"],
        "memory_ratio_vs_cron": round(restore["rss_mb"] / cron["rss_mb"], 3),
        "bare_max_loop_block_ms": bare["max_loop_block_ms"],
        "bare_cron_max_loop_block_ms": cron["max_loop_block_ms"],
        "catchup_s": catchup["seconds"],
        "catchup_missed": mix["missed"],
        "catchup_runs": catchup["catch_up_runs"],
        "catch_up_runs": restore["catch_up_runs"],
        "poll_ms": restore["poll_ms"],
        "distinct_triggers": {side: sides[side]["distinct_triggers"] for side in sides},
        "jobs": {side: sides[side]["jobs"] for side in sides},
        "catchup_runs_by_status": catchup["runs"],
        "rss_after_imports_mb": {side: sides[side]["rss_after_imports_mb"] for side in sides},
        "phases": {side: sides[side]["phases"] for side in sides},
        "populate_s": round(mix["seconds"], 1),
        "targets": {
            "time_ratio": 0.5,
            "memory_ratio": 1.0,
            "max_loop_block_ms": 100,
            "create_ms_median": 5,
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
