"""The bot built by `create_bot` serves `/healthz` and `/metrics` when `[http] enabled`."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import HttpSettings

CHAT = (
    "Should we move the release to Friday? The migration is not done yet.",
    "I think Friday works if the database migration lands on Thursday.",
    "Agreed, let's ship the release on Friday after the migration.",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def simcord_bot(build_bot, bot_settings):
    settings = bot_settings.model_copy(
        update={"http": HttpSettings(enabled=True, host="127.0.0.1", port=free_port())}
    )
    bot = build_bot(settings)
    yield bot
    # simcord detaches the bot without closing it: release the port here.
    if bot.http_server is not None:
        await bot.http_server.stop()


async def test_the_running_bot_reports_its_parts_and_counts_its_runs(world):
    bot = world.env.bot
    await world.say(world.general, *CHAT)
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="weekdays at 09:00",
        to=world.digest,
        lookback="1d",
    )
    [schedule] = await bot.require_scheduler().list(world.guild.id)
    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{bot.http_server.port}") as http:
        async with http.get("/metrics") as response:
            text = await response.text()
        async with http.get("/healthz") as response:
            status, health = response.status, await response.json()

    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert found[("summarybot_runs_total", (("status", "succeeded"),))] == 1
    delivered = ("summarybot_deliveries_total", (("kind", "channel"), ("status", "delivered")))
    assert found[delivered] == 1
    assert found[("summarybot_schedules", (("status", "active"),))] == 1
    # simcord tests trigger runs by hand, so the scheduler is never started: reported as such.
    assert status == 503
    assert health["checks"] == {"gateway": "ok", "scheduler": "not running", "database": "ok"}
