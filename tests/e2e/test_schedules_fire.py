"""Schedules fire on their own in the real process, and catch up exactly once after downtime."""

from __future__ import annotations

from datetime import timedelta

from standardwebhooks import Webhook

from delivery.models import ChannelDestination, FileDestination, WebhookDestination
from delivery.signing import new_signing_secret
from scheduling.models import Interval, Schedule, utc_now
from scheduling.store import Store

CHAT = (
    "Should we move the release to Friday? The migration is not done yet.",
    "Friday works if the database migration lands on Thursday.",
    "Agreed: the release ships Friday, after the migration.",
)


def seed_chat(fake, seeded, minutes_ago: int = 10) -> None:
    start = utc_now() - timedelta(minutes=minutes_ago)
    for index, text in enumerate(CHAT):
        author = seeded.member if index % 2 else seeded.admin
        fake.add_message(seeded.general, author, text, at=start + timedelta(minutes=index))


def hourly_from(seconds: int) -> Interval:
    """Hourly, first firing `seconds` from now (an interval counts from its anchor)."""
    return Interval(seconds=3600, anchor=utc_now() + timedelta(seconds=seconds))


async def store_schedule(bot_process, schedule: Schedule) -> None:
    async with await Store.open(bot_process.database) as store:
        await store.insert_schedule(schedule)


async def runs_of(bot_process, schedule_id: str):
    async with await Store.open(bot_process.database) as store:
        return await store.list_runs(schedule_id)


async def test_a_schedule_fires_on_its_own_to_a_channel_a_webhook_and_a_file(
    bot_process, fake_discord, seeded, receiver
):
    seed_chat(fake_discord, seeded)
    secret = new_signing_secret()
    schedule = Schedule(
        guild_id=seeded.guild_id,
        created_by=seeded.admin.id,
        channel_ids=(seeded.general,),
        recurrence=hourly_from(seconds=4),
        lookback_seconds=3600,
        destinations=(
            ChannelDestination(channel_id=seeded.digest),
            WebhookDestination(url=receiver.url, secret=secret),
            FileDestination(template="{schedule}.md"),
        ),
    )
    await store_schedule(bot_process, schedule)

    await bot_process.start()
    await fake_discord.wait_for(
        lambda: bool(fake_discord.posted(seeded.digest)) and bool(receiver.received), timeout=30
    )
    await bot_process.stop()

    [run] = await runs_of(bot_process, schedule.id)
    assert run.status == "succeeded", run
    assert run.message_count == len(CHAT)
    [(headers, body)] = receiver.received
    event = Webhook(secret).verify(body, headers)
    assert event["type"] == "summary.created"
    assert event["data"]["schedule"]["id"] == schedule.id
    digest_file = bot_process.file_root / str(seeded.guild_id) / f"{schedule.id}.md"
    digest = digest_file.read_text(encoding="utf-8")
    assert "release" in digest.lower()
    assert fake_discord.pings(seeded.digest) == []


async def test_a_run_due_while_down_is_caught_up_exactly_once(bot_process, fake_discord, seeded):
    seed_chat(fake_discord, seeded, minutes_ago=4)
    created = utc_now() - timedelta(minutes=7)  # the slot at +5 min passed 2 minutes ago
    schedule = Schedule(
        guild_id=seeded.guild_id,
        created_by=seeded.admin.id,
        channel_ids=(seeded.general,),
        recurrence=Interval(seconds=300),
        destinations=(ChannelDestination(channel_id=seeded.digest),),
        created_at=created,
        updated_at=created,
    )
    await store_schedule(bot_process, schedule)

    await bot_process.start()
    await fake_discord.wait_for(lambda: bool(fake_discord.posted(seeded.digest)), timeout=30)
    assert await bot_process.stop() == 0
    await bot_process.start()
    await bot_process.wait_ready()
    assert await bot_process.stop() == 0

    runs = await runs_of(bot_process, schedule.id)
    assert [r.status for r in runs] == ["succeeded"]
    assert len(fake_discord.posted(seeded.digest)) == 1
