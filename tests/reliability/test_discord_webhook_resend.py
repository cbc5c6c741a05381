"""A Discord-webhook digest sent but not recorded before a crash is not posted twice.

Discord webhooks ignore nonces, so the dedup that covers channel posts does not cover them: a
process that dies between Discord storing the webhook's messages and the delivery row being
recorded leaves the row `pending`, and the resumed run used to post the digest again. Here the
first process's send happens for real against the wire-level fake (the messages are stored) and
nothing is recorded, as a crash would leave it; then the outbox resumes the row the way start-up
does (the run reopened later, the same delivery id and digest) through the real `DiscordSender`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import discord
import pytest

from delivery.channel import DiscordSender, nonce
from delivery.models import DeliveryContext, DeliveryTarget, WebhookDestination
from delivery.settings import DeliverySettings
from scheduling.models import Delivery, DeliveryStatus, Run, Schedule
from scheduling.outbox import Outbox
from scheduling.store import Store
from summarizer.models import KeyPoint, Person, Summary, SummarySource, Topic, Window
from tests.fakediscord import plugin
from tests.fakediscord.permissions import READ_MESSAGE_HISTORY
from tests.fakediscord.server import FakeDiscord
from tests.scheduling.scheduling_fakes import make_schedule

pytestmark = pytest.mark.reliability
fake_discord = plugin.fake_discord
discord_py_at_fake = plugin.discord_py_at_fake

# The fake stamps messages with the wall clock: the run happened a moment ago.
SLOT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
HOOK_ROUTE = "GET /webhooks/{webhook_id}/{webhook_token}"


def long_summary() -> Summary:
    """A digest of several messages, so a crash can fall between two of them."""
    return Summary(
        title="Digest of #general",
        source=SummarySource(),
        window=Window(start=SLOT - timedelta(days=1), end=SLOT),
        engine="extractive",
        generated_at=SLOT,
        overview="Ann and Bo talked.",
        topics=[
            Topic(
                title=f"Topic {n}",
                points=[
                    KeyPoint(
                        text=("word " * 180) + f"{n}.{i}",
                        message_ids=[1],
                        authors=[Person(id=1, name="Ann")],
                    )
                    for i in range(3)
                ],
            )
            for n in range(5)  # three messages: within the fake's 5 per 2 s per webhook
        ],
    )


@dataclass
class Rig:
    fake: FakeDiscord
    guild_id: int
    channel_id: int
    sender: DiscordSender
    store: Store
    schedule: Schedule
    run: Run
    row: Delivery

    async def first_process_sends(self, summary: Summary) -> str:
        """The send of the process that crashed: it reached Discord, nothing was recorded."""
        target = DeliveryTarget(delivery_id=self.row.id, destination=self.row.destination)
        context = DeliveryContext(guild_id=self.guild_id, window_end=SLOT)
        outcome = await self.sender.send(target, summary, context)
        assert outcome.ok, outcome.error
        return outcome.external_id or ""

    async def resume(self, summary: Summary) -> Delivery:
        """Start-up after the crash: the run reopened three minutes on, its rows resent."""
        resumed_at = SLOT + timedelta(minutes=3)
        reopened = self.run.model_copy(update={"attempt": 2, "started_at": resumed_at})
        outbox = Outbox(
            self.store,
            {"discord_webhook": self.sender},
            DeliverySettings(max_attempts=1),
            lambda: resumed_at,
        )
        rows = await self.store.list_deliveries(run_id=self.run.id)
        assert [r.status for r in rows] == [DeliveryStatus.PENDING]
        [final] = await outbox(self.schedule, reopened, summary, rows)
        return final


@pytest.fixture
async def rig(discord_py_at_fake, tmp_path: Path) -> AsyncIterator[Rig]:
    fake = discord_py_at_fake
    guild = fake.add_guild("Guild")
    channel = fake.add_channel(guild.id, "digests")
    hook = fake.add_webhook(channel.id)
    url = f"https://discord.com/api/webhooks/{hook.id}/{hook.token}"
    client = discord.Client(intents=discord.Intents.none())
    await client.login(fake.token)
    session = aiohttp.ClientSession()
    store = await Store.open(tmp_path / "bot.db")
    schedule = make_schedule(destinations=(WebhookDestination(id="d_discord", url=url),))
    await store.insert_schedule(schedule)
    run = await store.claim_run(Run(schedule_id=schedule.id, scheduled_for=SLOT, started_at=SLOT))
    [row] = await store.create_deliveries(run.id, schedule.destinations, SLOT)
    try:
        yield Rig(
            fake, guild.id, channel.id, DiscordSender(client, session), store, schedule, run, row
        )
    finally:
        await store.close()
        await session.close()
        await client.close()


async def test_a_webhook_digest_sent_before_a_crash_is_recorded_not_posted_again(rig):
    summary = long_summary()
    sent_ids = await rig.first_process_sends(summary)
    first = rig.fake.posted(rig.channel_id)
    assert len(first) > 1  # several messages, each carrying its reference

    final = await rig.resume(summary)

    assert final.status is DeliveryStatus.DELIVERED
    assert final.external_id == sent_ids  # recorded with the messages already there
    assert [m.id for m in rig.fake.posted(rig.channel_id)] == [m.id for m in first]
    assert any(r.route == HOOK_ROUTE for r in rig.fake.requests)  # found by asking the webhook


async def test_a_crash_between_two_messages_posts_only_the_missing_ones(rig):
    summary = long_summary()
    await rig.first_process_sends(summary)
    lost = rig.fake.channels[rig.channel_id].messages.pop()  # died before the last part
    count = len(rig.fake.posted(rig.channel_id)) + 1

    final = await rig.resume(summary)

    assert final.status is DeliveryStatus.DELIVERED
    after = rig.fake.posted(rig.channel_id)
    footers = [m.embeds[-1]["footer"]["text"].rsplit(" · ", 1)[-1] for m in after]
    assert footers == [f"ref {nonce(rig.row.id, part)}" for part in range(len(after))]
    assert len(after) == count
    assert after[-1].id != lost.id
    assert final.external_id == ",".join(str(m.id) for m in after)


async def test_without_read_access_to_the_channel_the_digest_is_sent_again(rig):
    summary = long_summary()
    await rig.first_process_sends(summary)
    count = len(rig.fake.posted(rig.channel_id))
    rig.fake.set_overwrite(rig.channel_id, rig.guild_id, deny=READ_MESSAGE_HISTORY)
    rig.fake.set_overwrite(
        rig.channel_id, rig.fake.bot_role(rig.guild_id).id, deny=READ_MESSAGE_HISTORY
    )

    final = await rig.resume(summary)

    # Nothing found, so it is posted again rather than left undelivered (README: dedup needs
    # Read Message History in the webhook's channel).
    assert final.status is DeliveryStatus.DELIVERED
    assert len(rig.fake.posted(rig.channel_id)) == 2 * count


async def test_a_first_send_does_not_look_for_an_earlier_one(rig):
    context = DeliveryContext(guild_id=rig.guild_id, window_end=SLOT)
    target = DeliveryTarget(delivery_id=rig.row.id, destination=rig.row.destination)

    outcome = await rig.sender.send(target, long_summary(), context)

    assert outcome.ok
    reads = [r.route for r in rig.fake.requests if r.method == "GET"]
    assert [r for r in reads if "webhooks" in r or "messages" in r] == []
