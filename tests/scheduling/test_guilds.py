"""Guild-level choices in the scheduler: opt-outs, DM subscribers, guild-wide pause, settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from scheduling_fakes import DAY0, make_schedule

from delivery.models import DmDestination
from scheduling import jobs
from scheduling.guilds import MAX_DM_REFUSALS, GuildSettings, Subscription
from scheduling.models import AuditAction, AuditEntry, Once, RunStatus, ScheduleStatus

SLOT1 = DAY0.replace(hour=9)


async def fire(harness, schedule, at):
    harness.clock.now = at
    return await jobs.run_summary(harness.scheduler.context, schedule.id)


@pytest.fixture
async def created(harness):
    return await harness.scheduler.create(make_schedule(), actor="user:7")


async def test_an_opted_out_member_is_left_out_of_the_next_run(harness, created):
    store = harness.store
    first = await fire(harness, created, SLOT1)
    # FakeSource's messages all come from member 1.
    assert await store.set_optout(1, 1, SLOT1, out=True)
    assert not await store.set_optout(1, 1, SLOT1, out=True)  # already out
    assert not await store.set_optout(2, 1, SLOT1, out=False)  # another guild: never was

    second = await fire(harness, created, SLOT1 + timedelta(days=1))

    assert first.message_count == 144
    assert (second.message_count, second.status) == (0, RunStatus.SKIPPED)
    assert await store.optouts(1) == frozenset({1})
    assert await store.set_optout(1, 1, SLOT1, out=False)
    third = await fire(harness, created, SLOT1 + timedelta(days=2))
    assert third.message_count == 144


async def test_subscribers_get_a_dm_and_a_refused_dm_fails_only_for_them(harness, created):
    subscribed = []

    async def subscribers(schedule, run):
        subscribed.append(schedule.id)
        return [DmDestination(id="sub_42", user_id=42)]

    harness.scheduler.context.subscribers = subscribers
    await harness.store.add_subscription(
        Subscription(schedule_id=created.id, guild_id=1, user_id=42, created_at=DAY0)
    )
    harness.deliver.refusing = {"sub_42"}

    run = await fire(harness, created, SLOT1)

    assert run.status is RunStatus.SUCCEEDED  # the schedule's own destinations all delivered
    rows = {d.destination_id: d for d in await harness.store.list_deliveries(run.id)}
    assert rows["sub_42"].status == "failed"
    assert rows["sub_42"].http_status == 403
    [subscription] = await harness.store.subscriptions(schedule_id=created.id)
    assert subscription.refusals == 1


async def test_repeated_refusals_drop_the_subscription_with_a_notice(harness, created):
    async def subscribers(schedule, run):
        return [DmDestination(id="sub_42", user_id=42)]

    harness.scheduler.context.subscribers = subscribers
    await harness.store.add_subscription(
        Subscription(schedule_id=created.id, guild_id=1, user_id=42, created_at=DAY0)
    )
    harness.deliver.refusing = {"sub_42"}
    for day in range(MAX_DM_REFUSALS):
        await fire(harness, created, SLOT1 + timedelta(days=day))

    assert await harness.store.subscriptions(schedule_id=created.id) == []
    [notice] = harness.notices
    assert notice.kind == "subscription_dropped"
    assert "<@42>" in notice.message


async def test_a_delivered_dm_resets_the_refusal_count(harness, created):
    async def subscribers(schedule, run):
        return [DmDestination(id="sub_42", user_id=42)]

    harness.scheduler.context.subscribers = subscribers
    await harness.store.add_subscription(
        Subscription(schedule_id=created.id, guild_id=1, user_id=42, created_at=DAY0)
    )
    harness.deliver.refusing = {"sub_42"}
    await fire(harness, created, SLOT1)
    harness.deliver.refusing = set()
    await fire(harness, created, SLOT1 + timedelta(days=1))

    [subscription] = await harness.store.subscriptions(schedule_id=created.id)
    assert subscription.refusals == 0


async def test_deleting_a_schedule_ends_its_subscriptions(harness, created):
    await harness.store.add_subscription(
        Subscription(schedule_id=created.id, guild_id=1, user_id=42, created_at=DAY0)
    )
    await harness.scheduler.delete(created.id, "user:7")
    assert await harness.store.subscriptions(guild_id=1, user_id=42) == []


async def test_pause_all_stops_one_guild_and_resume_all_undoes_only_that(harness):
    scheduler = harness.scheduler
    mine = await scheduler.create(make_schedule(), actor="user:7")
    held = await scheduler.create(make_schedule(), actor="user:7")
    other = await scheduler.create(make_schedule(guild_id=2), actor="user:8")
    await scheduler.pause(held.id, "user:7", "holidays")

    paused = await scheduler.pause_all(1, "user:7", "emergency_stop", "emergency stop by ada")

    assert [s.id for s in paused] == [mine.id]
    assert (await scheduler.get(mine.id)).status is ScheduleStatus.PAUSED
    assert (await scheduler.get(other.id)).status is ScheduleStatus.ACTIVE
    assert scheduler.next_run_time(mine.id) is None
    assert scheduler.next_run_time(other.id) is not None
    assert await fire(harness, mine, SLOT1) is None
    guild_audit = await harness.store.list_audit(guild_id=1, limit=50)
    assert AuditAction.EMERGENCY_STOP in [entry.action for entry in guild_audit]

    resumed, problems = await scheduler.resume_all(1, "user:7")

    assert ([s.id for s in resumed], problems) == ([mine.id], [])
    assert (await scheduler.get(mine.id)).status is ScheduleStatus.ACTIVE
    held_now = await scheduler.get(held.id)
    assert (held_now.status, held_now.pause_reason) == (ScheduleStatus.PAUSED, "holidays")


async def test_resume_all_reports_a_one_off_whose_time_passed(harness):
    once = await harness.scheduler.create(
        make_schedule(recurrence=Once(date=DAY0.date(), time=SLOT1.time())), actor="user:7"
    )
    await harness.scheduler.pause_all(1, "system", "left_server", "the bot left the server")
    harness.clock.now = SLOT1 + timedelta(days=1)

    resumed, problems = await harness.scheduler.resume_all(1, "user:7")

    assert resumed == []
    assert len(problems) == 1
    assert problems[0].startswith(once.id)


async def test_guild_settings_round_trip_with_an_audit_entry(harness):
    store = harness.store
    assert await store.get_guild_settings(5) == GuildSettings(guild_id=5)
    settings = GuildSettings(
        guild_id=5, timezone="europe/berlin", log_channel_id=77, updated_at=DAY0
    )
    await store.save_guild_settings(
        settings,
        AuditEntry(at=DAY0, guild_id=5, actor="user:7", action=AuditAction.SETTINGS_CHANGED),
    )
    stored = await store.get_guild_settings(5)
    assert (stored.timezone, stored.log_channel_id, stored.admin_role_id) == (
        "Europe/Berlin",
        77,
        None,
    )
    [entry] = await store.list_audit(guild_id=5)
    assert entry.action is AuditAction.SETTINGS_CHANGED


async def test_a_notice_is_claimed_once_per_subject_kind_and_day(harness):
    store = harness.store
    assert await store.claim_notice("schedule:a", "run_failed", "2026-03-02")
    assert not await store.claim_notice("schedule:a", "run_failed", "2026-03-02")
    assert await store.claim_notice("schedule:a", "auto_paused", "2026-03-02")
    assert await store.claim_notice("schedule:a", "run_failed", "2026-03-03")
    assert await store.claim_notice("schedule:b", "run_failed", "2026-03-02")
