"""The store: every model survives a round trip, migrations are safe, claims are unique."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from delivery.models import (
    ChannelDestination,
    DmDestination,
    FileDestination,
    WebhookDestination,
)
from scheduling.errors import DuplicateError, NotFoundError, StoreError
from scheduling.models import (
    AuditAction,
    AuditEntry,
    Cron,
    Daily,
    DeliveryStatus,
    Interval,
    Monthly,
    Run,
    RunStatus,
    RunTrigger,
    Schedule,
    ScheduleStatus,
    Weekly,
    user_actor,
)
from scheduling.store import Store, migrations

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _schedule(**changes) -> Schedule:
    fields = {
        "guild_id": 111,
        "created_by": 42,
        "channel_ids": (1001, 1002),
        "recurrence": Daily(time=time(9, 0)),
        "timezone": "Europe/Berlin",
        "destinations": (
            ChannelDestination(channel_id=2001, mention_role_id=3001),
            DmDestination(user_id=42),
            WebhookDestination(url="https://hooks.example.com/in/abc", secret="whsec_c2VjcmV0"),
            FileDestination(format="json"),
        ),
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(changes)
    return Schedule(**fields)


async def test_schedule_round_trip_keeps_every_field(store):
    schedule = _schedule(
        name="Morning digest",
        lookback_seconds=3600,
        max_runs=10,
        end_at=datetime(2027, 1, 1, tzinfo=ZoneInfo("Europe/Berlin")),
    )
    await store.insert_schedule(schedule)
    assert await store.get_schedule(schedule.id) == schedule


@pytest.mark.parametrize(
    "recurrence",
    [
        Interval(seconds=3600, anchor=T0),
        Weekly(weekdays=(1, 4), time=time(17, 30)),
        Monthly(day="last", time=time(18, 0)),
        Cron(expression="0 9 * * 1-5"),
    ],
)
async def test_every_recurrence_kind_round_trips(store, recurrence):
    schedule = _schedule(recurrence=recurrence)
    await store.insert_schedule(schedule)
    assert (await store.get_schedule(schedule.id)).recurrence == recurrence


async def test_datetimes_come_back_aware_in_utc(store):
    berlin = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    schedule = _schedule(created_at=berlin, updated_at=berlin)
    await store.insert_schedule(schedule)
    loaded = await store.get_schedule(schedule.id)
    assert loaded.created_at == berlin
    assert loaded.created_at.tzinfo == UTC


async def test_duplicate_schedule_id_is_refused(store):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    with pytest.raises(DuplicateError, match=schedule.id):
        await store.insert_schedule(schedule)


async def test_schedule_of_another_guild_is_not_found(store):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    assert await store.get_schedule(schedule.id, guild_id=999) is None
    assert await store.get_schedule(schedule.id, guild_id=111) == schedule


async def test_list_filters_by_guild_and_status(store):
    paused = _schedule(status=ScheduleStatus.PAUSED)
    other_guild = _schedule(guild_id=222)
    active = _schedule()
    for schedule in (paused, other_guild, active):
        await store.insert_schedule(schedule)
    assert {s.id for s in await store.list_schedules(guild_id=111)} == {paused.id, active.id}
    assert [s.id for s in await store.list_schedules(status=ScheduleStatus.PAUSED)] == [paused.id]
    assert len(await store.list_schedules()) == 3


async def test_update_and_delete_write_audit_entries_atomically(store):
    schedule = _schedule()
    await store.insert_schedule(
        schedule,
        AuditEntry(
            guild_id=111, schedule_id=schedule.id, actor=user_actor(42), action=AuditAction.CREATED
        ),
    )
    paused = schedule.model_copy(update={"status": ScheduleStatus.PAUSED, "pause_reason": "manual"})
    await store.update_schedule(
        paused,
        AuditEntry(guild_id=111, schedule_id=schedule.id, actor="cli", action=AuditAction.PAUSED),
    )
    assert (await store.get_schedule(schedule.id)).status is ScheduleStatus.PAUSED
    assert await store.delete_schedule(
        schedule.id,
        AuditEntry(guild_id=111, schedule_id=schedule.id, actor="cli", action=AuditAction.DELETED),
    )
    assert await store.get_schedule(schedule.id) is None
    actions = [entry.action for entry in await store.list_audit(schedule_id=schedule.id)]
    assert actions == [AuditAction.DELETED, AuditAction.PAUSED, AuditAction.CREATED]


async def test_update_of_a_missing_schedule_is_not_found(store):
    with pytest.raises(NotFoundError):
        await store.update_schedule(_schedule())


async def test_failed_write_leaves_nothing_behind(store):
    schedule = _schedule()
    broken_audit = AuditEntry.model_construct(
        actor=None, action=AuditAction.CREATED, at=T0, detail={}, guild_id=None, schedule_id=None
    )
    with pytest.raises(StoreError, match="refused by the database"):
        await store.insert_schedule(schedule, broken_audit)
    assert await store.get_schedule(schedule.id) is None


async def test_import_is_all_or_nothing(store):
    existing = _schedule()
    await store.insert_schedule(existing)
    fresh = _schedule()
    with pytest.raises(DuplicateError, match="nothing was written"):
        await store.insert_schedules([fresh, existing], actor="cli", now=T0)
    assert await store.get_schedule(fresh.id) is None
    assert await store.insert_schedules([fresh], actor="cli", now=T0) == 1


async def test_run_round_trip(store):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    claimed = await store.claim_run(
        Run(
            schedule_id=schedule.id,
            scheduled_for=T0,
            trigger=RunTrigger.MANUAL,
            triggered_by=42,
            started_at=T0,
        )
    )
    finished = claimed.model_copy(
        update={
            "status": RunStatus.SUCCEEDED,
            "window_start": T0 - timedelta(days=1),
            "window_end": T0,
            "message_count": 120,
            "finished_at": T0 + timedelta(seconds=5),
        }
    )
    await store.update_run(finished)
    assert await store.get_run(claimed.id) == finished
    assert await store.list_runs(schedule.id) == [finished]


async def test_a_slot_can_be_claimed_only_once(store):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    first = await store.claim_run(Run(schedule_id=schedule.id, scheduled_for=T0))
    second = await store.claim_run(Run(schedule_id=schedule.id, scheduled_for=T0))
    assert first is not None
    assert first.id is not None
    assert second is None
    assert len(await store.list_runs(schedule.id)) == 1


async def test_same_slot_in_another_zone_spelling_is_still_the_same_slot(store):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    await store.claim_run(Run(schedule_id=schedule.id, scheduled_for=T0))
    again = T0.astimezone(ZoneInfo("Australia/Sydney"))
    assert await store.claim_run(Run(schedule_id=schedule.id, scheduled_for=again)) is None


async def test_run_for_an_unknown_schedule_is_refused(store):
    with pytest.raises(NotFoundError, match="no schedule nope"):
        await store.claim_run(Run(schedule_id="nope", scheduled_for=T0))


async def test_list_runs_filters_by_status(store):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    for offset, status in enumerate([RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED]):
        run = await store.claim_run(
            Run(schedule_id=schedule.id, scheduled_for=T0 + timedelta(hours=offset))
        )
        await store.update_run(run.model_copy(update={"status": status}))
    anchors = await store.list_runs(
        schedule.id, statuses=[RunStatus.SUCCEEDED, RunStatus.SKIPPED], limit=1
    )
    assert [run.status for run in anchors] == [RunStatus.SKIPPED]


async def test_deliveries_are_one_per_destination_per_run(store):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    run = await store.claim_run(Run(schedule_id=schedule.id, scheduled_for=T0))
    first = await store.create_deliveries(run.id, schedule.destinations, T0)
    again = await store.create_deliveries(run.id, schedule.destinations, T0)
    assert again == first
    assert [d.destination for d in first] == list(schedule.destinations)
    assert {d.status for d in first} == {DeliveryStatus.PENDING}


async def test_delivery_round_trip_and_pending_lookup(store):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    run = await store.claim_run(Run(schedule_id=schedule.id, scheduled_for=T0))
    webhook, *others = await store.create_deliveries(run.id, schedule.destinations[2:], T0)
    done = webhook.model_copy(
        update={
            "status": DeliveryStatus.DELIVERED,
            "attempts": 2,
            "last_error": "HTTP 503 on attempt 1",
            "http_status": 200,
            "external_id": "evt-1",
            "duration_ms": 812,
            "updated_at": T0,
            "delivered_at": T0,
        }
    )
    await store.update_delivery(done)
    assert await store.list_deliveries(run_id=run.id) == [done, *others]
    assert await store.list_deliveries(status=DeliveryStatus.PENDING) == others
    # The webhook secret is stored with the snapshot: a resumed delivery can still sign.
    assert done.destination.secret == "whsec_c2VjcmV0"


async def test_deleting_a_schedule_removes_its_runs_and_deliveries(store):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    run = await store.claim_run(Run(schedule_id=schedule.id, scheduled_for=T0))
    await store.create_deliveries(run.id, schedule.destinations, T0)
    await store.delete_schedule(schedule.id)
    assert await store.get_run(run.id) is None
    assert await store.list_deliveries(run_id=run.id) == []


async def test_audit_round_trip(store):
    entry = await store.append_audit(
        AuditEntry(
            at=T0,
            guild_id=111,
            schedule_id="abc",
            actor=user_actor(42),
            action=AuditAction.TRIGGERED,
            detail={"reason": "test"},
        )
    )
    assert entry.id is not None
    assert await store.list_audit(guild_id=111) == [entry]


async def test_new_database_is_migrated_to_the_latest_schema(tmp_path):
    path = tmp_path / "deep" / "dir" / "bot.db"
    async with await Store.open(path) as store:
        assert store.schema_version == migrations()[-1][0]
        assert await store.integrity_check() == "ok"
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]


async def test_reopening_keeps_the_data_and_migrates_nothing(tmp_path):
    path = tmp_path / "bot.db"
    schedule = _schedule()
    async with await Store.open(path) as store:
        await store.insert_schedule(schedule)
    async with await Store.open(path) as store:
        assert await store.get_schedule(schedule.id) == schedule


async def test_database_from_a_newer_release_is_refused_untouched(tmp_path):
    path = tmp_path / "bot.db"
    async with await Store.open(path):
        pass
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"schema version 99.*newer release"):
        await Store.open(path)
    assert path.read_bytes() == before


async def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a summarybot database"):
        await Store.open(path)
    assert path.read_text().startswith("these are my notes")


async def test_a_directory_is_refused(tmp_path):
    with pytest.raises(StoreError, match="is a directory"):
        await Store.open(tmp_path)


async def test_a_url_is_refused_as_a_file_and_nothing_is_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError) as refused:
        await Store.open("postgresql://bot:pg-secret@db/summarybot")
    assert str(refused.value) == (
        "a URL (postgresql://…) is not a database file; open PostgreSQL with Store.open_url,"
        " or give a SQLite file's path"
    )
    assert list(tmp_path.iterdir()) == []


async def test_foreign_keys_are_enforced(store):
    with pytest.raises(NotFoundError, match="no run 12345"):
        await store.create_deliveries(12345, [DmDestination(user_id=1)], T0)


async def _next_fires(store) -> dict[str, datetime | None]:
    """Every active schedule's stored next fire (None when it never fires again)."""
    found, key = {}, None
    while True:
        page, key = await store.due_timings(T0 + timedelta(days=3650), key, 500)
        found.update((timing.id, timing.next_fire_at) for timing in page)
        if key is None:
            return found


async def test_next_fires_move_forward_only_for_their_version_in_bulk(store):
    # More moves than one statement takes, and every rule a move obeys, in one call.
    schedules = [_schedule() for _ in range(350)]
    await store.insert_schedules(schedules, actor="test", now=T0)
    before = await _next_fires(store)
    ids = [s.id for s in schedules]
    day = timedelta(days=1)
    moves = [(i, T0, before[i] + day) for i in ids[5:]]
    moves += [
        (ids[0], T0 - day, before[ids[0]] + day),  # computed from an older version: ignored
        (ids[1], T0, before[ids[1]] - day),  # backwards: ignored
        (ids[2], T0, None),  # never again
        (ids[3], T0, before[ids[3]] + day),
        (ids[3], T0, before[ids[3]] + 2 * day),  # two moves: the furthest
        (ids[4], T0, before[ids[4]] + day),
        (ids[4], T0, None),  # a move and "never again": never again
    ]
    assert await store.advance_next_fires(moves) == 345 + 3
    after = await _next_fires(store)
    assert after[ids[0]] == before[ids[0]]
    assert after[ids[1]] == before[ids[1]]
    assert ids[2] not in after
    assert ids[4] not in after
    assert after[ids[3]] == before[ids[3]] + 2 * day
    assert all(after[i] == before[i] + day for i in ids[5:])
