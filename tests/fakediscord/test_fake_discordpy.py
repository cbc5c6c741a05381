"""The real discord.py 2.7 client against the fake: login, READY, send, resume, refusals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.fakediscord.gateway import MESSAGE_CONTENT
from tests.fakediscord.ratelimits import MESSAGE_CREATE
from tests.fakediscord.server import FakeDiscord


@pytest.fixture
def fake(discord_py_at_fake: FakeDiscord) -> FakeDiscord:
    discord_py_at_fake.gateway.heartbeat_interval_ms = 250
    return discord_py_at_fake


@pytest.fixture(autouse=True)
def no_discord_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """discord.py only logs errors in event handlers: make them fail the test."""
    caplog.set_level(logging.WARNING, logger="discord")
    yield
    errors = [
        r for r in caplog.records if r.name.startswith("discord") and r.levelno >= logging.ERROR
    ]
    assert not errors, [r.getMessage() for r in errors]


def make_client(
    intents: discord.Intents | None = None, **options: Any
) -> discord.AutoShardedClient:
    return discord.AutoShardedClient(
        intents=intents or discord.Intents.default(),
        guild_ready_timeout=0.05,
        allowed_mentions=discord.AllowedMentions.none(),
        **options,
    )


@asynccontextmanager
async def running(client: discord.Client, token: str) -> AsyncIterator[discord.Client]:
    task = asyncio.create_task(client.start(token))
    try:
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
        assert ready in done, "the client never became ready"
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, timeout=10)


def seeded(fake: FakeDiscord) -> tuple[int, int]:
    guild = fake.add_guild("Fake Guild")
    fake.add_role(guild.id, "Moderators", 1 << 5)
    channel = fake.add_channel(guild.id, "general")
    return guild.id, channel.id


async def test_client_logs_in_and_caches_the_guild(fake: FakeDiscord) -> None:
    guild_id, channel_id = seeded(fake)
    async with running(make_client(), fake.token) as client:
        guild = client.get_guild(guild_id)
        assert guild is not None
        assert guild.name == "Fake Guild"
        assert client.get_channel(channel_id).name == "general"
        assert {r.name for r in guild.roles} >= {"@everyone", "Moderators"}
        assert guild.default_role.id == guild_id
        assert client.user.id == fake.bot_user.id


async def test_client_sends_a_message(fake: FakeDiscord) -> None:
    _, channel_id = seeded(fake)
    async with running(make_client(), fake.token) as client:
        sent = await client.get_channel(channel_id).send("hello from discord.py")
    assert [m.content for m in fake.posted(channel_id)] == ["hello from discord.py"]
    assert sent.id == fake.posted(channel_id)[0].id


async def test_client_resumes_after_a_dropped_websocket(fake: FakeDiscord) -> None:
    _, channel_id = seeded(fake)
    async with running(make_client(), fake.token) as client:
        resumed = asyncio.Event()
        client.on_shard_resumed = lambda shard_id: resumed.set()  # type: ignore[method-assign]
        await fake.drop_websocket()
        await asyncio.wait_for(resumed.wait(), timeout=10)
        await client.get_channel(channel_id).send("after the resume")
    assert fake.gateway.resumes == 1
    assert fake.gateway.identifies == 1
    assert fake.posted(channel_id)[-1].content == "after the resume"


async def test_client_answers_an_injected_slash_command(fake: FakeDiscord) -> None:
    guild_id, channel_id = seeded(fake)
    member = fake.add_member(guild_id, "alice")
    client = make_client()
    tree = app_commands.CommandTree(client)

    @tree.command(name="ping", description="Answers pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"pong <@{interaction.user.id}>")
        message = await interaction.original_response()
        await interaction.followup.send(f"original was {message.id}")

    async with running(client, fake.token):
        await tree.sync()
        injected = await fake.inject_command(channel_id, member.user.id, "ping")
        answer = await injected.wait_response()
        await fake.wait_for(lambda: len(injected.followups) == 1)
    assert answer["type"] == 4
    assert answer["data"]["content"] == f"pong <@{member.user.id}>"
    assert injected.followups[0].content == f"original was {injected.original.id}"
    assert [c["name"] for c in fake.commands[None]] == ["ping"]


async def test_bad_token_raises_login_failure(fake: FakeDiscord) -> None:
    client = make_client()
    with pytest.raises(discord.LoginFailure):
        await client.start("not-the-token")
    await client.close()


async def test_denied_privileged_intent_raises(fake: FakeDiscord) -> None:
    fake.gateway.denied_intents = MESSAGE_CONTENT
    intents = discord.Intents.default()
    intents.message_content = True
    client = make_client(intents)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(client.start(fake.token), timeout=10)
    await client.close()


async def test_client_reidentifies_after_an_invalid_session(fake: FakeDiscord) -> None:
    seeded(fake)
    client = make_client()

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before a re-IDENTIFY (Discord's identify rate); skip it here."""

    client.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    async with running(client, fake.token):
        await fake.invalidate_session(resumable=False)
        await fake.wait_for(lambda: fake.gateway.identifies == 2, timeout=10)
    assert fake.gateway.resumes == 0


async def test_client_waits_out_a_route_limit(fake: FakeDiscord) -> None:
    _, channel_id = seeded(fake)
    fake.set_route_limit(MESSAGE_CREATE, limit=2, per=0.3)
    async with running(make_client(), fake.token) as client:
        channel = client.get_channel(channel_id)
        for n in range(3):
            await channel.send(f"digest part {n}")
    assert [m.content for m in fake.posted(channel_id)] == [f"digest part {n}" for n in range(3)]


async def test_client_retries_after_a_global_429(fake: FakeDiscord) -> None:
    seeded(fake)
    fake.set_global_limit(2)
    async with running(make_client(), fake.token) as client:
        assert client.is_ready()
    assert fake.rate_limited
    assert fake.rate_limited[0].status == 429


async def test_member_message_reaches_the_client(fake: FakeDiscord) -> None:
    guild_id, channel_id = seeded(fake)
    alice = fake.add_member(guild_id, "alice").user
    client = make_client()
    received: asyncio.Queue[discord.Message] = asyncio.Queue()
    client.on_message = received.put  # type: ignore[method-assign]
    async with running(client, fake.token):
        await fake.say(channel_id, alice, "hello bot")
        message = await asyncio.wait_for(received.get(), timeout=5)
    assert (message.author.id, message.channel.id) == (alice.id, channel_id)


async def test_client_reads_a_channel_option_and_defers(fake: FakeDiscord) -> None:
    guild_id, channel_id = seeded(fake)
    target = fake.add_channel(guild_id, "announcements")
    member = fake.add_member(guild_id, "alice")
    client = make_client()
    tree = app_commands.CommandTree(client)
    group = app_commands.Group(name="schedule", description="Schedules")

    @group.command(name="add", description="Add one")
    async def add(interaction: discord.Interaction, to: discord.TextChannel) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        can_send = to.permissions_for(interaction.user).send_messages
        await interaction.followup.send(f"{to.name} {can_send}")

    tree.add_command(group, guild=discord.Object(guild_id))
    options = [
        {"name": "add", "type": 1, "options": [{"name": "to", "type": 7, "value": str(target.id)}]}
    ]
    async with running(client, fake.token):
        await tree.sync(guild=discord.Object(guild_id))
        injected = await fake.inject_command(channel_id, member.user.id, "schedule", options)
        await injected.wait_response()
        await fake.wait_for(lambda: not injected.original.flags & (1 << 7))
    assert injected.response_type == 5
    assert injected.original.content == "announcements True"
    assert fake.commands[guild_id][0]["name"] == "schedule"


async def test_client_retries_a_5xx(fake: FakeDiscord) -> None:
    _, channel_id = seeded(fake)
    async with running(make_client(), fake.token) as client:
        fake.fail_next(MESSAGE_CREATE, times=1, status=502)
        await client.get_channel(channel_id).send("despite a 502")
    statuses = [r.status for r in fake.requests if r.route == MESSAGE_CREATE]
    assert statuses == [502, 200]
    assert fake.posted(channel_id)[0].content == "despite a 502"


async def test_clients_on_different_shards_each_see_their_own_guilds(fake: FakeDiscord) -> None:
    guilds = [fake.add_guild(f"shard {n}", shard=(n, 2)) for n in range(2)]
    channels = [fake.add_channel(g.id, "general") for g in guilds]
    alice = fake.add_user("alice")
    received: list[asyncio.Queue[discord.Message]] = [asyncio.Queue(), asyncio.Queue()]
    clients = []
    for shard in range(2):
        client = make_client(shard_count=2, shard_ids=[shard])
        client.on_message = received[shard].put  # type: ignore[method-assign]
        clients.append(client)
    async with AsyncExitStack() as stack:
        for client in clients:
            await stack.enter_async_context(running(client, fake.token))
        for shard, client in enumerate(clients):
            assert [g.id for g in client.guilds] == [guilds[shard].id]
            assert client.get_guild(guilds[1 - shard].id) is None
        for channel in channels:
            fake.add_member(channel.guild_id, alice)
            await fake.say(channel.id, alice, f"hello {channel.guild_id}")
        got = [await asyncio.wait_for(queue.get(), timeout=5) for queue in received]
    assert [m.guild.id for m in got] == [g.id for g in guilds]
    assert all(queue.empty() for queue in received)
    assert fake.gateway.shard_identifies == {(0, 2): 1, (1, 2): 1}
