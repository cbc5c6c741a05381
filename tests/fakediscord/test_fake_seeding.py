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
