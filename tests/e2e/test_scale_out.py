"""Scale-out: three `summarybot run` processes split the shards over one PostgreSQL database,
a fourth waits as a standby and takes over the shard of one killed with SIGKILL.

The issue's load is 60 guilds and 300 schedules firing every minute for several minutes. The
whole suite must stay under 5 minutes on 2 cores, which leaves this test about half a minute,
so time is compressed, and said how:

- 60 guilds, 20 on each of 3 shards (`--shard-count 3 --shards auto --shards-per-process 1`:
  3 serving processes and 1 standby), 2 schedules each: 120 schedules, every one with its own
  digest channel and a signed webhook, reading a #general with chat in every window.
- They fire every `PERIOD` = 8 s instead of every minute (7.5x faster): 15 runs a second, three
  times the issue's 300 a minute. On 2 cores a wave of 300 runs takes 5-8 s (the runs, the
  database, the fake and the webhook receiver share the cores), too long for a period short
  enough to fit; 120 keep a wave at 1-3 s, well inside the period.
- Discord's global limit (50 requests/s for the bot, all processes together) is scaled by the
  same 7.5x, at the fake and in `discord.global_rate_limit`, so the bot meets the limit as
  it would at the issue's pace; the per-channel limits are Discord's (one post per channel
  per period is far below them).
- Four slots: one served before the kill, one cut off by it, one missed while the shard has
  no process, one after the takeover.

The kill lands mid-run: from the wave after the first, the webhook receiver holds the
victim's requests unanswered, and once a run slot's worth of them is held the victim is killed
with SIGKILL. Those runs have sent their webhook and never learn that it arrived, the rest of
the victim's wave has not started yet. So that the next slot is surely missed, and caught up,
on every run rather than only when the standby happens to be slow, the standby is stopped
(SIGSTOP) before the kill and continued once that slot has begun on the other shards: a
standby that notices late. It then resumes the cut-off runs (their webhooks go again under the
same `webhook-id`, which is how a consumer recognises a repeat), runs the rest of the killed
wave and catches up the missed slot.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import signal
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from delivery.models import ChannelDestination, WebhookDestination
from delivery.signing import new_signing_secret
from scheduling.models import Interval, Run, RunStatus, Schedule, ScheduleStatus, utc_now
from scheduling.store import Store
from tests.e2e.conftest import BotProcess, Receiver, bot_env, killed_at_exit, seed_guild
from tests.e2e.test_schedules_fire import CHAT
from tests.fakediscord.server import FakeDiscord

SHARD_COUNT = 3
GUILDS = 60
SCHEDULES_PER_GUILD = 2
PERIOD = timedelta(seconds=8)
TIME_SCALE = timedelta(minutes=1) / PERIOD
DISCORD_GLOBAL_LIMIT = 50  # requests a second, for the bot token
BOT_GLOBAL_LIMIT = 48  # discord.global_rate_limit's default: a margin under Discord's
# The three serving processes start (about 5 s on 2 cores) before the first slot.
FIRST_SLOT_AFTER = timedelta(seconds=10)
CHAT_EVERY = timedelta(seconds=2)
# The victim is killed at least this long before its next slot (the test's own check).
QUIET_BEFORE_SLOT = timedelta(seconds=3)
MIN_RUN_SLOTS, MAX_RUN_SLOTS = 4, 16  # `max_concurrent_runs = "auto"` is within these
VICTIM = 1
WAVE_TIMEOUT = 30.0
POLL_SECONDS = 0.2
AUTO = ("--shard-count", str(SHARD_COUNT), "--shards", "auto", "--shards-per-process", "1")


@dataclass(frozen=True)
class Planned:
    """A schedule with the channel it posts to, its webhook secret and its guild's shard."""

    schedule: Schedule
    digest: int
    secret: str
    shard: int


@dataclass
class Fleet:
    """What the test seeded: the schedules by id, their guilds by shard, the first slot."""

    planned: dict[str, Planned]
    guilds: dict[int, list[int]]
    first_slot: datetime

    def slot(self, number: int) -> datetime:
        return self.first_slot + number * PERIOD

    def guilds_of(self, *shards: int) -> list[int]:
        return [guild for shard in shards for guild in self.guilds[shard]]


def seed(fake: FakeDiscord, receiver: Receiver, first_slot: datetime) -> Fleet:
    """The guilds, evenly over the shards, with chat in #general; two schedules each."""
    fleet = Fleet({}, {shard: [] for shard in range(SHARD_COUNT)}, first_slot)
    for number in range(GUILDS):
        shard = number % SHARD_COUNT
        guild = seed_guild(fake, f"guild {number}", shard=(shard, SHARD_COUNT))
        fleet.guilds[shard].append(guild.guild_id)
        at = first_slot - PERIOD
        for index in itertools.count():
            if at > fleet.slot(8):
                break
            author = guild.member if index % 2 else guild.admin
            fake.add_message(guild.general, author, CHAT[index % len(CHAT)], at=at)
            at += CHAT_EVERY
        for n in range(SCHEDULES_PER_GUILD):
            digest = guild.digest if n == 0 else fake.add_channel(guild.guild_id, f"d{n}").id
            secret = new_signing_secret()
            schedule = Schedule(
                guild_id=guild.guild_id,
                created_by=guild.admin.id,
                channel_ids=(guild.general,),
                recurrence=Interval(seconds=int(PERIOD.total_seconds()), anchor=first_slot),
                destinations=(
                    ChannelDestination(channel_id=digest),
                    WebhookDestination(url=receiver.url, secret=secret),
                ),
            )
            fleet.planned[schedule.id] = Planned(schedule, digest, secret, shard)
    return fleet


def serving(process: BotProcess) -> int | None:
    """The shard a process says it serves (`serving shards 1 of 3`), once it does."""
    for line in process.stderr_lines:
        found = re.search(rf"serving shards (\d+) of {SHARD_COUNT}$", line)
        if found:
            return int(found.group(1))
    return None


async def runs_since(store: Store, guild_ids: list[int], slot: datetime) -> Counter[RunStatus]:
    """The runs of these guilds' schedules started at or after `slot`, by status."""
    found: Counter[RunStatus] = Counter()
    for guild_id in guild_ids:
        found.update(RunStatus(f.status) for f in await store.guild_runs_since(guild_id, slot))
    return found


async def runs_of(
    store: Store, fleet: Fleet, shards: Collection[int], slot: datetime
) -> Counter[RunStatus]:
    """The runs for `slot` of the schedules of these shards' guilds, by status."""
    found: Counter[RunStatus] = Counter()
    for sid, planned in fleet.planned.items():
        if planned.shard in shards:
            recent = await store.list_runs(sid, limit=3)
            found.update(r.status for r in recent if r.scheduled_for == slot)
    return found


async def wait_runs(
    store: Store, fleet: Fleet, shards: Collection[int], slot: datetime, *, succeeded: bool = True
) -> None:
    """Until every schedule of these shards ran `slot` successfully (or, with `succeeded`
    False, until any of them started it). The database is polled: it has nothing to await."""
    wanted = len(fleet.guilds_of(*shards)) * SCHEDULES_PER_GUILD if succeeded else 1
    try:
        async with asyncio.timeout(WAVE_TIMEOUT):
            while True:
                found = await runs_of(store, fleet, shards, slot)
                if (found[RunStatus.SUCCEEDED] if succeeded else found.total()) >= wanted:
                    return
                await asyncio.sleep(POLL_SECONDS)
    except TimeoutError:
        raise AssertionError(f"the runs of {slot}: {found}, expected {wanted}") from None


async def start_fleet(fake: FakeDiscord, processes: list[BotProcess]) -> dict[int, BotProcess]:
    """Start the serving processes; returns who serves which shard once all are connected."""
    for process in processes:
        await process.start(*AUTO)
    await fake.wait_for(
        lambda: (
            (
                len(fake.gateway.connected) == SHARD_COUNT
                and all(serving(p) is not None for p in processes)
            )
            or any(p.exited() for p in processes)
        ),
        timeout=40,
    )
    holders = {serving(p): p for p in processes}
    assert sorted(holders) == list(range(SHARD_COUNT)), [p.stderr for p in processes]
    assert set(fake.gateway.shard_identifies) == {(s, SHARD_COUNT) for s in range(SHARD_COUNT)}
    return holders  # type: ignore[return-value]


def assert_refused(pinned: BotProcess, holder: BotProcess) -> None:
    """The pinned process said, in one line, that shard 0 is served, and by whom."""
    assert holder.process is not None
    [refusal] = pinned.stderr_lines
    assert re.fullmatch(
        rf"summarybot: shards 0 of {SHARD_COUNT} are already served: 0: summarybot \S+:"
        rf"{holder.process.pid} shards 0 of {SHARD_COUNT}"
        r" \(stop that process or pin other shards\)",
        refusal,
    ), refusal


@pytest.fixture
def fleet_env(fake_discord: FakeDiscord, postgres_url: str, tmp_path: Path) -> dict[str, str]:
    fake_discord.gateway.heartbeat_interval_ms = 500
    fake_discord.set_global_limit(int(DISCORD_GLOBAL_LIMIT * TIME_SCALE))
    return bot_env(
        fake_discord,
        tmp_path,
        STORAGE__URL=postgres_url,
        DISCORD__GLOBAL_RATE_LIMIT=str(BOT_GLOBAL_LIMIT * TIME_SCALE),
        SCHEDULING__MIN_INTERVAL_SECONDS=str(int(PERIOD.total_seconds())),
    )


async def test_a_standby_takes_over_a_killed_shard_and_every_window_runs_once(
    fake_discord: FakeDiscord,
    receiver: Receiver,
    postgres_url: str,
    fleet_env: dict[str, str],
    tmp_path: Path,
) -> None:
    fake = fake_discord
    now = utc_now()
    fleet = seed(fake, receiver, (now + FIRST_SLOT_AFTER).replace(microsecond=0))
    async with await Store.open_url(postgres_url) as store:
        await store.insert_schedules([p.schedule for p in fleet.planned.values()], "test", now)
    processes = [BotProcess(fake, tmp_path, fleet_env) for _ in range(SHARD_COUNT + 2)]
    *first, standby, pinned = processes
    everyone = set(range(SHARD_COUNT))
    victim, others = {VICTIM}, everyone - {VICTIM}

    async with killed_at_exit(*processes), await Store.open_url(postgres_url) as store:
        holders = await start_fleet(fake, first)
        await standby.start(*AUTO)
        # A process pinned to a held shard is refused at start, naming the holder.
        await pinned.start("--shard-count", str(SHARD_COUNT), "--shards", "0")
        assert await pinned.wait_exit(timeout=30) == 1
        assert_refused(pinned, holders[0])
        await fake.wait_for(
            lambda: (
                any("waiting as a standby" in line for line in standby.stderr_lines)
                or standby.exited()
            ),
            timeout=30,
        )

        await wait_runs(store, fleet, victim, fleet.slot(0))
        # The victim's next runs hang at their webhooks; a run slot's worth of them is killed.
        receiver.holding = lambda body: fleet.planned[schedule_of(body)].shard == VICTIM
        cut = fleet.slot(1)
        await fake.wait_for(lambda: len(receiver.held) >= MIN_RUN_SLOTS, timeout=WAVE_TIMEOUT)
        assert standby.process is not None
        standby.process.send_signal(signal.SIGSTOP)
        await holders[VICTIM].kill()
        killed_at = utc_now()
        receiver.holding = None
        receiver.released.set()
        missed = fleet.slot(2)
        assert killed_at < missed - QUIET_BEFORE_SLOT, "the victim was killed too late"
        # The next slot begins on the other shards while nobody serves VICTIM's.
        await wait_runs(store, fleet, others, missed, succeeded=False)
        assert not await runs_since(store, fleet.guilds_of(VICTIM), missed)
        standby.process.send_signal(signal.SIGCONT)
        continued_at = utc_now()

        await fake.wait_for(
            lambda: fake.gateway.shard_identifies[VICTIM, SHARD_COUNT] == 2 or standby.exited(),
            timeout=30,
        )
        assert serving(standby) == VICTIM, standby.stderr
        await wait_runs(store, fleet, everyone, missed)
        await wait_runs(store, fleet, everyone, fleet.slot(3))
        survivors = [p for p in processes if p is not holders[VICTIM] and p is not pinned]
        for process in survivors:
            assert process.process is not None
            process.process.send_signal(signal.SIGTERM)
        assert [await p.wait_exit(timeout=30) for p in survivors] == [0] * len(survivors)
        runs = {
            sid: sorted(await store.list_runs(sid), key=lambda r: r.scheduled_for)
            for sid in fleet.planned
        }
        stored = {sid: await store.get_schedule(sid) for sid in fleet.planned}

    # Each shard was identified once, the killed one a second time: by the standby.
    expected = Counter({(shard, SHARD_COUNT): 1 for shard in range(SHARD_COUNT)})
    expected[VICTIM, SHARD_COUNT] += 1
    assert fake.gateway.shard_identifies == expected
    assert fake.gateway.identifies == SHARD_COUNT + 1
    coalesced = 0
    for sid, planned in fleet.planned.items():
        slots = assert_windows(fleet, runs[sid], 3)
        assert stored[sid] is not None
        assert stored[sid].status is ScheduleStatus.ACTIVE, stored[sid]
        if planned.shard != VICTIM:
            assert slots == list(range(len(slots))), slots
            continue
        # The killed wave was finished, and the slot missed while the shard had no process
        # caught up, by the standby: a cut-off run resumed, one not started coalesced.
        later = [r for r in runs[sid] if r.scheduled_for in (cut, missed)]
        assert all(r.finished_at and r.finished_at > continued_at for r in later), runs
        skipped = set(range(slots[-1] + 1)) - set(slots)
        assert skipped <= {1}, slots
        coalesced += bool(skipped)
    # Run slots were busy with the held runs; the rest of the killed wave had not started.
    assert coalesced >= len(fleet.guilds_of(VICTIM)) * SCHEDULES_PER_GUILD - MAX_RUN_SLOTS
    assert_one_delivery_per_run(fake, receiver, fleet, runs)
    # The webhooks cut off by the kill went again, under the same id.
    sent = Counter(webhook_id(headers) for headers, _ in receiver.received)
    assert len(receiver.held) >= MIN_RUN_SLOTS
    twice = {webhook_id(headers) for headers in receiver.held}
    assert {key: n for key, n in sent.items() if n > 1} == dict.fromkeys(twice, 2)


def assert_windows(fleet: Fleet, runs: list[Run], through: int) -> list[int]:
    """The windows tile time from the first slot through slot `through` or later, each
    summarized by one succeeded run; returns the slots (by number) that have a run.

    A slot may have none only where the shard had no process: the catch-up rule
    (`catch_up = "coalesce"`) gives the latest missed slot one run whose window reaches back
    to where the last run's ended, so the messages of a slot without a run are in the next.
    """
    assert [r.status for r in runs] == [RunStatus.SUCCEEDED] * len(runs), runs
    numbers = [(r.scheduled_for - fleet.first_slot) / PERIOD for r in runs]
    assert numbers == sorted(set(numbers)), numbers
    assert numbers[0] == 0, numbers
    assert numbers[-1] >= through, numbers
    assert runs[0].window_start == fleet.slot(0) - PERIOD
    for before, after in itertools.pairwise(runs):
        assert after.window_start == before.window_end, (before, after)
    assert all(r.window_end == r.scheduled_for and r.message_count for r in runs), runs
    return [int(n) for n in numbers]


def assert_one_delivery_per_run(
    fake: FakeDiscord, receiver: Receiver, fleet: Fleet, runs: dict[str, list[Run]]
) -> None:
    """One post in each schedule's digest channel per run; one signed webhook per run: a
    request sent again carries the same `webhook-id`."""
    per_schedule = {sid: len(ran) for sid, ran in runs.items()}
    assert {sid: len(fake.posted(p.digest)) for sid, p in fleet.planned.items()} == per_schedule
    hooks: dict[str, set[str]] = {sid: set() for sid in fleet.planned}
    for headers, body in receiver.received:
        lowered = {key.lower(): value for key, value in headers.items()}
        schedule_id = schedule_of(body)
        Webhook(fleet.planned[schedule_id].secret).verify(body, lowered)
        hooks[schedule_id].add(lowered["webhook-id"])
    assert {sid: len(ids) for sid, ids in hooks.items()} == per_schedule


def webhook_id(headers: dict[str, str]) -> str:
    return next(value for key, value in headers.items() if key.lower() == "webhook-id")


def schedule_of(body: bytes) -> str:
    """The schedule a webhook event is from."""
    return json.loads(body)["data"]["schedule"]["id"]
