"""Crashes: kill -9 at any moment loses no digest, duplicates none, and corrupts nothing.

The real `summarybot run` fires interval schedules against the fake Discord, each delivering to a
Discord channel, a signed webhook and a file, and is killed with SIGKILL at seeded random moments
(some while a consumer holds a webhook request, i.e. between a send and its record; some while the
fake Discord holds the answer to a channel post it already stored) and restarted each time; then
it runs until every schedule completed and stops cleanly (see `crash_harness`). One crash run per
variant is shared by the tests below, each proving one invariant of what it left:

- SQLite's `PRAGMA integrity_check` is `ok` after every kill and at the end;
- no slot has two runs, and every run is for a real slot of its schedule;
- the windows of anchoring runs tile time from the first slot's window on (however late the
  first digest came), with no gap or overlap, so every chat message is summarized exactly
  once per schedule; no run is left running, interrupted or failed;
- every (run, destination) has exactly one delivery row, and it is delivered;
- each webhook consumer saw every delivery, with a valid signature, and repeats only with the
  same `webhook-id` and digest; the windows it saw are contiguous;
- each window has its own digest file, written once;
- no Discord channel shows two copies of a digest (Discord's nonce dedup covers resends only
  within a few minutes; every resend here comes seconds later);
- some kills really landed between a send and its record, and those sends were resumed;
- some kill landed after Discord stored a channel post and before the bot had its answer, and
  after the restart that message is in its channel exactly once: the resend carried the same
  nonce and got the stored message back, which the delivery then recorded.

A clean stop (SIGTERM) that outlasts its grace period mid-send is a cut-off too: the digest is
resent after the restart unchanged, under the same `webhook-id`. And a run cut off by a crash is
finished at start-up even when the schedule's next slot falls due before recovery reaches it
(in-process, with a slow start-up query: a moment the real process hits too rarely to test).

The `fast` variant (5 schedules, 3 kills) runs in CI; `full` (50 schedules, 24 kills) is `slow`.
`CRASH_SEED=<int>` replaces the variants' fixed seeds to explore other kill moments.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import os
import random
import sqlite3
import time
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from crash_harness import (
    LOOKBACK,
    CrashRecord,
    Variant,
    aware,
    crash_repeatedly,
    rigged,
    start_bot,
)
from standardwebhooks import Webhook

from delivery.models import ChannelDestination, FileDestination, WebhookDestination
from scheduling.jobs import run_summary
from scheduling.models import ANCHORING_STATUSES, DeliveryStatus, Interval, Run, RunStatus, utc_now
from scheduling.recurrence import next_fire_times
from scheduling.settings import SchedulingSettings
from scheduling.store import Store
from summarizer import summarize
from summarizer.models import SummaryOptions
from tests.scheduling.scheduling_fakes import FakeSource, Harness, make_schedule

pytestmark = pytest.mark.reliability

FAST = Variant(name="fast", schedules=5, kills=3, seed=20261124, intervals=(2, 3))
FULL = Variant(name="full", schedules=50, kills=24, seed=7, intervals=(2, 3, 4, 5))
# Discord drops a resend with the same nonce only within "a few minutes" of the first send.
NONCE_WINDOW = timedelta(minutes=2)


@pytest.fixture(
    scope="module",
    params=[pytest.param(FAST, id="fast"), pytest.param(FULL, id="full", marks=pytest.mark.slow)],
)
def crashed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One crash run of the variant, shared by every test of the module."""
    variant = request.param
    if os.environ.get("CRASH_SEED"):
        variant = dataclasses.replace(variant, seed=int(os.environ["CRASH_SEED"]))
    workdir = tmp_path_factory.mktemp(f"crash-{variant.name}")
    # A synchronous module fixture with its own loop: the subprocess, the fake Discord and the
    # consumers live in it for the whole run, while the tests only read the record.
    record = asyncio.run(crash_repeatedly(variant, workdir))
    print(summary_line(record))
    return record


def summary_line(record: CrashRecord) -> str:
    repeats = sum(n - 1 for n in Counter(r.webhook_id for r in record.received).values())
    cut_off = sum(len(k.in_flight) for k in record.kills)
    channel_cut = sum(len(k.channel_cut) for k in record.kills)
    return (
        f"crash[{record.variant.name} seed={record.variant.seed}]: {len(record.kills)} kills, "
        f"{len(record.runs)} runs, {len(record.deliveries)} deliveries, {cut_off} sends cut off "
        f"before their record, {repeats} webhook repeats, {channel_cut} channel posts stored "
        f"but unanswered at a kill, {record.nonce_dedups} nonce dedups, "
        f"{record.seconds:.1f} s; logs in {record.database.parent / 'summarybot.log'}"
    )


def test_the_last_process_settles_and_stops_cleanly(crashed):
    assert crashed.settled, f"work still unfinished at the end\n{crashed.log_tail()}"
    assert crashed.exit_code == 0, crashed.log_tail()


def test_the_database_is_intact_after_every_kill(crashed):
    assert [k.integrity for k in crashed.kills] == ["ok"] * len(crashed.kills)
    assert crashed.integrity == "ok"
    with sqlite3.connect(f"file:{crashed.database}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_no_slot_has_two_runs(crashed):
    slots = Counter((r.schedule_id, r.scheduled_for) for r in crashed.runs)
    assert [slot for slot, count in slots.items() if count > 1] == []
    for run in crashed.runs:
        recurrence = crashed.schedule(run.schedule_id).recurrence
        since_anchor = run.scheduled_for - recurrence.anchor
        assert since_anchor % timedelta(seconds=recurrence.seconds) == timedelta(0), run


def test_no_run_is_left_running_interrupted_or_failed(crashed):
    unfinished = [
        (r.schedule_id, r.id, r.status, r.attempt, r.error)
        for r in crashed.runs
        if r.status not in (RunStatus.SUCCEEDED, RunStatus.SKIPPED)
    ]
    assert unfinished == []


def test_the_windows_of_anchoring_runs_tile_time(crashed):
    broken = []
    for schedule in crashed.schedules:
        anchoring = sorted(
            (r for r in crashed.runs_of(schedule.id) if r.status in ANCHORING_STATUSES),
            key=lambda r: (r.window_start, r.window_end),
        )
        assert anchoring, f"schedule {schedule.id} never ran"
        first = anchoring[0]
        # The first digest reaches back from the schedule's first slot, however late it came
        # (a first run killed, or due while the process was dead, is covered by it).
        [first_slot] = next_fire_times(
            schedule.recurrence,
            schedule.timezone,
            after=schedule.created_at,
            count=1,
            start=schedule.created_at,
        )
        if first.window_start != first_slot - LOOKBACK:
            broken.append((schedule.id, "first window is not the first slot's", window_of(first)))
        for run in anchoring:
            # A window ends at its slot, unless a later run already reached past it (empty).
            if run.window_end not in (run.scheduled_for, run.window_start):
                broken.append((schedule.id, "window does not end at its slot", window_of(run)))
        for before, after in itertools.pairwise(anchoring):
            if after.window_start != before.window_end:
                kind = "gap" if after.window_start > before.window_end else "overlap"
                broken.append((schedule.id, kind, window_of(before), window_of(after)))
    assert broken == [], "\n".join(map(str, broken))


def test_every_chat_message_is_summarized_exactly_once_per_schedule(crashed):
    chat = crashed.world.chat
    for schedule in crashed.schedules:
        anchoring = [r for r in crashed.runs_of(schedule.id) if r.status in ANCHORING_STATUSES]
        start = min(r.window_start for r in anchoring)
        end = max(r.window_end for r in anchoring)
        for run in anchoring:
            expected = sum(run.window_start <= at < run.window_end for at in chat)
            assert run.message_count == expected, run
        summarized = sum(r.message_count for r in anchoring)
        assert summarized == sum(start <= at < end for at in chat), schedule.id


def test_every_run_has_one_delivered_row_per_destination(crashed):
    for run in crashed.runs:
        rows = crashed.deliveries_of(run.id)
        if run.status is RunStatus.SKIPPED:
            assert rows == [], run
            continue
        wanted = sorted(d.id for d in crashed.schedule(run.schedule_id).destinations)
        assert sorted(d.destination_id for d in rows) == wanted, run
        assert [d.status for d in rows] == [DeliveryStatus.DELIVERED] * len(rows), rows


def test_each_webhook_consumer_saw_every_delivery_and_repeats_kept_their_webhook_id(crashed):
    for schedule in crashed.schedules:
        hook = only(schedule.destinations, WebhookDestination)
        rows = webhook_rows(crashed, schedule.id, hook.id)
        got = crashed.received_by(schedule)
        for received in got:
            Webhook(hook.secret).verify(received.body, received.headers)
        delivered = {row.id for row in rows.values() if row.status is DeliveryStatus.DELIVERED}
        seen = {r.webhook_id for r in got}
        assert delivered - seen == set(), "deliveries the consumer never saw"
        assert seen - set(rows) == set(), "webhook ids that belong to no delivery"
        by_id = defaultdict(list)
        for received in got:
            by_id[received.webhook_id].append(received.event)
        for webhook_id, events in by_id.items():
            digests = {json.dumps(e["data"], sort_keys=True) for e in events}
            assert len(digests) == 1, f"{webhook_id} carried different digests"
            assert events[0]["data"]["run"]["id"] == rows[webhook_id].run_id
        ids_per_run = Counter(rows[webhook_id].run_id for webhook_id in by_id)
        assert [run for run, count in ids_per_run.items() if count > 1] == []


def test_webhook_consumers_saw_contiguous_windows(crashed):
    for schedule in crashed.schedules:
        seen = {
            (
                aware(r.event["data"]["summary"]["window"]["start"]),
                aware(r.event["data"]["summary"]["window"]["end"]),
            )
            for r in crashed.received_by(schedule)
        }
        runs = crashed.runs_of(schedule.id)
        sent = {window_of(r) for r in runs if r.status is RunStatus.SUCCEEDED}
        assert seen == sent, schedule.id
        # Skipped runs (too few messages) send nothing: their windows fill the consumer's gaps.
        skipped = {window_of(r) for r in runs if r.status is RunStatus.SKIPPED}
        windows = sorted(seen | skipped)
        gaps = [(a, b) for a, b in itertools.pairwise(windows) if a[1] != b[0]]
        assert gaps == [], schedule.id


def test_each_window_has_its_own_digest_file(crashed):
    shared = []
    written = set()
    for schedule in crashed.schedules:
        file = only(schedule.destinations, FileDestination)
        windows_per_path = defaultdict(list)
        for run in crashed.runs_of(schedule.id):
            for row in crashed.deliveries_of(run.id):
                if row.destination_id == file.id and row.status is DeliveryStatus.DELIVERED:
                    windows_per_path[row.external_id].append(window_of(run))
        shared += [(path, w) for path, w in windows_per_path.items() if len(w) > 1]
        written |= set(windows_per_path)
    assert shared == [], f"{len(shared)} files hold more than one window, e.g. {shared[:2]}"
    # A kill inside an atomic write leaves its `.digest-*.tmp` behind (never the digest's name);
    # cleanup deletes those after `retention.files_days`.
    on_disk = {str(p) for p in crashed.files if not p.name.startswith(".digest-")}
    assert on_disk == written


def test_no_channel_shows_a_digest_twice(crashed):
    copies = defaultdict(list)
    for message in crashed.posted:
        copies[message.channel_id, message.copy_key].append(message.created_at)
    late_copies = [
        (channel, times)
        for (channel, _), times in copies.items()
        if len(times) > 1 and max(times) - min(times) > NONCE_WINDOW
    ]
    assert late_copies == []
    # Every message is a delivered digest, and every delivered digest is in its channel once.
    posted = {(m.channel_id, m.id): m for m in crashed.posted}
    recorded = Counter()
    late_resends = []
    for row in crashed.deliveries:
        if isinstance(row.destination, ChannelDestination) and row.external_id:
            for message_id in map(int, row.external_id.split(",")):
                recorded[row.destination.channel_id, message_id] += 1
                first = posted.get((row.destination.channel_id, message_id))
                # The fake drops a repeated nonce forever; Discord only within its window, so
                # a resend recorded later than that would show up there as a second copy.
                if first is not None and row.delivered_at - first.created_at > NONCE_WINDOW:
                    late_resends.append((row.id, first.created_at, row.delivered_at))
    assert Counter(posted.keys()) == recorded
    assert late_resends == []


def test_some_kills_landed_between_a_send_and_its_record(crashed):
    cut_off = [webhook_id for kill in crashed.kills for webhook_id in kill.in_flight]
    assert cut_off, "no kill found a webhook request in flight"
    for kill in crashed.kills:
        assert kill.pending_after == kill.in_flight, kill
    resent = Counter(r.webhook_id for r in crashed.received)
    assert [webhook_id for webhook_id in cut_off if resent[webhook_id] < 2] == []


def test_a_channel_post_cut_off_by_a_kill_is_in_its_channel_once(crashed):
    """Discord stored the post, the process died before the answer, and a restart resent it."""
    held = [(kill, post) for kill in crashed.kills for post in kill.channel_cut]
    assert held, "no kill found a channel post in flight"
    rows = {row.id: row for row in crashed.deliveries}
    posts_per_nonce = Counter(post.nonce for post in crashed.channel_posts)
    for kill, post in held:
        # Discord had stored it before the kill; after the restart the channel shows it once:
        # no second message with its nonce, nor with its content.
        in_channel = [m for m in crashed.posted if m.channel_id == post.channel_id]
        [stored] = [m for m in in_channel if m.id == post.message_id]
        copies = [m.id for m in in_channel if m.copy_key == stored.copy_key]
        assert copies == [post.message_id], f"{post} is in its channel {len(copies)} times"
        assert [m.id for m in in_channel if m.nonce == post.nonce] == [post.message_id]
        # The send was not recorded: exactly one delivery, still pending, owns this nonce.
        [delivery_id] = kill.channel_pending_after
        row = rows[delivery_id]
        assert row.destination.channel_id == post.channel_id, (kill, row)
        # It was resent, got the stored message back, and the delivery recorded that message.
        assert posts_per_nonce[post.nonce] >= 2, f"{post} was never resent"
        assert row.status is DeliveryStatus.DELIVERED, row
        assert post.message_id in map(int, (row.external_id or "").split(",")), (post, row)
    assert crashed.nonce_dedups >= len(held)


async def test_a_digest_cut_off_by_a_clean_stop_is_resent_unchanged(tmp_path):
    """SIGTERM while a webhook is still unanswered after the grace period, then a restart."""
    variant = Variant(name="stop", schedules=1, kills=0, seed=5, intervals=(3,))
    grace = {"SUMMARYBOT_DISCORD__SHUTDOWN_TIMEOUT_SECONDS": "1"}
    async with rigged(variant, tmp_path, random.Random(variant.seed), **grace) as rig:
        consumers = rig.consumers
        consumers.hold = 3  # past the 1-s grace period: the stop cancels the run mid-send
        await start_bot(rig.bot, rig.fake)
        await rig.fake.wait_for(lambda: bool(consumers.received), timeout=30)
        assert await rig.bot.stop() == 0
        rig.keep_logs("stopped during a send")
        consumers.hold = 0
        cut_off = consumers.received[0].webhook_id
        await start_bot(rig.bot, rig.fake)
        await rig.fake.wait_for(
            lambda: sum(r.webhook_id == cut_off for r in consumers.received) >= 2, timeout=30
        )
        assert await rig.bot.stop() == 0
        rig.keep_logs("resumed")
    first, again = [r.event for r in consumers.received if r.webhook_id == cut_off][:2]
    # Same webhook-id, so a consumer drops the repeat: it must be the digest it already has.
    before, after = first["data"]["summary"], again["data"]["summary"]
    changed = sorted(
        key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
    )
    assert again["data"] == first["data"], f"resent under the same webhook-id, changed: {changed}"


async def test_a_cut_off_run_is_finished_even_when_the_next_slot_fires_first(tmp_path, monkeypatch):
    """In-process: start-up is slow to find cut-off runs, and the next slot falls due meanwhile."""
    harness = Harness(tmp_path / "bot.db", utc_now, SchedulingSettings())
    harness.source = FakeSource(every=timedelta(seconds=5))
    scheduler = await harness.open()
    period = timedelta(seconds=60)
    due = utc_now() + timedelta(seconds=0.5)  # the next slot, just after the restart below
    schedule = make_schedule(
        recurrence=Interval(seconds=60, anchor=due - 2 * period),
        created_at=due - 3 * period,
        updated_at=due - 3 * period,
    )
    await harness.store.insert_schedule(schedule)
    await run_summary(scheduler.context, schedule.id, scheduled_for=due - 2 * period)
    cut = await cut_off_run(harness, schedule, slot=due - period)

    slow = Store.runs_with_status

    async def slow_start_up_query(self, *statuses):
        await asyncio.sleep(1.5)  # a big database; the fault this test injects
        return await slow(self, *statuses)

    monkeypatch.setattr(Store, "runs_with_status", slow_start_up_query)
    await harness.restart(start=True)
    runs = await settled_runs(harness.store, schedule.id, count=3, seconds=5)
    cut_rows = [d.status for d in await harness.store.list_deliveries(run_id=cut.id)]
    await harness.close()
    assert [r.status for r in runs if r.id == cut.id] == [RunStatus.SUCCEEDED], runs
    assert cut_rows == [DeliveryStatus.DELIVERED] * len(schedule.destinations)
    anchoring = sorted(window_of(r) for r in runs if r.status in ANCHORING_STATUSES)
    assert [(a, b) for a, b in itertools.pairwise(anchoring) if a[1] != b[0]] == []


async def settled_runs(store, schedule_id, count, seconds):
    """A schedule's runs, oldest first, once `count` exist and none runs (or after `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        runs = sorted(await store.list_runs(schedule_id), key=lambda r: r.scheduled_for)
        done = len(runs) >= count and all(r.status is not RunStatus.RUNNING for r in runs)
        if done or time.monotonic() > deadline:
            return runs
        await asyncio.sleep(0.05)  # polling the store for the outcome


async def cut_off_run(harness, schedule, slot):
    """What kill -9 leaves of a run that was delivering: window and digest stored, rows pending."""
    store = harness.store
    run = await store.claim_run(Run(schedule_id=schedule.id, scheduled_for=slot, started_at=slot))
    anchor = await store.latest_anchor(schedule.id)
    run = run.model_copy(update={"window_start": anchor.window_end, "window_end": slot})
    await store.update_run(run)
    fetched = await harness.source.fetch((100,), run.window_start, slot, limit=500)
    digest = await summarize(fetched.messages, SummaryOptions(generated_at=slot))
    await store.save_summary(run.id, digest.model_dump_json(by_alias=True))
    await store.create_deliveries(run.id, schedule.destinations, slot)
    return run


def window_of(run):
    return (run.window_start, run.window_end)


def only(destinations, kind):
    [found] = [d for d in destinations if isinstance(d, kind)]
    return found


def webhook_rows(record, schedule_id, destination_id):
    run_ids = {r.id for r in record.runs_of(schedule_id)}
    return {
        d.id: d
        for d in record.deliveries
        if d.run_id in run_ids and d.destination_id == destination_id
    }
