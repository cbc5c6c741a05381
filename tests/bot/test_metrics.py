"""The metrics that do not come from runs: Discord's 429s, the pacer, LLM tokens."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import aiohttp
import discord
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.metrics import BotMetrics, MeteredLLMEngine
from bot.pacing import GlobalPacer
from delivery.models import ChannelDestination, FileDestination
from scheduling.models import Delivery
from summarizer import summarize
from summarizer.llm_client import Completion
from summarizer.models import Author, ChannelRef, ChatMessage, SummaryOptions, TokenUsage
from summarizer.settings import LLMSettings


def samples(metrics: BotMetrics) -> dict[tuple[str, tuple], float]:
    body, _ = metrics.render()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def test_each_bot_has_its_own_registry():
    first, second = BotMetrics(), BotMetrics()
    first.runs.labels(status="succeeded").inc()
    assert samples(first)[("summarybot_runs_total", (("status", "succeeded"),))] == 1
    assert samples(second)[("summarybot_runs_total", (("status", "succeeded"),))] == 0


def test_a_delivery_resumed_by_a_later_attempt_counts_as_delivered_once():
    metrics = BotMetrics()
    delivered = Delivery(run_id=1, destination=ChannelDestination(channel_id=5), status="delivered")
    failed = Delivery(run_id=1, destination=FileDestination(), status="failed")
    metrics.deliveries_finished([delivered, failed])
    # The retry sends the failed one again and hands the delivered one back unchanged.
    metrics.deliveries_finished([delivered, failed])

    found = samples(metrics)
    assert (
        found[("summarybot_deliveries_total", (("kind", "channel"), ("status", "delivered")))] == 1
    )
    assert found[("summarybot_deliveries_total", (("kind", "file"), ("status", "failed")))] == 2


@pytest.fixture
async def discord_api(monkeypatch):
    """A Discord REST stand-in whose first channel request is a 429, as Discord sends them."""
    hits: list[str] = []

    def reply(body: dict, status: int = 200, **headers: str) -> web.Response:
        # discord.py reads JSON only when the type is exactly `application/json`.
        headers["Content-Type"] = "application/json"
        return web.Response(body=json.dumps(body).encode(), status=status, headers=headers)

    async def me(_request):
        return reply({"id": "1", "username": "bot", "discriminator": "0"})

    async def channel(request):
        hits.append(request.path)
        if len(hits) == 1:
            return reply(
                {"message": "You are being rate limited.", "retry_after": 0.01, "global": False},
                429,
                # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
                **{"Retry-After": "1", "X-RateLimit-Scope": "user", "Via": "1.1 google"},
            )
        return reply({"id": "5", "type": 0, "name": "general"})

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", me)
    app.router.add_get("/api/v10/channels/{id}", channel)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    yield hits
    await runner.cleanup()


async def test_429s_that_discord_py_waits_out_are_counted(discord_api):
    metrics = BotMetrics()
    client = discord.http.HTTPClient(aiohttp.TCPConnector(limit=0), http_trace=metrics.http_trace())
    try:
        await client.static_login("a-token")
        channel = await client.request(discord.http.Route("GET", "/channels/{id}", id=5))
    finally:
        await client.close()

    assert channel["name"] == "general"
    assert len(discord_api) == 2  # the 429, then the retry discord.py made after waiting
    found = samples(metrics)
    assert found[("summarybot_discord_rate_limited_total", (("scope", "user"),))] == 1
    assert found[("summarybot_discord_rate_limit_wait_seconds_total", ())] == 1


async def test_seconds_the_pacer_held_requests_back_are_counted():
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = GlobalPacer(rate=2, burst=1, clock=lambda: 0.0, sleep=sleep)
    metrics = BotMetrics()
    metrics.watch_pacer(pacer)
    for _ in range(3):
        await pacer.acquire()

    assert slept == [0.5, 0.5]
    assert samples(metrics)[("summarybot_discord_pacer_wait_seconds_total", ())] == 1.0


def test_the_rest_latency_the_run_slots_are_sized_by_is_shown():
    pacer = GlobalPacer()
    metrics = BotMetrics()
    metrics.watch_pacer(pacer)
    assert samples(metrics)[("summarybot_discord_rest_latency_seconds", ())] == 0.0
    for seconds in (0.08, 0.1, 0.3):
        pacer.observe(seconds)
    assert samples(metrics)[("summarybot_discord_rest_latency_seconds", ())] == 0.1
    assert samples(metrics)[("summarybot_run_slots", ())] == 0  # no scheduler yet


class ScriptedModel:
    """Stands in for the chat client: answers every request with `usage`."""

    def __init__(self, usage: TokenUsage) -> None:
        self.usage = usage

    async def complete(self, prompt, history=()):
        point = {"text": "The release moves to Friday.", "message_ids": [1]}
        answer = {"overview": "A chat.", "topics": [{"title": "Release", "points": [point]}]}
        return Completion(content=json.dumps(answer), usage=self.usage)


def chat() -> list[ChatMessage]:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    return [
        ChatMessage(
            id=10 + n,
            channel=ChannelRef(id=100, name="general"),
            author=Author(id=1 + n % 2, name=f"member{n % 2}"),
            content=f"The release moves to Friday, step {n} is done.",
            created_at=start + timedelta(minutes=n),
        )
        for n in range(4)
    ]


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (TokenUsage(prompt_tokens=100, completion_tokens=20, total_tokens=120), (100, 20, 0)),
        # A local server that reports only a total: it is counted, as `estimated`.
        (TokenUsage(total_tokens=90), (0, 0, 90)),
    ],
)
async def test_llm_tokens_of_every_digest_are_counted(usage, expected):
    metrics = BotMetrics()
    async with aiohttp.ClientSession() as session:
        settings = LLMSettings(base_url="http://127.0.0.1:9/v1", model="test")
        engine = MeteredLLMEngine(settings, session, metrics=metrics)
        engine.client = ScriptedModel(usage)  # type: ignore[assignment]
        summary = await summarize(chat(), SummaryOptions(engine="llm"), llm=engine)

    assert summary.usage == usage
    found = samples(metrics)
    counted = tuple(
        found[("summarybot_llm_tokens_total", (("kind", kind),))]
        for kind in ("prompt", "completion", "estimated")
    )
    assert counted == expected


async def test_the_extractive_engine_spends_no_tokens():
    metrics = BotMetrics()
    summary = await summarize(chat(), SummaryOptions())
    metrics.count_tokens(summary.usage)
    assert samples(metrics)[("summarybot_llm_tokens_total", (("kind", "prompt"),))] == 0


def test_each_process_paces_at_its_shards_share_of_the_global_limit():
    from bot.app import create_bot
    from bot.config import DiscordSettings, Settings
    from scheduling.shards import ShardPlan

    settings = Settings(discord=DiscordSettings(global_rate_limit=48))
    assert create_bot(settings).global_rate == 48
    quarter = create_bot(settings, plan=ShardPlan(16, (4, 5, 6, 7)))
    assert quarter.global_rate == 12
    metrics = BotMetrics()
    metrics.watch_pacer(GlobalPacer(rate=quarter.global_rate))
    assert samples(metrics)[("summarybot_discord_global_rate", ())] == 12
