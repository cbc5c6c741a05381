"""Privacy as members meet it: private threads, audiences with denies, confirmations that
cover what was confirmed and no more."""

from __future__ import annotations

import discord
from simcord.backend.models.channel import Overwrite
from simcord.enums import OverwriteType

from tests.bot.sim.helpers import members_only, posted, stored
from tests.bot.sim.helpers import text as answer

HIDDEN = "the candidate accepted the salary offer of ninety thousand"


async def private_thread(world, parent, *members):
    """A private thread the bot was added to (it reads it) with `members` in it."""
    backend = world.env.backend
    created = backend.create_thread(
        parent.id, "hiring", world.admin.id, type=discord.ChannelType.private_thread.value
    )
    for member in (world.env.bot.user, *members):
        created.thread_members[member.id] = backend.now_iso()
    await world.env.settle()
    return next(t for t in parent.threads if t.id == created.id)


# --- 1. Private threads ----------------------------------------------------------------------


async def test_summary_now_leaves_out_a_private_thread_the_member_was_not_added_to(world):
    await world.say(world.general, "The release moves to Friday.")
    hiring = await private_thread(world, world.general, world.admin)
    await world.say(hiring, HIDDEN, who=world.admin)

    bob = await world.member.slash(world.general, "summary now", since="2h")
    ada = await world.admin.slash(world.general, "summary now", since="2h")

    assert "1 message" in answer(bob)
    assert "ninety" not in answer(bob)
    assert "2 messages" in answer(ada)  # she is in the thread: her digest has it


async def test_public_summary_now_leaves_out_a_thread_the_channel_cannot_read(world):
    # Ada may read the thread, but her public answer appears in #general for everyone.
    await world.say(world.general, "The release moves to Friday.")
    hiring = await private_thread(world, world.general, world.admin)
    await world.say(hiring, HIDDEN, who=world.admin)

    result = await world.admin.slash(world.general, "summary now", since="2h", public=True)

    assert not result.ephemeral
    assert "ninety" not in answer(result)


async def test_a_scheduled_digest_leaves_out_a_private_thread_its_channel_cannot_read(world):
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.digest,
        lookback="1d",
    )
    [schedule] = await stored(world)
    await world.say(world.general, "The release moves to Friday.")
    hiring = await private_thread(world, world.general, world.admin)
    await world.say(hiring, HIDDEN, who=world.admin)

    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    digest = posted(world, world.digest)
    assert "Friday" in digest
    assert "ninety" not in digest


async def test_a_scheduled_digest_includes_a_private_thread_where_all_readers_moderate(world):
    # #mods is for Mods and Admins, who all manage threads in #general: they see the thread.
    mods = world.guild.create_role("Mods", permissions=discord.Permissions(manage_threads=True))
    world.env.backend.set_overwrite(
        world.general.id,
        Overwrite(
            target_id=world.admins.id,
            type=OverwriteType.ROLE,
            allow=discord.Permissions(manage_threads=True).value,
            deny=0,
        ),
    )
    world.guild.add_member(world.env.create_user("mo"), roles=[mods])
    moderation = members_only(world, "mods", mods)
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=moderation,
        lookback="1d",
    )
    [schedule] = await stored(world)
    await world.say(world.general, "The release moves to Friday.")
    hiring = await private_thread(world, world.general, world.admin)
    await world.say(hiring, HIDDEN, who=world.admin)

    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    assert "2 messages" in posted(world, moderation)


# --- 2. Audiences with denies ----------------------------------------------------------------


async def test_a_member_denied_the_source_makes_a_public_destination_wider(world):
    staff_talk = world.guild.create_text_channel(
        "staff-talk", overwrites={world.member: discord.PermissionOverwrite(view_channel=False)}
    )

    result = await world.admin.slash(
        world.general, "schedule create", channel=staff_talk, when="daily at 09:00", to=world.digest
    )

    assert "wider audience" in answer(result)
    assert f"<@{world.member.id}>" in answer(result)  # who could see it: bob
    assert await stored(world) == []


async def test_a_combination_of_roles_that_reads_the_destination_but_not_the_source(world):
    # #src hides from Restricted; #team is TeamA's. A member with both roles reads #team only.
    restricted = world.guild.create_role("Restricted")
    team_a = world.guild.create_role("TeamA")
    src = world.guild.create_text_channel(
        "src", overwrites={restricted: discord.PermissionOverwrite(view_channel=False)}
    )
    team = members_only(world, "team", team_a)

    refused = await world.admin.slash(
        world.general, "schedule create", channel=src, when="daily at 09:00", to=team
    )
    confirmed = await world.admin.slash(
        world.general,
        "schedule create",
        channel=src,
        when="daily at 09:00",
        to=team,
        confirm_wider_audience=True,
    )

    assert "wider audience" in answer(refused)
    # Any member with Restricted and TeamA (or Admins, which #team lets in alike) could.
    assert f"<@&{restricted.id}>" in answer(refused)
    assert f"<@&{team_a.id}>" in answer(refused)
    assert "Schedule created" in answer(confirmed)
    assert len(await stored(world)) == 1


async def test_a_narrower_destination_needs_no_confirmation(world):
    result = await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.secret,
    )
    assert "Schedule created" in answer(result)


# --- 3. A confirmation covers what was confirmed ---------------------------------------------


async def confirmed_secret_to_mods(world):
    mods = world.guild.create_role("Mods")
    world.guild.add_member(world.env.create_user("mo"), roles=[mods])
    moderation = members_only(world, "mods", mods)
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.secret,
        when="daily at 09:00",
        to=moderation,
        lookback="1d",
        confirm_wider_audience=True,
    )
    [schedule] = await stored(world)
    await world.say(world.secret, "The offsite budget is five thousand.", who=world.admin)
    return schedule, moderation


async def open_to_everyone(world, channel) -> None:
    world.env.backend.set_overwrite(
        channel.id,
        Overwrite(
            target_id=world.guild.id,
            type=OverwriteType.ROLE,
            allow=discord.Permissions(view_channel=True).value,
            deny=0,
        ),
    )
    await world.env.settle()


async def test_a_confirmed_destination_keeps_working_while_it_stays_as_confirmed(world):
    schedule, moderation = await confirmed_secret_to_mods(world)

    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    assert "budget" in posted(world, moderation)
    assert (await world.env.bot.require_scheduler().get(schedule.id)).status == "active"


async def test_a_confirmed_destination_opened_to_everyone_pauses_the_schedule(world):
    schedule, moderation = await confirmed_secret_to_mods(world)
    await open_to_everyone(world, moderation)

    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    paused = await world.env.bot.require_scheduler().get(schedule.id)
    assert paused.status == "paused"
    assert "became visible to more people than when its wider audience was confirmed" in (
        paused.pause_reason
    )
    assert posted(world, moderation) == ""


async def test_resuming_needs_the_new_audience_confirmed(world):
    schedule, moderation = await confirmed_secret_to_mods(world)
    await open_to_everyone(world, moderation)
    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    refused = await world.admin.slash(world.general, "schedule resume", schedule=schedule.id)
    scheduler = world.env.bot.require_scheduler()
    still = await scheduler.get(schedule.id)
    accepted = await world.admin.slash(
        world.general, "schedule resume", schedule=schedule.id, confirm_wider_audience=True
    )
    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    assert "stays paused" in answer(refused)
    assert still.status == "paused"
    assert "resumed" in answer(accepted)
    assert "budget" in posted(world, moderation)
