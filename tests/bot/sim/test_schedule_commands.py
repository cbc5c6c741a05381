"""The rest of /schedule as an admin uses it: list and history pages, edit, pause and resume,
destinations added, removed and tested, and the apology for a bug."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import Settings
from scheduling.models import ScheduleStatus


@pytest.fixture
def bot_settings(tmp_path) -> Settings:
    # A webhook receiver on loopback, plain http: allowed here, refused by default.
    return Settings.model_validate(
        {
            "storage": {"path": str(tmp_path / "summarybot.db")},
            "delivery": {
                "file_root": str(tmp_path / "digests"),
                "max_attempts": 1,
                "allow_insecure_http": True,
                "allow_private_addresses": True,
            },
            "summarizer": {"min_messages": 1},
        }
    )


def text(result) -> str:
    parts = [result.response, *result.followups] if result.response else result.followups
    return "\n".join(p.content or "" for p in parts if p is not None)


def scheduler(world):
    return world.env.bot.require_scheduler()


async def create(world, **options):
    options.setdefault("channel", world.general)
    options.setdefault("when", "daily at 09:00")
    options.setdefault("to", world.digest)
    before = {s.id for s in await scheduler(world).list(world.guild.id)}
    await world.admin.slash(world.general, "schedule create", **options)
    [made] = [s for s in await scheduler(world).list(world.guild.id) if s.id not in before]
    return made


async def test_list_pages_with_buttons(world):
    for number in range(12):
        await create(world, name=f"digest {number:02d}")

    first = await world.admin.slash(world.general, "schedule list")

    embed = first.response.embeds[0]
    assert embed.title == "Schedules (12)"
    assert len(embed.fields) == 10
    assert embed.footer.text == "page 1 of 2"
    second = await world.admin.click(first.response, label="Next ▶")
    embed = second.response.embeds[0]
    assert len(embed.fields) == 2
    assert embed.footer.text == "page 2 of 2"
    back = await world.admin.click(second.response, label="◀ Previous")
    assert back.response.embeds[0].footer.text == "page 1 of 2"


async def test_an_empty_list_says_how_to_start(world):
    result = await world.admin.slash(world.general, "schedule list")

    assert "/schedule create" in result.response.embeds[0].description
    assert not result.response.components


async def test_edit_changes_when_and_how_it_runs(world):
    schedule = await create(world)

    result = await world.admin.slash(
        world.general,
        "schedule edit",
        schedule=schedule.id,
        when="weekdays at 18:00",
        timezone="Europe/Berlin",
        length="brief",
    )

    assert "Schedule updated." in text(result)
    edited = await scheduler(world).get(schedule.id)
    assert (edited.timezone, edited.length) == ("Europe/Berlin", "brief")
    assert "weekdays at 18:00" in result.response.embeds[0].description


async def test_edit_without_changes_says_what_is_missing(world):
    schedule = await create(world)

    result = await world.admin.slash(world.general, "schedule edit", schedule=schedule.id)

    assert "Nothing to change" in text(result)


async def test_pause_with_a_reason_and_resume(world):
    schedule = await create(world)

    paused = await world.admin.slash(
        world.general, "schedule pause", schedule=schedule.id, reason="holidays"
    )
    stored = await scheduler(world).get(schedule.id)
    assert (stored.status, stored.pause_reason) == (ScheduleStatus.PAUSED, "holidays")
    assert "paused" in text(paused)
    # Run now is an explicit request: it runs a paused schedule once, which stays paused.
    ran = await world.admin.slash(world.general, "schedule run", schedule=schedule.id)
    assert "succeeded" in text(ran)
    assert (await scheduler(world).get(schedule.id)).status is ScheduleStatus.PAUSED

    await world.admin.slash(world.general, "schedule resume", schedule=schedule.id)
    assert (await scheduler(world).get(schedule.id)).status is ScheduleStatus.ACTIVE


async def test_history_pages_runs_with_their_deliveries(world):
    schedule = await create(world, lookback="1d")
    for number in range(7):
        await world.say(world.general, f"status update {number}: the release is on track")
        await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    first = await world.admin.slash(world.general, "schedule history", schedule=schedule.id)

    page = first.response.embeds[0]
    assert page.footer.text == "page 1 · more on the next page"
    assert page.description.count("succeeded") == 5
    assert page.description.count("delivered") == 5
    second = await world.admin.click(first.response, label="Next ▶")
    page = second.response.embeds[0]
    assert page.footer.text == "page 2"
    assert page.description.count("succeeded") == 2
    jumped = await world.admin.slash(
        world.general, "schedule history", schedule=schedule.id, page=2
    )
    assert jumped.response.embeds[0].description == page.description


async def test_destination_add_test_and_remove(world, bot_settings):
    schedule = await create(world)

    added = await world.admin.slash(
        world.general, "schedule destination add", schedule=schedule.id, file="{schedule}.md"
    )
    [_, new] = (await scheduler(world).get(schedule.id)).destinations
    assert f"Added `{new.id}`" in text(added)

    tested = await world.admin.slash(
        world.general, "schedule destination test", schedule=schedule.id, destination=new.id
    )
    assert "✅ Sample digest delivered" in text(tested)
    # In the server's own folder, whatever the template says.
    written = Path(bot_settings.delivery.file_root) / str(world.guild.id) / f"{schedule.id}.md"
    assert "Test digest for" in written.read_text()

    removed = await world.admin.slash(
        world.general, "schedule destination remove", schedule=schedule.id, destination=new.id
    )
    assert f"Removed `{new.id}`" in text(removed)
    [kept] = (await scheduler(world).get(schedule.id)).destinations
    last = await world.admin.slash(
        world.general, "schedule destination remove", schedule=schedule.id, destination=kept.id
    )
    assert "at least one destination" in text(last)
    assert len((await scheduler(world).get(schedule.id)).destinations) == 1


async def test_destination_test_reports_a_failing_webhook(world, aiohttp_receiver):
    schedule = await create(world)
    await world.admin.slash(
        world.general,
        "schedule destination add",
        schedule=schedule.id,
        webhook=aiohttp_receiver,
    )
    [_, hook] = (await scheduler(world).get(schedule.id)).destinations

    tested = await world.admin.slash(
        world.general, "schedule destination test", schedule=schedule.id, destination=hook.id
    )

    assert "❌ Could not deliver" in text(tested)
    assert "HTTP 500" in text(tested)
    assert "/hook" not in text(tested)  # the URL stays masked


@pytest.fixture
async def aiohttp_receiver():
    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=500, text="receiver broken")

    app = web.Application()
    app.router.add_post("/hook/secret-token", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/hook/secret-token"
    await runner.cleanup()


async def test_a_bug_is_answered_with_an_error_id_and_logged(
    world, monkeypatch, caplog, expected_errors
):
    async def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(scheduler(world), "list", broken)

    with caplog.at_level(logging.ERROR, logger="bot.cogs.replies"):
        result = await world.admin.slash(world.general, "schedule list")

    answer = text(result)
    assert result.ephemeral
    assert "Sorry, something went wrong on our side (error id `" in answer
    error_id = answer.split("`")[1]
    [record] = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.exc_info is not None
    assert "disk on fire" not in answer
    expected_errors.extend(world.env.errors)
