"""The creator role: its members create schedules and see and manage only their own."""

from __future__ import annotations

import discord
from helpers import text

from scheduling.models import ScheduleStatus


def scheduler(world):
    return world.env.bot.require_scheduler()


async def allow_command(world, name, role):
    """What a server admin does in Server Settings → Integrations: show a command to a role."""
    [command] = [c for c in await world.env.bot.tree.fetch_commands() if c.name == name]
    world.guild.set_command_permissions(command.id, {role: True})


async def create(world, who, name, channel=None):
    before = {s.id for s in await scheduler(world).list(world.guild.id)}
    made = await who.slash(
        world.general,
        "schedule create",
        channel=channel or world.general,
        when="daily at 09:00",
        to=world.digest,
        name=name,
    )
    assert "Schedule created." in text(made), text(made)
    [schedule] = [s for s in await scheduler(world).list(world.guild.id) if s.id not in before]
    return schedule


async def creators(world):
    """A creator role set by the admin, /schedule shown to it, and two members holding it."""
    role = world.guild.create_role("Creators")
    saved = await world.admin.slash(world.general, "summarybot settings", creator_role=role)
    assert "Settings saved." in text(saved)
    await allow_command(world, "schedule", role)
    await allow_command(world, "summarybot", role)
    carl = world.guild.add_member(world.env.create_user("carl"), roles=[role])
    dana = world.guild.add_member(world.env.create_user("dana"), roles=[role])
    return role, carl, dana


async def test_a_creator_sees_only_their_own_schedules(world):
    _, carl, dana = await creators(world)
    staff = await create(world, world.admin, "staff digest")
    mine = await create(world, carl, "carl digest")
    theirs = await create(world, dana, "dana digest")
    assert mine.created_by == carl.id

    listed = await carl.slash(world.general, "schedule list")
    offered = await carl.autocomplete(world.general, "schedule show", "schedule", "")
    by_name = await carl.autocomplete(world.general, "schedule show", "schedule", "digest")
    shown = await carl.slash(world.general, "schedule show", schedule=staff.id)
    other = await carl.slash(world.general, "schedule show", schedule=theirs.id)
    own = await carl.slash(world.general, "schedule show", schedule=mine.id)

    assert listed.response.embeds[0].title == "Schedules (1)"
    assert "carl digest" in text(listed)
    assert "staff digest" not in text(listed)
    assert "dana digest" not in text(listed)
    assert [c["value"] for c in offered] == [mine.id]
    assert [c["value"] for c in by_name] == [mine.id]
    assert "Not found" in text(shown)
    assert "staff digest" not in text(shown)
    assert "Not found" in text(other)
    assert f"Schedule {mine.id}" in text(own)
    # The admin still sees everything.
    everything = await world.admin.slash(world.general, "schedule list")
    assert everything.response.embeds[0].title == "Schedules (3)"


async def test_a_creator_cannot_act_on_another_members_schedule(world):
    _, carl, _ = await creators(world)
    staff = await create(world, world.admin, "staff digest")

    attempts = [
        await carl.slash(world.general, "schedule pause", schedule=staff.id),
        await carl.slash(world.general, "schedule resume", schedule=staff.id),
        await carl.slash(world.general, "schedule edit", schedule=staff.id, name="mine now"),
        await carl.slash(world.general, "schedule delete", schedule=staff.id),
        await carl.slash(world.general, "schedule run", schedule=staff.id),
        await carl.slash(world.general, "schedule history", schedule=staff.id),
        await carl.slash(
            world.general,
            "schedule destination remove",
            schedule=staff.id,
            destination=staff.destinations[0].id,
        ),
        await carl.slash(
            world.general, "schedule destination add", schedule=staff.id, to=world.general
        ),
    ]
    destinations = await carl.autocomplete(
        world.general, "schedule destination remove", "destination", "", schedule=staff.id
    )

    for result in attempts:
        assert "Not found" in text(result), text(result)
    assert destinations == []
    stored = await scheduler(world).get(staff.id)
    assert (stored.status, stored.name, len(stored.destinations)) == (
        ScheduleStatus.ACTIVE,
        "staff digest",
        1,
    )
    assert await scheduler(world).store.list_runs(staff.id) == []


async def test_a_creator_manages_their_own_schedule(world):
    _, carl, _ = await creators(world)
    mine = await create(world, carl, "carl digest")
    await world.say(world.general, "The release is planned for Friday.", "Docs are done.")

    paused = await carl.slash(world.general, "schedule pause", schedule=mine.id)
    resumed = await carl.slash(world.general, "schedule resume", schedule=mine.id)
    edited = await carl.slash(world.general, "schedule edit", schedule=mine.id, length="brief")
    ran = await carl.slash(world.general, "schedule run", schedule=mine.id)
    history = await carl.slash(world.general, "schedule history", schedule=mine.id)

    assert "paused" in text(paused)
    assert "resumed" in text(resumed)
    assert "Schedule updated." in text(edited)
    assert "succeeded" in text(ran)
    assert "History of" in text(history)
    deleting = await carl.slash(world.general, "schedule delete", schedule=mine.id)
    await carl.click(deleting.response, label="Yes, delete it")
    assert await scheduler(world).list(world.guild.id) == []


async def test_a_creator_has_the_read_checks_and_no_guild_wide_powers(world):
    role, carl, _ = await creators(world)
    await create(world, world.admin, "staff digest")
    # Carl sees the channel (so he can pick it) but may not read its history.
    quiet = world.guild.create_text_channel(
        "quiet", overwrites={role: discord.PermissionOverwrite(read_message_history=False)}
    )

    unreadable = await carl.slash(
        world.general, "schedule create", channel=quiet, when="daily at 09:00", to=world.digest
    )
    stop = await carl.slash(world.general, "schedule pause-all")
    status = await carl.slash(world.general, "summarybot status")
    settings = await carl.slash(world.general, "summarybot settings", timezone="UTC")

    assert "Cannot summarize" in text(unreadable)
    assert "only its members' own schedules" in text(stop)
    assert "only its members' own schedules" in text(status)
    assert "Manage Server" in text(settings)
    assert [s.status for s in await scheduler(world).list(world.guild.id)] == [
        ScheduleStatus.ACTIVE
    ]


async def test_without_the_role_the_member_may_manage_nothing(world):
    role, carl, _ = await creators(world)
    await create(world, carl, "carl digest")

    await world.admin.slash(world.general, "summarybot settings", clear="creator_role")
    refused = await carl.slash(world.general, "schedule list")
    offered = await carl.autocomplete(world.general, "schedule show", "schedule", "")

    assert "Manage Server" in text(refused)
    assert offered == []
    settings = await scheduler(world).store.get_guild_settings(world.guild.id)
    assert settings.creator_role_id is None
    assert role.id != settings.admin_role_id
