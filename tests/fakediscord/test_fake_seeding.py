"""Seeding history from the summarizer's sample export, and latency injection."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.fakediscord.export_seed import seed_export
from tests.fakediscord.fakediscord_client import RawApi
from tests.fakediscord.server import FakeDiscord

SAMPLE = (
    Path(__file__).resolve().parents[1] / "data" / "sample-export" / "quillpress-help-themes.json"
)


async def test_export_becomes_pageable_history(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = seed_export(fake_discord, SAMPLE)
    exported = json.loads(SAMPLE.read_text())["messages"]
    reply = await api.call("GET", f"/channels/{channel.id}/messages?limit=100")
    assert len(reply.body) == len(exported)
    assert reply.body[-1]["id"] == exported[0]["id"]


async def test_latency_delays_answers(fake_discord: FakeDiscord, api: RawApi) -> None:
    fake_discord.set_latency(0.05, route="GET /users/@me")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await api.call("GET", "/users/@me")
    assert loop.time() - started >= 0.05


async def test_a_member_is_fetched_and_a_stranger_is_unknown(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    guild = fake_discord.add_guild()
    member = fake_discord.add_member(guild.id, "ada")
    found = await api.call("GET", f"/guilds/{guild.id}/members/{member.user.id}")
    assert (found.status, found.body["user"]["id"]) == (200, str(member.user.id))
    stranger = fake_discord.add_user("eve")
    missing = await api.call("GET", f"/guilds/{guild.id}/members/{stranger.id}")
    assert (missing.status, missing.body["code"]) == (404, 10007)
