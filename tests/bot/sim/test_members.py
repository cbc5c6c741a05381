"""What members choose: opting out of summaries, and a schedule's digest in their DMs."""

from __future__ import annotations

import discord

from bot.subscribers import Subscribers
from scheduling.models import Run


def text(result) -> str:
    parts = [result.response, *result.followups] if result.response else result.followups
    return "\n".join(p.content or "" for p in parts if p is not None)


def digest_text(message) -> str:
    parts = [message.content or ""]
    for embed in message.embeds:
        parts.append(embed.title or "")
        parts.append(embed.description or "")
        parts.extend(f"{f.name} {f.value}" for f in embed.fields)
    return "\n".join(parts)


def bot_messages(world, channel):
    return [m for m in channel.history() if m.author.id == world.env.bot.user.id]


async def create(world, channel, **options):
    options.setdefault("when", "daily at 09:00")
    options.setdefault("to", world.digest)
    options.setdefault("lookback", "1d")
    scheduler = world.env.bot.require_scheduler()
    before = {s.id for s in await scheduler.list(world.guild.id)}
    result = await world.admin.slash(world.general, "schedule create", channel=channel, **options)
    assert "Schedule created." in text(result), text(result)
    [made] = [s for s in await scheduler.list(world.guild.id) if s.id not in before]
    return made


async def run(world, schedule):
    return await world.admin.slash(world.general, "schedule run", schedule=schedule.id)


async def test_optout_leaves_a_members_messages_out_and_optin_brings_them_back(world):
    schedule = await create(world, world.general)
    await world.say(
        world.general, "Ada: the quarterly zeppelin budget is approved.", who=world.admin
    )
    await world.say(world.general, "Bob: my secret pineapple recipe goes in the wiki.")

    answer = await world.member.slash(world.general, "summary optout")

    assert answer.ephemeral
    assert "no summary in **Quillpress** includes your messages" in text(answer)
    assert "digests already delivered stay" in text(answer)
    await run(world, schedule)
    first = "\n".join(digest_text(m) for m in bot_messages(world, world.digest))
    assert "zeppelin" in first
    assert "pineapple" not in first

    await world.member.slash(world.general, "summary optin")
    await world.say(world.general, "Bob: pineapple recipe is now in the wiki, page two.")
    await run(world, schedule)
    second = digest_text(bot_messages(world, world.digest)[-1])
    assert "pineapple" in second


async def test_optout_applies_to_summary_now_too(world):
    await world.say(world.general, "Bob: the pineapple recipe is ready.")
    await world.say(world.general, "Ada: the zeppelin budget is ready.", who=world.admin)
    await world.member.slash(world.general, "summary optout")

    result = await world.admin.slash(world.general, "summary now", since="1h")

    shown = "\n".join(digest_text(m) for m in [result.response, *result.followups])
    assert "zeppelin" in shown
    assert "pineapple" not in shown


async def test_optout_survives_a_restart(world, build_bot):
    await world.member.slash(world.general, "summary optout")
    await world.env.restart_bot(build_bot())

    again = await world.member.slash(world.general, "summary optout")

    assert "You had already opted out." in text(again)


async def test_a_subscriber_gets_the_digest_by_dm_until_they_lose_access(world):
    readers = world.guild.create_role("Readers")
    team = world.guild.create_text_channel(
        "team",
        overwrites={
            world.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            readers: discord.PermissionOverwrite(view_channel=True),
            world.admins: discord.PermissionOverwrite(view_channel=True),
            world.env.bot.user: discord.PermissionOverwrite(view_channel=True),
        },
    )
    world.env.backend.add_member_role(world.guild.id, world.member.id, readers.id)
    schedule = await create(world, team, to=team)

    subscribed = await world.member.slash(world.general, "digest subscribe", schedule=schedule.id)

    assert f"Subscribed to `{schedule.id}` by DM" in text(subscribed)
    await world.say(team, "The launch checklist is final and signed off.", who=world.admin)
    await run(world, schedule)
    dms = world_dms(world, world.member)
    assert "will receive the digest" in dms[0]  # the welcome DM
    assert "launch checklist" in dms[-1]
    listed = await world.member.slash(world.general, "digest list")
    assert schedule.id in text(listed)

    world.env.backend.remove_member_role(world.guild.id, world.member.id, readers.id)
    await world.say(team, "The launch moves to Tuesday, keep it quiet.", who=world.admin)
    await run(world, schedule)
    await world.say(team, "Another private update about the launch.", who=world.admin)
    await run(world, schedule)

    after = world_dms(world, world.member)
    assert not any("Tuesday" in message for message in after)
    told = [m for m in after if "you no longer receive the digest" in m]
    assert len(told) == 1  # told once, not at every run
    assert "cannot see" in told[0]


def world_dms(world, member) -> list[str]:
    channel = world.env.backend.get_dm_channel(member.id)
    handle = type(world.digest)(world.env, None, channel)
    return [digest_text(m) for m in handle.history() if m.author.id == world.env.bot.user.id]


async def test_subscribe_needs_access_to_every_source(world):
    schedule = await create(world, world.secret, to=world.secret)

    refused = await world.member.slash(world.general, "digest subscribe", schedule=schedule.id)

    assert "You cannot get this digest: you cannot see" in text(refused)
    store = world.env.bot.require_scheduler().store
    assert await store.subscriptions(schedule_id=schedule.id) == []


async def test_subscribe_with_closed_dms_says_how_to_open_them(world):
    schedule = await create(world, world.general)
    world.env.inject_error(
        "POST", "/channels/*/messages", status=403, code=50007, message="Cannot send"
    )

    refused = await world.member.slash(world.general, "digest subscribe", schedule=schedule.id)

    assert "Privacy Settings" in text(refused)
    store = world.env.bot.require_scheduler().store
    assert await store.subscriptions(schedule_id=schedule.id) == []


async def test_unsubscribe_and_autocomplete_offer_only_readable_schedules(world):
    public = await create(world, world.general)
    private = await create(world, world.secret, to=world.secret)

    offered = await world.member.autocomplete(world.general, "digest subscribe", "schedule", "")
    values = [choice["value"] for choice in offered]
    assert public.id in values
    assert private.id not in values

    await world.member.slash(world.general, "digest subscribe", schedule=public.id)
    done = await world.member.slash(world.general, "digest unsubscribe", schedule=public.id)
    assert "Unsubscribed" in text(done)
    again = await world.member.slash(world.general, "digest unsubscribe", schedule=public.id)
    assert "You do not receive" in text(again)


async def test_a_subscriber_who_left_the_server_is_unsubscribed(world):
    schedule = await create(world, world.general)
    await world.member.slash(world.general, "digest subscribe", schedule=schedule.id)
    world.guild.remove_member(world.member)

    assert await Subscribers(world.env.bot)(schedule) == []
    store = world.env.bot.require_scheduler().store
    assert await store.subscriptions(schedule_id=schedule.id) == []


async def test_a_member_who_subscribes_mid_run_starts_with_the_next_run(world):
    # The run read its window (and judged private threads) for the subscribers it knew.
    schedule = await create(world, world.general)
    began = Run(schedule_id=schedule.id, scheduled_for=world.env.now(), started_at=world.env.now())
    await world.env.advance_time(5)
    await world.member.slash(world.general, "digest subscribe", schedule=schedule.id)
    later = began.model_copy(update={"started_at": world.env.now()})

    assert await Subscribers(world.env.bot)(schedule, began) == []
    [dm] = await Subscribers(world.env.bot)(schedule, later)
    assert dm.user_id == world.member.id


async def test_refused_dms_fail_for_that_member_and_end_the_subscription(world):
    ops = world.guild.create_text_channel("ops")
    await world.admin.slash(world.general, "summarybot settings", log_channel=ops)
    schedule = await create(world, world.general)
    await world.member.slash(world.general, "digest subscribe", schedule=schedule.id)
    dm = world.env.backend.get_dm_channel(world.member.id)
    # The member closes their DMs: Discord answers 50007 to every DM from now on.
    world.env.inject_error(
        "POST", f"/channels/{dm.id}/messages", status=403, code=50007, times=None
    )
    store = world.env.bot.require_scheduler().store

    for number in range(3):
        await world.say(world.general, f"Update {number}: the release train is on time.")
        ran = await run(world, schedule)
        assert "succeeded" in text(ran)  # the schedule's own destination was delivered
        [dm_row] = [
            d
            for d in await store.list_deliveries((await store.latest_run(schedule.id)).id)
            if d.destination.kind == "dm"
        ]
        assert (dm_row.status, dm_row.http_status) == ("failed", 403)

    assert await store.subscriptions(schedule_id=schedule.id) == []
    notices = [m.content for m in ops.history() if m.author.id == world.env.bot.user.id]
    assert any("no longer receives the digest" in n for n in notices)
