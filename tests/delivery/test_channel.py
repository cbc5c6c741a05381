"""Discord destinations against the wire-level fake: posts, DMs, webhooks, nonces, no pings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import discord
import pytest

from delivery.channel import DiscordSender, nonce
from delivery.models import (
    ChannelDestination,
    DeliveryContext,
    DeliveryTarget,
    DmDestination,
    WebhookDestination,
)
from summarizer.models import KeyPoint, Person, Summary, SummarySource, Topic, Window

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CONTEXT = DeliveryContext(guild_id=1, window_end=START)


def _summary(points: int = 3, topics: int = 12) -> Summary:
    return Summary(
        title="Digest of #general",
        source=SummarySource(),
        window=Window(start=START - timedelta(days=1), end=START),
        engine="extractive",
        generated_at=START,
        overview="Hey @everyone, <@&99> and <@1> said things.",
        topics=[
            Topic(
                title=f"Topic {n}",
                points=[
                    KeyPoint(
                        text=("word " * 180) + f"@everyone {n}.{i}",
                        message_ids=[1],
                        authors=[Person(id=1, name="Ann")],
                    )
                    for i in range(points)
                ],
            )
            for n in range(topics)
        ],
    )


@pytest.fixture
async def world(discord_py_at_fake):
    fake = discord_py_at_fake
    guild = fake.add_guild("Guild")
    channel = fake.add_channel(guild.id, "digest")
    client = discord.Client(intents=discord.Intents.none())
    await client.login(fake.token)
    session = aiohttp.ClientSession()
    sender = DiscordSender(client, session)
    yield fake, guild, channel, sender
    await session.close()
    await client.close()


async def test_a_long_digest_posts_several_messages_within_limits_and_pings_nobody(world):
    fake, _, channel, sender = world
    target = DeliveryTarget(
        delivery_id="msg_abc123", destination=ChannelDestination(channel_id=channel.id)
    )
    outcome = await sender.send(target, _summary(), CONTEXT)
    assert outcome.ok, outcome.error
    posted = fake.posted(channel.id)
    assert len(posted) > 1
    assert outcome.external_id == ",".join(str(m.id) for m in posted)
    assert fake.pings(channel.id) == []
    assert [m.nonce for m in posted] == [nonce("msg_abc123", i) for i in range(len(posted))]


async def test_a_resend_within_the_nonce_window_is_not_posted_twice(world):
    fake, _, channel, sender = world
    target = DeliveryTarget(
        delivery_id="msg_same", destination=ChannelDestination(channel_id=channel.id)
    )
    first = await sender.send(target, _summary(points=1), CONTEXT)
    again = await sender.send(target, _summary(points=1), CONTEXT)
    assert first.external_id == again.external_id
    assert len(fake.posted(channel.id)) == len(first.external_id.split(","))


async def test_only_the_configured_role_is_pinged(world):
    fake, guild, channel, sender = world
    role = fake.add_role(guild.id, "digest-readers", 0)
    destination = ChannelDestination(
        channel_id=channel.id, mention_role_id=role.id, style="markdown"
    )
    outcome = await sender.send(
        # One message: a longer digest waits out the channel's 5 posts per 5 s.
        DeliveryTarget(delivery_id="msg_r", destination=destination),
        _summary(1, topics=1),
        CONTEXT,
    )
    assert outcome.ok
    pings = fake.pings(channel.id)
    assert len(pings) == 1
    assert pings[0][1].roles == [role.id] or list(pings[0][1].roles) == [role.id]
    assert not pings[0][1].everyone


async def test_missing_permission_is_a_clear_failure(world):
    fake, guild, channel, sender = world
    fake.bot_role(guild.id).permissions = 0
    fake.guilds[guild.id].roles[guild.id].permissions = 0
    target = DeliveryTarget(
        delivery_id="msg_p", destination=ChannelDestination(channel_id=channel.id)
    )
    outcome = await sender.send(target, _summary(1), CONTEXT)
    assert not outcome.ok
    assert outcome.http_status == 403
    assert not outcome.retryable


async def test_unknown_channel_disables_the_destination(world):
    _, _, _, sender = world
    target = DeliveryTarget(
        delivery_id="msg_u", destination=ChannelDestination(channel_id=123456789)
    )
    outcome = await sender.send(target, _summary(1), CONTEXT)
    assert not outcome.ok
    assert outcome.gone


async def test_a_dm_reaches_the_member(world):
    fake, guild, _, sender = world
    member = fake.add_member(guild.id, "reader")
    target = DeliveryTarget(delivery_id="msg_dm", destination=DmDestination(user_id=member.user.id))
    outcome = await sender.send(target, _summary(1), CONTEXT)
    assert outcome.ok, outcome.error


async def test_a_discord_webhook_url_goes_through_the_fake(world):
    fake, _, channel, sender = world
    hook = fake.add_webhook(channel.id)
    url = f"https://discord.com/api/webhooks/{hook.id}/{hook.token}"
    target = DeliveryTarget(delivery_id="msg_w", destination=WebhookDestination(url=url))
    outcome = await sender.send(target, _summary(1), CONTEXT)
    assert outcome.ok, outcome.error
    posted = fake.posted(channel.id)
    assert posted
    assert all(m.webhook_id == hook.id for m in posted)
    assert fake.pings(channel.id) == []


def test_nonces_are_short_and_stable():
    assert len(nonce("msg_" + "a" * 24, 3)) <= 25
    assert nonce("msg_x", 1) == nonce("msg_x", 1) != nonce("msg_x", 2)


async def test_edit_mode_edits_the_rolling_digest_in_place(world):
    fake, _, channel, sender = world
    destination = ChannelDestination(channel_id=channel.id, mode="edit")
    first = await sender.send(
        DeliveryTarget(delivery_id="msg_e1", destination=destination), _summary(1), CONTEXT
    )
    assert first.ok
    count = len(fake.posted(channel.id))
    again = await sender.send(
        DeliveryTarget(
            delivery_id="msg_e2", destination=destination, previous_external_id=first.external_id
        ),
        _summary(1).model_copy(update={"overview": "Updated overview"}),
        CONTEXT,
    )
    assert again.ok
    assert again.external_id == first.external_id
    assert len(fake.posted(channel.id)) == count
    assert fake.posted(channel.id)[0].edited_at is not None
    assert "Updated overview" in fake.posted(channel.id)[0].embeds[0]["description"]


async def test_edit_mode_reposts_a_deleted_digest(world):
    fake, _, channel, sender = world
    destination = ChannelDestination(channel_id=channel.id, mode="edit")
    target = DeliveryTarget(
        delivery_id="msg_e3", destination=destination, previous_external_id="1234567890123"
    )
    outcome = await sender.send(target, _summary(1), CONTEXT)
    assert outcome.ok
    assert outcome.external_id != "1234567890123"
    assert len(fake.posted(channel.id)) >= 1
