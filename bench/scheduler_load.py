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
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from importlib import import_module
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scheduler_bare import _bare_side  # noqa: E402
from bench.scheduler_mixes import MIXES, _open, _populate  # noqa: E402
from bench.scheduler_probes import LoopSampler, _settle, _status_mb, _timed  # noqa: E402

CREATES = 200


# --- the sides -----------------------------------------------------------------------------


async def _restore_side(target: Path | str, plan: Any = None) -> dict:
    """Restore from `target` (a SQLite path or a PostgreSQL URL), of `plan`'s shards only."""
    from delivery.models import ChannelDestination
    from scheduling import jobs
    from scheduling.models import Daily, RunTrigger, Schedule
    from scheduling.scheduler import TaskScheduler
    from scheduling.settings import RetentionSettings, SchedulingSettings

    # Imported where first used (opening the store, starting APScheduler): here instead, with
    # every other import, before the clock starts. asyncpg alone took 0.2-0.3 s of each
    # restore's time, once per process: four processes paid it four times.
    import_module("apscheduler.executors.asyncio")
    postgres = str(target).startswith("postgresql://")
    import_module("scheduling.store.postgres" if postgres else "scheduling.store.sqlite")

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
        await store.serve(plan)
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
