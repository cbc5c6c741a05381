"""Card buttons: pause, resume, delete with confirmation, also after the bot is rebuilt."""

from __future__ import annotations


async def create_card(world):
    result = await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.digest,
    )
    [schedule] = await world.env.bot.require_scheduler().list(world.guild.id)
    return result.response, schedule


async def status_of(world, schedule_id):
    return (await world.env.bot.require_scheduler().get(schedule_id)).status


async def test_pause_resume_and_delete_through_the_buttons(world):
    card, schedule = await create_card(world)

    await world.admin.click(card, label="Pause")
    assert await status_of(world, schedule.id) == "paused"
    await world.admin.click(card, label="Resume")
    assert await status_of(world, schedule.id) == "active"

    asked = await world.admin.click(card, label="Delete")
    assert "cannot be undone" in asked.response.content
    assert await world.env.bot.require_scheduler().list(world.guild.id) != []
    await world.admin.click(asked.response, label="Yes, delete it")
    assert await world.env.bot.require_scheduler().list(world.guild.id) == []


async def test_buttons_keep_working_after_the_bot_is_rebuilt(world, build_bot):
    card, schedule = await create_card(world)

    await world.env.restart_bot(build_bot())

    await world.admin.click(card, label="Pause")
    assert await status_of(world, schedule.id) == "paused"
    await world.admin.click(card, label="Resume")
    assert await status_of(world, schedule.id) == "active"
