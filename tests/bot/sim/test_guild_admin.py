"""A guild's own settings, its emergency stop, status, and what happens when its world changes."""

from __future__ import annotations

import discord

from scheduling.models import AuditAction, ScheduleStatus
from scheduling.shards import ShardPlan


def text(result) -> str:
    parts = [result.response, *result.followups] if result.response else result.followups
    return "\n".join(p.content or "" for p in parts if p is not None)


def scheduler(world):
    return world.env.bot.require_scheduler()


async def create(world, channel=None, **options):
    options.setdefault("when", "daily at 09:00")
    options.setdefault("to", world.digest)
    before = {s.id for s in await scheduler(world).list(world.guild.id)}
    result = await world.admin.slash(
        world.general, "schedule create", channel=channel or world.general, **options
    )
    assert "Schedule created." in text(result), text(result)
    [made] = [s for s in await scheduler(world).list(world.guild.id) if s.id not in before]
    return made


def bot_posts(world, channel) -> list[str]:
    return [m.content for m in channel.history() if m.author.id == world.env.bot.user.id]


async def test_settings_set_the_default_zone_of_new_schedules(world):
    done = await world.admin.slash(world.general, "summarybot settings", timezone="Europe/Berlin")

    assert "Settings saved." in text(done)
    assert "Europe/Berlin" in done.response.embeds[0].fields[0].value
    schedule = await create(world)
    assert schedule.timezone == "Europe/Berlin"
    explicit = await create(world, timezone="Asia/Tokyo")
    assert explicit.timezone == "Asia/Tokyo"
    offered = await world.admin.autocomplete(
        world.general, "schedule create", "when", "daily at 09:00"
    )
    assert "CET" in offered[0]["name"] or "CEST" in offered[0]["name"]
    entries = await scheduler(world).store.list_audit(guild_id=world.guild.id)
    [entry] = [e for e in entries if e.action is AuditAction.SETTINGS_CHANGED]
    assert entry.detail["timezone"] == {"from": None, "to": "Europe/Berlin"}
    assert entry.actor == f"user:{world.admin.id}"


async def test_the_settings_form_shows_and_edits_them(world):
    ops = world.guild.create_text_channel("ops")
    mods = world.guild.create_role("Mods")
    await world.admin.slash(world.general, "summarybot settings", timezone="Europe/Paris")

    shown = await world.admin.slash(world.general, "summarybot settings")
    saved = await world.admin.submit_modal(
        shown, {"zone": "", "log_channel": [ops], "admin_role": [mods]}
    )

    assert "Settings saved." in text(saved)
    stored = await scheduler(world).store.get_guild_settings(world.guild.id)
    assert (stored.timezone, stored.log_channel_id, stored.admin_role_id) == (
        None,
        ops.id,
        mods.id,
    )


async def test_a_bad_zone_in_settings_is_explained_and_nothing_changes(world):
    refused = await world.admin.slash(world.general, "summarybot settings", timezone="Europe/Berln")

    assert "Europe/Berlin" in text(refused)
    stored = await scheduler(world).store.get_guild_settings(world.guild.id)
    assert stored.timezone is None


async def allow_command(world, name, role):
    """What a server admin does in Server Settings → Integrations: show a command to a role."""
    [command] = [c for c in await world.env.bot.tree.fetch_commands() if c.name == name]
    world.guild.set_command_permissions(command.id, {role: True})


async def test_settings_need_manage_server_even_where_shown(world):
    assert "summarybot settings" not in world.member.available_commands(world.general)
    helpers = world.guild.create_role("Helpers")
    hal = world.guild.add_member(world.env.create_user("hal"), roles=[helpers])
    await allow_command(world, "summarybot", helpers)

    refused = await hal.slash(world.general, "summarybot settings", timezone="UTC")

    assert "Manage Server" in text(refused)
    stored = await scheduler(world).store.get_guild_settings(world.guild.id)
    assert stored.timezone is None


async def test_the_admin_role_may_manage_schedules_but_not_settings(world):
    helpers = world.guild.create_role("Helpers")
    hal = world.guild.add_member(world.env.create_user("hal"), roles=[helpers])
    await world.admin.slash(world.general, "summarybot settings", admin_role=helpers)
    await allow_command(world, "schedule", helpers)
    await allow_command(world, "summarybot", helpers)

    made = await hal.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 10:00",
        to=world.digest,
    )
    refused = await hal.slash(world.general, "summarybot settings", timezone="UTC")

    assert "Schedule created." in text(made)
    assert "Manage Server" in text(refused)


async def test_notices_go_to_the_log_channel(world):
    ops = world.guild.create_text_channel("ops")
    await world.admin.slash(world.general, "summarybot settings", log_channel=ops)
    doomed = world.guild.create_text_channel("doomed")
    schedule = await create(world, doomed)

    world.env.backend.delete_channel(doomed.id)
    await world.env.settle()

    stored = await scheduler(world).get(schedule.id)
    assert stored.status is ScheduleStatus.PAUSED
    assert "#doomed" in stored.pause_reason
    assert "which was deleted" in stored.pause_reason
    [notice] = bot_posts(world, ops)
    assert schedule.id in notice
    assert "was deleted" in notice


async def test_without_a_log_channel_the_creator_gets_a_dm_once_a_day(world):
    first = world.guild.create_text_channel("first")
    schedule = await create(world, first, to=world.digest)
    world.env.backend.delete_channel(first.id)
    await world.env.settle()
    await scheduler(world).resume(schedule.id, "test")  # resumed without fixing it
    notifier = world.env.bot.notifier

    await world.env.bot.lifecycle.channel_gone(world.guild.id, first.id, "#first")

    dm = world.env.backend.get_dm_channel(world.admin.id)
    handle = type(world.digest)(world.env, None, dm)
    told = [m.content for m in handle.history() if schedule.id in m.content]
    assert len(told) == 1
    assert len(notifier.sent) == 1


async def test_a_deleted_destination_channel_pauses_the_schedule(world):
    out = world.guild.create_text_channel("out")
    schedule = await create(world, to=out)

    world.env.backend.delete_channel(out.id)
    await world.env.settle()

    stored = await scheduler(world).get(schedule.id)
    assert stored.status is ScheduleStatus.PAUSED
    assert "posts in #out" in stored.pause_reason


async def test_pause_all_stops_this_guild_only_and_resume_all_undoes_it(world, simcord_env):
    mine = await create(world)
    held = await create(world)
    await world.admin.slash(world.general, "schedule pause", schedule=held.id, reason="holidays")
    other_guild = simcord_env.create_guild(name="Elsewhere")
    other_admins = other_guild.create_role(
        "Admins", permissions=discord.Permissions(manage_guild=True)
    )
    eve = other_guild.add_member(simcord_env.create_user("eve"), roles=[other_admins])
    elsewhere = other_guild.create_text_channel("chat")
    await eve.slash(
        elsewhere, "schedule create", channel=elsewhere, when="daily at 09:00", to=elsewhere
    )
    [theirs] = await scheduler(world).list(other_guild.id)

    asked = await world.admin.slash(world.general, "schedule pause-all")
    assert "Pause all **1** active schedules" in text(asked)
    assert (await scheduler(world).get(mine.id)).status is ScheduleStatus.ACTIVE  # not yet
    done = await world.admin.click(asked.response, label="Yes, pause them all")

    assert "Paused 1 schedules" in text(done)
    assert (await scheduler(world).get(mine.id)).status is ScheduleStatus.PAUSED
    assert (await scheduler(world).get(theirs.id)).status is ScheduleStatus.ACTIVE
    audit = await scheduler(world).store.list_audit(guild_id=world.guild.id, limit=5)
    assert AuditAction.EMERGENCY_STOP in [entry.action for entry in audit]

    asked = await world.admin.slash(world.general, "schedule resume-all")
    await world.admin.click(asked.response, label="Yes, resume them")

    assert (await scheduler(world).get(mine.id)).status is ScheduleStatus.ACTIVE
    assert (await scheduler(world).get(held.id)).pause_reason == "holidays"


async def test_the_pause_all_button_checks_the_clicker_again(world):
    await create(world)
    asked = await world.admin.slash(world.general, "schedule pause-all")
    world.env.backend.remove_member_role(world.guild.id, world.admin.id, world.admins.id)

    refused = await world.admin.click(asked.response, label="Yes, pause them all")

    assert "Manage Server" in text(refused)
    [schedule] = await scheduler(world).list(world.guild.id)
    assert schedule.status is ScheduleStatus.ACTIVE


async def test_status_shows_the_scheduler_next_runs_and_failures(world):
    schedule = await create(world)

    shown = await world.admin.slash(world.general, "summarybot status")

    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert fields["Scheduler"].startswith("stopped")  # APScheduler is not started in simcord
    assert "1 active" in fields["Schedules here"]
    assert fields["Last failures"] == "none"
    assert "summarybot" in shown.response.embeds[0].footer.text
    assert " · up " in shown.response.embeds[0].footer.text
    assert schedule.id  # its next run is listed once APScheduler runs (tests/e2e)


async def test_leaving_pauses_the_guild_and_a_rejoin_says_how_to_resume(world):
    ops = world.guild.create_text_channel("ops")
    await world.admin.slash(world.general, "summarybot settings", log_channel=ops)
    schedule = await create(world)
    bot = world.env.bot
    guild = bot.get_guild(world.guild.id)

    await bot.lifecycle.on_guild_remove(guild)
    stored = await scheduler(world).get(schedule.id)
    assert (stored.status, stored.pause_cause) == (ScheduleStatus.PAUSED, "left_server")

    await bot.lifecycle.on_guild_join(guild)

    assert (await scheduler(world).get(schedule.id)).status is ScheduleStatus.PAUSED
    [told] = bot_posts(world, ops)
    assert "/schedule resume-all" in told


async def test_the_bot_removed_from_a_guild_pauses_its_schedules(world):
    schedule = await create(world)

    world.env.backend.remove_guild(world.guild.id)
    await world.env.settle()

    stored = await scheduler(world).get(schedule.id)
    assert (stored.status, stored.pause_cause) == (ScheduleStatus.PAUSED, "left_server")


class _Holders:
    """Stands in for the PostgreSQL shard locks: who holds which shard."""

    def __init__(self, held: dict[int, str]) -> None:
        self.held = held

    async def holders(self) -> dict[int, str]:
        return self.held


async def test_status_of_one_of_several_processes_shows_its_shards_and_the_others(world):
    bot = world.env.bot
    bot.plan = ShardPlan(8, (0, 1, 2, 3))
    bot.shard_locks = _Holders(
        {**dict.fromkeys(range(4), "summarybot a:1 shards 0-3 of 8"), 4: "summarybot b:2"}
    )
    try:
        shown = await world.admin.slash(world.general, "summarybot status")
    finally:
        bot.plan = bot.shard_locks = None

    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert fields["Shards"] == "this process: 0-3 of 8\n4: summarybot b:2\n5-7: free"


async def test_status_of_a_single_process_says_nothing_of_shards(world):
    shown = await world.admin.slash(world.general, "summarybot status")
    assert "Shards" not in {f.name for f in shown.response.embeds[0].fields}
