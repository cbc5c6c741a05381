"""Bulk actions on `/schedule list`: pick schedules, then pause, resume or delete them."""

from __future__ import annotations

from helpers import text

from scheduling.models import ScheduleStatus

PICK = "sb:bulk:pick:0"


def scheduler(world):
    return world.env.bot.require_scheduler()


async def create(world, name, who=None):
    before = {s.id for s in await scheduler(world).list(world.guild.id)}
    await (who or world.admin).slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.digest,
        name=name,
    )
    [made] = [s for s in await scheduler(world).list(world.guild.id) if s.id not in before]
    return made


async def statuses(world):
    return {s.name: s.status for s in await scheduler(world).list(world.guild.id)}


def components(message):
    """Every component of a stored message (simcord keeps them as Discord's JSON)."""
    return [child for row in message.components for child in row["components"]]


def buttons(message):
    return {c["label"]: c.get("disabled", False) for c in components(message) if c.get("label")}


async def test_pause_and_resume_the_picked_schedules(world):
    one, two, _ = [await create(world, name) for name in ("one", "two", "three")]
    listed = await world.admin.slash(world.general, "schedule list")
    assert buttons(listed.response)["Pause selected"] is True  # nothing picked yet

    picked = await world.admin.select(listed.response, [one.id, two.id], custom_id=PICK)
    assert buttons(picked.response)["Pause selected"] is False
    paused = await world.admin.click(listed.response, label="Pause selected")

    assert paused.response.content.startswith("Paused 2: ")
    assert f"`{one.id}`" in paused.response.content
    assert f"`{two.id}`" in paused.response.content
    assert await statuses(world) == {
        "one": ScheduleStatus.PAUSED,
        "two": ScheduleStatus.PAUSED,
        "three": ScheduleStatus.ACTIVE,
    }
    stored = await scheduler(world).get(one.id)
    assert stored.pause_reason == "paused by ada"

    await world.admin.select(listed.response, [one.id, two.id], custom_id=PICK)
    resumed = await world.admin.click(listed.response, label="Resume selected")

    assert "Resumed 2" in resumed.response.content
    assert set((await statuses(world)).values()) == {ScheduleStatus.ACTIVE}


async def test_one_refusal_does_not_stop_the_others(world):
    one, two = [await create(world, name) for name in ("one", "two")]
    await world.admin.slash(world.general, "schedule pause", schedule=one.id)
    listed = await world.admin.slash(world.general, "schedule list")

    await world.admin.select(listed.response, [one.id, two.id], custom_id=PICK)
    paused = await world.admin.click(listed.response, label="Pause selected")

    assert f"Paused 1: `{two.id}`." in paused.response.content
    assert f"`{one.id}`: schedule {one.id} is paused, not active" in paused.response.content


async def test_delete_asks_first_and_deletes_exactly_what_it_named(world):
    one, two, three = [await create(world, name) for name in ("one", "two", "three")]
    listed = await world.admin.slash(world.general, "schedule list")

    await world.admin.select(listed.response, [one.id, three.id], custom_id=PICK)
    asked = await world.admin.click(listed.response, label="Delete selected")

    assert "Delete these 2 schedules" in asked.response.content
    assert "cannot be undone" in asked.response.content
    assert len(await scheduler(world).list(world.guild.id)) == 3
    cancelled = await world.admin.click(listed.response, label="Cancel")
    assert cancelled.response.content in (None, "")
    assert len(await scheduler(world).list(world.guild.id)) == 3

    await world.admin.click(listed.response, label="Delete selected")
    deleted = await world.admin.click(listed.response, label="Yes, delete them")

    assert "Deleted 2" in deleted.response.content
    assert [s.id for s in await scheduler(world).list(world.guild.id)] == [two.id]
    assert deleted.response.embeds[0].title == "Schedules (1)"


async def test_the_picked_schedules_survive_a_restart(world, build_bot):
    _, two = [await create(world, name) for name in ("one", "two")]
    listed = await world.admin.slash(world.general, "schedule list")
    await world.admin.select(listed.response, [two.id], custom_id=PICK)

    await world.env.restart_bot(build_bot())
    paused = await world.admin.click(listed.response, label="Pause selected")

    assert f"Paused 1: `{two.id}`." in paused.response.content
    assert await statuses(world) == {"one": ScheduleStatus.ACTIVE, "two": ScheduleStatus.PAUSED}


async def test_bulk_actions_are_checked_like_the_commands(world):
    one = await create(world, "one")
    listed = await world.admin.slash(world.general, "schedule list")
    await world.admin.select(listed.response, [one.id], custom_id=PICK)
    # The admin loses Manage Server; the list still on their screen must not work any more.
    world.env.backend.remove_member_role(world.guild.id, world.admin.id, world.admins.id)

    refused = await world.admin.click(listed.response, label="Pause selected")

    assert "Manage Server" in text(refused)
    assert (await statuses(world)) == {"one": ScheduleStatus.ACTIVE}


async def test_a_creator_picks_only_among_their_own(world):
    creators = world.guild.create_role("Creators")
    await world.admin.slash(world.general, "summarybot settings", creator_role=creators)
    [command] = [c for c in await world.env.bot.tree.fetch_commands() if c.name == "schedule"]
    world.guild.set_command_permissions(command.id, {creators: True})
    carl = world.guild.add_member(world.env.create_user("carl"), roles=[creators])
    staff = await create(world, "staff")
    mine = await create(world, "mine", carl)

    listed = await carl.slash(world.general, "schedule list")
    [menu] = [c for c in components(listed.response) if c.get("custom_id") == PICK]
    assert [option["value"] for option in menu["options"]] == [mine.id]
    await carl.select(listed.response, [mine.id], custom_id=PICK)
    await carl.click(listed.response, label="Pause selected")

    assert await statuses(world) == {"staff": ScheduleStatus.ACTIVE, "mine": ScheduleStatus.PAUSED}
    assert staff.id not in text(listed)
