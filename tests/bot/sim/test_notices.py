"""Notices as an admin meets them: in the log channel (or by DM), from the first failure on.

A failing webhook is a loopback receiver answering what the test says. Runs are started with
`/schedule run` (APScheduler does not run under simcord) and fail for good at once: no retries.
"""

from __future__ import annotations

import pytest
from aiohttp import web
from helpers import text, text_of

from bot.config import Settings
from scheduling.models import ScheduleStatus
from scheduling.shards import ShardPlan, shard_of

DAY = 24 * 3600


@pytest.fixture
def bot_settings(tmp_path) -> Settings:
    return Settings.model_validate(
        {
            "storage": {"path": str(tmp_path / "summarybot.db")},
            "delivery": {
                "file_root": str(tmp_path / "digests"),
                "max_attempts": 1,
                "allow_insecure_http": True,
                "allow_private_addresses": True,
            },
            "scheduling": {"retry_attempts": 0},
            "summarizer": {"min_messages": 1},
        }
    )


class Receivers:
    """Two webhook consumers on one loopback server, `a` and `b`, each answering `status[x]`."""

    def __init__(self) -> None:
        self.status = {"a": 200, "b": 200}
        self.base = ""

    async def handle(self, request: web.Request) -> web.Response:
        code = self.status[request.match_info["which"]]
        return web.Response(status=code, text="ok" if code < 300 else "broken")

    def url(self, which: str) -> str:
        return f"{self.base}/hook/{which}-secret-token"


@pytest.fixture
async def hooks():
    made = Receivers()
    app = web.Application()
    app.router.add_post("/hook/{which}-secret-token", made.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    made.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    yield made
    await runner.cleanup()


def scheduler(world):
    return world.env.bot.require_scheduler()


async def two_webhooks(world, hooks):
    """A schedule posting to webhooks `a` and `b`; returns it and the two destinations."""
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        webhook=hooks.url("a"),
        confirm_wider_audience=True,
    )
    [schedule] = await scheduler(world).list(world.guild.id)
    await world.admin.slash(
        world.general,
        "schedule destination add",
        schedule=schedule.id,
        webhook=hooks.url("b"),
        confirm_wider_audience=True,
    )
    schedule = await scheduler(world).get(schedule.id)
    a, b = schedule.destinations
    return schedule, a, b


async def log_channel(world):
    ops = world.guild.create_text_channel("ops")
    await world.admin.slash(world.general, "summarybot settings", log_channel=ops)
    return ops


def notices(world, channel) -> list:
    """The bot's messages in `channel`, oldest first."""
    mine = [m for m in channel.history() if m.author.id == world.env.bot.user.id]
    return sorted(mine, key=lambda m: m.id)


def labels(message) -> list[str]:
    return [item.label for row in message.components for item in row.children]


async def run(world, schedule_id):
    await world.say(world.general, "the release moves to Thursday")
    return await world.admin.slash(world.general, "schedule run", schedule=schedule_id)


async def test_failing_days_a_partial_run_and_the_recovery_are_each_told(world, hooks):
    ops = await log_channel(world)
    schedule, a, _ = await two_webhooks(world, hooks)
    hooks.status = {"a": 500, "b": 500}

    await run(world, schedule.id)

    [first] = notices(world, ops)
    said = text_of(first)
    assert f"schedule `{schedule.id}`" in said
    assert "failed after 1 attempt" in said
    assert "HTTP 500" in said
    assert "The next run is at" in said
    assert "after 4 more failures in a row the schedule pauses" in said
    assert "secret-token" not in said  # webhook URLs never appear
    assert labels(first) == ["Retry now", "Show"]

    await world.env.advance_time(DAY)
    await run(world, schedule.id)

    second = notices(world, ops)[-1]
    assert "That makes 2 failed runs in a row" in text_of(second)
    assert "after 3 more failures" in text_of(second)

    await world.env.advance_time(DAY)
    hooks.status["b"] = 200
    await run(world, schedule.id)  # partial: b delivers, a fails

    third = notices(world, ops)[-1]
    said = text_of(third)
    assert f"destination `{a.id}` (webhook) failed" in said
    assert "The other destinations got the digest" in said
    assert "It has failed 3 runs in a row" in said
    assert "After 7 more failed runs in a row it is disabled" in said
    assert "http://127.0.0.1:" in said  # the host shows, the path does not
    assert "secret-token" not in said
    assert labels(third) == ["Show"]

    await world.env.advance_time(DAY)
    hooks.status["a"] = 200
    await run(world, schedule.id)

    fourth = notices(world, ops)[-1]
    assert "delivers again" in text_of(fourth)
    assert "succeeded after the failures reported earlier" in text_of(fourth)
    assert len(notices(world, ops)) == 4


async def test_an_auto_pause_is_told_after_a_disabled_destination_the_same_day(world, hooks):
    ops = await log_channel(world)
    schedule, a, _ = await two_webhooks(world, hooks)
    hooks.status = {"a": 410, "b": 500}  # a is gone at once; b fails every run

    for _ in range(5):
        await run(world, schedule.id)

    stored = await scheduler(world).get(schedule.id)
    assert stored.status is ScheduleStatus.PAUSED
    disabled, failed, paused = notices(world, ops)  # the later failures the same day: once
    assert "was disabled" in text_of(disabled)
    assert labels(disabled) == ["Re-enable", "Show"]
    assert "failed after 1 attempt" in text_of(failed)
    assert "was paused: failing: 5 runs in a row failed" in text_of(paused)
    assert labels(paused) == ["Resume", "Show"]

    hooks.status = {"a": 200, "b": 200}
    enabled = await world.admin.click(disabled, label="Re-enable")
    assert f"`{a.id}` is enabled again" in text(enabled)
    assert enabled.ephemeral
    resumed = await world.admin.click(paused, label="Resume")
    assert "is resumed" in text(resumed)

    stored = await scheduler(world).get(schedule.id)
    assert stored.status is ScheduleStatus.ACTIVE
    assert all(d.disabled_reason is None for d in stored.destinations)


async def test_notice_buttons_work_after_a_restart_for_those_allowed(world, hooks, build_bot):
    ops = await log_channel(world)
    schedule, _, _ = await two_webhooks(world, hooks)
    hooks.status = {"a": 500, "b": 500}
    await run(world, schedule.id)
    [failed] = notices(world, ops)

    await world.env.restart_bot(build_bot())
    await world.env.advance_time(600)
    hooks.status = {"a": 200, "b": 200}
    refused = await world.member.click(failed, label="Retry now")
    shown = await world.admin.click(failed, label="Show")
    retried = await world.admin.click(failed, label="Retry now")

    assert "Manage Server" in text(refused)
    assert schedule.id in text(shown)
    assert shown.ephemeral
    assert f"Run of `{schedule.id}`: **succeeded**" in text(retried)
    assert "delivers again" in text_of(notices(world, ops)[-1])  # the whole log hears it


async def test_without_a_log_channel_the_creator_gets_the_notice_and_its_buttons_by_dm(
    world, hooks
):
    schedule, _, _ = await two_webhooks(world, hooks)
    hooks.status = {"a": 500, "b": 500}

    await run(world, schedule.id)

    dms = world.admin.user.dm_channel
    [notice] = [m for m in dms.history() if schedule.id in (m.content or "")]
    assert "failed after 1 attempt" in notice.content
    assert "secret-token" not in notice.content
    shown = await world.admin.user.click(notice, label="Show")
    assert schedule.id in text(shown)

    world.env.backend.remove_member_role(world.guild.id, world.admin.id, world.admins.id)
    refused = await world.admin.user.click(notice, label="Retry now")

    assert "Manage Server" in text(refused)
    assert len(await world.env.bot.require_scheduler().store.list_runs(schedule.id)) == 1


async def test_a_schedule_reaching_its_end_is_told_it_completed(world, hooks):
    ops = await log_channel(world)
    schedule, _, _ = await two_webhooks(world, hooks)
    # Set from the shell or `/schedule edit until:`; it passes before the run below ends.
    await scheduler(world).edit(schedule.id, {"end_at": world.env.now()}, "test")

    await run(world, schedule.id)

    [done] = notices(world, ops)
    assert "has completed: its end time" in text_of(done)
    assert labels(done) == ["Show"]
    assert (await scheduler(world).get(schedule.id)).status is ScheduleStatus.COMPLETED


async def test_a_dm_button_for_a_server_another_process_serves_says_where_to_act(world, hooks):
    schedule, _, _ = await two_webhooks(world, hooks)
    hooks.status = {"a": 500, "b": 500}
    await run(world, schedule.id)
    [notice] = [m for m in world.admin.user.dm_channel.history() if schedule.id in m.content]
    bot = world.env.bot
    cached = bot._connection._guilds.pop(world.guild.id)  # as in the process serving shard 0
    bot.plan = ShardPlan(2, (1 - shard_of(world.guild.id, 2),))
    try:
        refused = await world.admin.user.click(notice, label="Retry now")
    finally:
        bot.plan = None
        bot._connection._guilds[world.guild.id] = cached

    assert "served by another of the bot's processes" in text(refused)
    assert f"/schedule show {schedule.id}" in text(refused)
    assert len(await world.env.bot.require_scheduler().store.list_runs(schedule.id)) == 1
