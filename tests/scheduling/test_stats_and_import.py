"""A guild's statistics from the store, and an import written all at once or not at all."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from delivery.models import ChannelDestination, WebhookDestination
from scheduling.errors import DuplicateError, ScheduleStateError
from scheduling.models import (
    AuditAction,
    Daily,
    DeliveryStatus,
    Run,
    RunStatus,
    Schedule,
)
from scheduling.service import ScheduleService
from scheduling.settings import SchedulingSettings
from scheduling.stats import guild_stats, percentile, period_start, spread

T0 = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # the night Europe/Berlin moves to summer time
BERLIN = ZoneInfo("Europe/Berlin")


def _schedule(guild=111, **changes) -> Schedule:
    fields = {
        "guild_id": guild,
        "created_by": 42,
        "channel_ids": (1001,),
        "recurrence": Daily(time=time(9, 0)),
        "destinations": (
            ChannelDestination(channel_id=2001),
            WebhookDestination(url="https://hooks.example.com/in/abc", secret="whsec_c2VjcmV0"),
        ),
        "created_at": T0 - timedelta(days=30),
        "updated_at": T0 - timedelta(days=30),
    }
    fields.update(changes)
    return Schedule(**fields)


async def _run(store, schedule, started, status, *, seconds=2, messages=10, delivered=(True,)):
    run = await store.claim_run(
        Run(schedule_id=schedule.id, scheduled_for=started, started_at=started)
    )
    done = run.model_copy(
        update={
            "status": status,
            "message_count": messages,
            "finished_at": started + timedelta(seconds=seconds),
        }
    )
    await store.update_run(done)
    targets = schedule.destinations[: len(delivered)]
    rows = await store.create_deliveries(run.id, targets, started)
    for row, ok in zip(rows, delivered, strict=True):
        outcome = DeliveryStatus.DELIVERED if ok else DeliveryStatus.FAILED
        await store.update_delivery(row.model_copy(update={"status": outcome}))


def test_percentiles_are_values_that_occurred():
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.95) == 19
    assert percentile([5.0], 0.95) == 5
    numbers = spread([3, 1, 2, 10])
    assert (numbers.median, numbers.p95, numbers.largest, numbers.total) == (2.5, 10, 10, 16)
    assert spread([]) is None


def test_the_period_is_calendar_days_in_the_guilds_zone():
    start = period_start(T0, 7, BERLIN)  # 23:30 on 28 March in Berlin
    assert start == datetime(2026, 3, 22, tzinfo=BERLIN)


async def test_guild_stats_count_this_guilds_runs_and_deliveries_by_day(store):
    ours, theirs = _schedule(), _schedule(guild=222)
    await store.insert_schedule(ours)
    await store.insert_schedule(theirs)
    day = timedelta(days=1)
    await _run(store, ours, T0 - 2 * day, RunStatus.SUCCEEDED, seconds=1, delivered=(True, True))
    await _run(store, ours, T0 - day, RunStatus.PARTIAL, seconds=3, delivered=(True, False))
    await _run(store, ours, T0, RunStatus.FAILED, seconds=30, messages=99, delivered=(False,))
    await _run(store, ours, T0 - 40 * day, RunStatus.SUCCEEDED)  # before the period
    await _run(store, theirs, T0, RunStatus.SUCCEEDED)

    stats = await guild_stats(store, 111, days=7, now=T0 + timedelta(minutes=5), zone=BERLIN)

    assert stats.outcomes == {
        ours.id: {RunStatus.SUCCEEDED: 1, RunStatus.PARTIAL: 1, RunStatus.FAILED: 1}
    }
    assert len(stats.per_day) == 7
    assert [sum(c.values()) for _, c in stats.per_day][-3:] == [1, 1, 1]
    totals = {(t.destination.kind, t.finished, t.delivered) for t in stats.deliveries}
    assert totals == {("channel", 3, 2), ("webhook", 2, 1)}
    assert stats.digest_sizes.count == 2  # the failed run delivered no digest
    assert (stats.durations.median, stats.durations.largest) == (3, 30)


def _service(store, now) -> ScheduleService:
    return ScheduleService(store, SchedulingSettings(), lambda: now)


async def test_an_import_writes_creates_and_updates_in_one_transaction(store):
    stored = _schedule()
    await store.insert_schedule(stored)
    service = _service(store, T0)
    renamed = stored.model_copy(update={"name": "Renamed"})
    fresh = _schedule(name="Fresh")

    written = await service.apply_import([fresh], [(stored, renamed)], "user:7", 111)

    assert {s.name for s in written} == {"Fresh", "Renamed"}
    assert (await store.get_schedule(stored.id)).name == "Renamed"
    audit = await store.list_audit(guild_id=111)
    assert {(e.action, e.schedule_id) for e in audit} == {
        (AuditAction.IMPORTED, fresh.id),
        (AuditAction.IMPORTED, stored.id),
    }
    assert [e.detail for e in audit if e.schedule_id == stored.id] == [{"fields": ["name"]}]


async def test_an_import_is_refused_whole_when_a_schedule_changed_or_an_id_is_taken(store):
    stored = _schedule()
    await store.insert_schedule(stored)
    service = _service(store, T0)
    await service.pause(stored.id, "user:1", "meanwhile")
    fresh = _schedule(name="Fresh")
    renamed = stored.model_copy(update={"name": "Renamed"})

    with pytest.raises(ScheduleStateError, match="was changed"):
        await service.apply_import([fresh], [(stored, renamed)], "user:7", 111)
    assert await store.get_schedule(fresh.id) is None
    with pytest.raises(DuplicateError, match="nothing was written"):
        await service.apply_import([fresh, fresh], [], "user:7", 111)
    assert await store.get_schedule(fresh.id) is None


async def test_counters_moved_by_a_run_meanwhile_are_kept(store):
    stored = _schedule()
    await store.insert_schedule(stored)
    counted = stored.model_copy(update={"run_count": 5, "consecutive_failures": 1})
    await store.update_schedule(counted)
    renamed = stored.model_copy(update={"name": "Renamed"})

    [written] = await _service(store, T0).apply_import([], [(stored, renamed)], "user:7", 111)

    assert (written.name, written.run_count, written.consecutive_failures) == ("Renamed", 5, 1)


async def test_an_import_cannot_update_another_guilds_schedule(store):
    theirs = _schedule(guild=222)
    await store.insert_schedule(theirs)
    renamed = theirs.model_copy(update={"name": "Mine now"})

    with pytest.raises(Exception, match="no schedule"):
        await _service(store, T0).apply_import([], [(theirs, renamed)], "user:7", 111)
    assert (await store.get_schedule(theirs.id)).name == ""
