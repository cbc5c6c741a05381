"""Checks repeated before every run: a schedule that lost its footing pauses with the reason."""

from __future__ import annotations


async def create(world):
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.digest,
        lookback="1d",
    )
    [schedule] = await world.env.bot.require_scheduler().list(world.guild.id)
    return schedule


async def second_admin(world):
    return world.guild.add_member(world.env.create_user("cy"), roles=[world.admins])


async def test_schedule_pauses_when_its_creator_left(world):
    schedule = await create(world)
    other = await second_admin(world)
    await world.say(world.general, "Something worth a digest about the release.")
    world.guild.remove_member(world.admin)

    result = await other.slash(world.general, "schedule run", schedule=schedule.id)

    stored = await world.env.bot.require_scheduler().get(schedule.id)
    assert stored.status == "paused"
    assert "left the server" in stored.pause_reason
    answer = result.followups[-1] if result.followups else result.response
    assert "paused" in answer.content
    assert all(m.author.id != world.env.bot.user.id for m in world.digest.history())


async def test_schedule_pauses_when_the_bot_can_no_longer_post(world):
    schedule = await create(world)
    bot_member = world.env.bot.get_guild(world.guild.id).me
    channel = world.env.bot.get_channel(world.digest.id)
    await channel.set_permissions(bot_member, send_messages=False)

    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    stored = await world.env.bot.require_scheduler().get(schedule.id)
    assert stored.status == "paused"
    assert "cannot send messages" in stored.pause_reason
