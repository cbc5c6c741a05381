"""`/schedule audit` and `/summarybot stats` as an admin uses them."""

from __future__ import annotations

import io

import discord
import pytest
from aiohttp import web
from helpers import text_of
from PIL import Image
from simcord import OptionError

from bot.config import Settings

SECRET_PATH = "in/very-secret-path"


@pytest.fixture
def bot_settings(tmp_path) -> Settings:
    # A failing webhook receiver on loopback, plain http: allowed here, refused by default.
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


@pytest.fixture
async def broken_receiver():
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


def scheduler(world):
    return world.env.bot.require_scheduler()


def answer(result) -> str:
    parts = [result.response, *result.followups] if result.response else result.followups
    return "\n".join(text_of(p) for p in parts if p is not None)


async def create(world, **options):
    options.setdefault("channel", world.general)
    options.setdefault("when", "daily at 09:00")
    options.setdefault("to", world.digest)
    before = {s.id for s in await scheduler(world).list(world.guild.id)}
    result = await world.admin.slash(world.general, "schedule create", **options)
    assert "Schedule created." in answer(result), answer(result)
    [made] = [s for s in await scheduler(world).list(world.guild.id) if s.id not in before]
    return made


def other_guild(world):
    """A second server with its own admin and channel, on the same bot."""
    guild = world.env.create_guild(name="Elsewhere")
    role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(world.env.create_user("eve"), roles=[role])
    return guild, admin, guild.create_text_channel("lobby")


async def test_audit_says_who_did_what_newest_first_in_this_server_only(world):
    hooked = await create(world, webhook=f"https://hooks.example.com/{SECRET_PATH}", name="Hooked")
    await world.admin.slash(world.general, "schedule pause", schedule=hooked.id, reason="holidays")
    await world.admin.slash(world.general, "summarybot settings", timezone="Europe/Berlin")
    _, eve, lobby = other_guild(world)
    await eve.slash(lobby, "schedule create", channel=lobby, when="daily at 09:00", to=lobby)
    [theirs] = [s for s in await scheduler(world).list() if s.guild_id != world.guild.id]

    shown = await world.admin.slash(world.general, "schedule audit")

    assert shown.ephemeral
    words = answer(shown)
    lines = shown.response.embeds[0].description.splitlines()
    assert len(lines) == 3
    assert "changed the settings: timezone from none to `Europe/Berlin`" in lines[0]
    assert f"paused `{hooked.id}`: holidays" in lines[1]
    assert f"created `{hooked.id}` (Hooked)" in lines[2]
    assert all(f"<@{world.admin.id}>" in line and "<t:" in line for line in lines)
    assert theirs.id not in words
    assert SECRET_PATH not in words
    assert "whsec_" not in words
    assert not shown.response.message.mentions


async def test_audit_pages_with_buttons_and_keeps_a_deleted_schedules_record(world):
    first = await create(world, name="first")
    for number in range(11):
        await create(world, name=f"more {number}")
    deleted = await world.admin.slash(world.general, "schedule delete", schedule=first.id)
    await world.admin.click(deleted.response, label="Yes, delete it")

    page_one = await world.admin.slash(world.general, "schedule audit")

    embed = page_one.response.embeds[0]
    assert len(embed.description.splitlines()) == 10
    assert f"deleted `{first.id}` (first)" in embed.description.splitlines()[0]
    assert "more on the next page" in embed.footer.text
    page_two = await world.admin.click(page_one.response, label="Next ▶")
    older = page_two.response.embeds[0]
    assert older.footer.text.startswith("page 2")
    assert f"created `{first.id}` (first)" in older.description.splitlines()[-1]
    assert "more on the next page" not in older.footer.text
    one = await world.admin.slash(world.general, "schedule audit", schedule=first.id)
    [gone, made] = one.response.embeds[0].description.splitlines()
    assert "deleted" in gone
    assert "created" in made


async def opened_to_helper(world, *names):
    """A member without Manage Server, to whom the server's admins showed the commands."""
    helpers = world.guild.create_role("Helpers")
    helper = world.guild.add_member(world.env.create_user("hal"), roles=[helpers])
    for command in await world.env.bot.tree.fetch_commands():
        if command.name in names:
            world.guild.set_command_permissions(command.id, {helpers: True})
    return helper


async def test_audit_and_stats_are_for_those_who_manage_schedules(world):
    await create(world)
    helper = await opened_to_helper(world, "schedule", "summarybot")

    for command in ("schedule audit", "summarybot stats"):
        refused = await helper.slash(world.general, command)
        assert "Manage Server" in answer(refused)
        assert "created" not in answer(refused)


async def test_stats_count_outcomes_deliveries_sizes_and_durations_with_a_chart(
    world, broken_receiver
):
    schedule = await create(world, webhook=broken_receiver, name="Daily")
    for day in range(3):
        await world.say(world.general, f"day {day}: the release moves to Friday", "agreed")
        ran = await world.admin.slash(world.general, "schedule run", schedule=schedule.id)
        assert "partial" in answer(ran), answer(ran)
        await world.env.advance_time(86400)

    shown = await world.admin.slash(world.general, "summarybot stats", days=7)

    reply = shown.followups[-1] if shown.followups else shown.response
    words = text_of(reply)
    fields = {f.name: f.value for f in reply.embeds[0].fields}
    assert f"`{schedule.id}` Daily: 3 🟡 partial" in fields["Runs by schedule"]
    channel, webhook = (d.id for d in schedule.destinations)
    deliveries = fields["Deliveries (least successful first)"].splitlines()
    assert f"`{webhook}` webhook `http://127.0.0.1:" in deliveries[0]
    assert deliveries[0].endswith("0 of 3 delivered (0%)")
    assert f"`{channel}` <#{world.digest.id}>: 3 of 3 delivered (100%)" in deliveries[1]
    assert "secret-token" not in words
    assert "median 2 messages" in fields["Digest sizes (messages summarized)"]
    assert "3 digests" in fields["Digest sizes (messages summarized)"]
    assert "3 finished runs" in fields["Run durations"]
    [chart] = reply.attachments
    image = Image.open(io.BytesIO(await chart.read()))
    assert (image.format, image.size) == ("PNG", (720, 300))
    assert reply.embeds[0].image.url == "attachment://runs-per-day.png"


async def test_stats_of_a_quiet_server_and_its_bounds(world):
    shown = await world.admin.slash(world.general, "summarybot stats")

    reply = shown.followups[-1] if shown.followups else shown.response
    assert "the last 30 days" in reply.embeds[0].title
    assert "0 runs" in reply.embeds[0].description
    assert not reply.attachments
    with pytest.raises(OptionError):
        await world.admin.slash(world.general, "summarybot stats", days=366)
    with pytest.raises(OptionError):
        await world.admin.slash(world.general, "summarybot stats", days=0)
