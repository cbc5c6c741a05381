"""Shards as the unit of ownership: the plan, the store's scope, and the PostgreSQL locks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from scheduling_fakes import make_schedule

from scheduling.models import Run, RunStatus, Schedule
from scheduling.shards import ShardPlan, format_shards, groups, parse_shards, shard_of
from scheduling.store import Store
from scheduling.store.claims import ShardLocks, describe_holders

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def guild_on(shard: int, count: int = 4, n: int = 0) -> int:
    """A guild id (a snowflake) that Discord routes to `shard` of `count`."""
    return ((n * count + shard) << 22) | 12345


def test_a_guild_belongs_to_the_shard_discord_routes_it_to():
    # Discord's documented example: guild 41771983423143937 is on shard 0 of 1 and ...
    assert shard_of(41771983423143937, 1) == 0
    assert shard_of(41771983423143937, 16) == (41771983423143937 >> 22) % 16
    assert all(shard_of(guild_on(s, 16), 16) == s for s in range(16))


@pytest.mark.parametrize(
    ("text", "shards"),
    [("0-3", (0, 1, 2, 3)), ("5", (5,)), ("0-1,4", (0, 1, 4)), (" 2 - 3 ", (2, 3))],
)
def test_pinned_shards_are_read(text, shards):
    assert parse_shards(text, 16).shards == shards


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0-16", "shard 16 does not exist: with 16 shards they are 0 to 15"),
        ("3-1", "the range 3-1 runs backwards"),
        ("a-b", "expected shard numbers and ranges such as 0-3"),
        ("", "expected shard numbers"),
    ],
)
def test_bad_shards_are_refused_plainly(text, words):
    with pytest.raises(ValueError, match=words):
        parse_shards(text, 16)


def test_groups_cover_every_shard_once():
    made = groups(10, 4)
    assert [plan.shards for plan in made] == [(0, 1, 2, 3), (4, 5, 6, 7), (8, 9)]
    with pytest.raises(ValueError, match="must be 1 to the shard count"):
        groups(4, 5)


def test_plans_describe_themselves_and_their_share():
    plan = parse_shards("0-3,6", 16)
    assert plan.describe() == "0-3,6 of 16"
    assert plan.share() == 5 / 16
    assert format_shards([]) == ""
    assert ShardPlan(2, (0, 1)).everything


def _schedule(guild_id: int, **changes) -> Schedule:
    return make_schedule(guild_id=guild_id, created_at=T0, updated_at=T0, **changes)


async def test_the_store_restores_and_recovers_only_its_shards(store):
    ours = _schedule(guild_on(1))
    theirs = _schedule(guild_on(2))
    for schedule in (ours, theirs):
        await store.insert_schedule(schedule)
        await store.claim_run(Run(schedule_id=schedule.id, scheduled_for=T0))
    store.plan = ShardPlan(4, (0, 1))
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert [t.id for t in (await store.due_timings(later))[0]] == [ours.id]
    assert [t.id for t in await store.schedule_timings(status=None)] == [ours.id]
    assert [i for i, _ in await store.upcoming_fires(T0, 10)] == [ours.id]
    running = await store.runs_with_status(RunStatus.RUNNING)
    assert [run.schedule_id for run in running] == [ours.id]
    store.plan = None
    assert len(await store.schedule_timings(status=None)) == 2


async def test_two_processes_never_hold_the_same_shard(postgres_url):
    first = await ShardLocks.connect(postgres_url, None, 4)
    second = await ShardLocks.connect(postgres_url, None, 4)
    try:
        assert await first.try_take(ShardPlan(4, (0, 1)))
        assert not await second.try_take(ShardPlan(4, (1, 2)))  # 1 is held: none taken
        assert await second.try_take(ShardPlan(4, (2, 3)))
        holders = await second.holders()
        assert sorted(holders) == [0, 1, 2, 3]
        assert holders[0].endswith("shards 0-1 of 4")
        assert holders[2].endswith("shards 2-3 of 4")
    finally:
        await first.close()
        await second.close()


async def test_a_standby_takes_the_group_a_dead_process_held(postgres_url):
    first = await ShardLocks.connect(postgres_url, None, 4)
    standby = await ShardLocks.connect(postgres_url, None, 4)
    lost: list[bool] = []
    first.on_lost(lambda: lost.append(True))
    try:
        candidates = groups(4, 2)
        assert await first.take_first_free(candidates) == candidates[0]
        assert await standby.try_take(candidates[1])
        other = await ShardLocks.connect(postgres_url, None, 4)
        waiting = asyncio.create_task(other.take_first_free(candidates, poll_seconds=0.05))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # everything is held: it waits as a standby
        first._db.terminate()  # the session ends as with kill -9: no unlock is sent
        assert await asyncio.wait_for(waiting, 10) == candidates[0]
        assert lost == [True]
        await other.close()
    finally:
        await first.close()
        await standby.close()


def test_holders_are_described_per_process():
    holders = {0: "a shards 0-1 of 4", 1: "a shards 0-1 of 4", 3: "b shards 3 of 4"}
    assert describe_holders(holders, 4) == [
        "0-1: a shards 0-1 of 4",
        "3: b shards 3 of 4",
        "2: free",
    ]


async def test_a_plan_covering_everything_filters_nothing(store: Store):
    store.plan = ShardPlan(1, (0,))
    await store.insert_schedule(_schedule(guild_on(3)))
    assert len(await store.schedule_timings()) == 1


async def test_a_change_made_here_for_another_processs_guild_adds_no_job_here(harness):
    """A DM button or the CLI may change another shard's schedule: only its owner fires it."""

    scheduler = await harness.restart()
    harness.store.plan = ShardPlan(4, (0, 1))
    ours = await scheduler.create(make_schedule(guild_id=guild_on(1)), actor="user:7")
    theirs = await scheduler.create(make_schedule(guild_id=guild_on(3)), actor="user:7")
    # By id: the job APScheduler holds (a `Schedule` would be answered from its trigger).
    assert scheduler.next_run_time(ours.id) is not None
    assert scheduler.next_run_time(theirs.id) is None
    await scheduler.pause(theirs.id, actor="user:7")
    await scheduler.resume(theirs.id, actor="user:7")
    assert scheduler.next_run_time(theirs.id) is None
