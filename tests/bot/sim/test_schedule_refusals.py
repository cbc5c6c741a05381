"""What a member cannot do with /schedule, and the specific answer they get."""

from __future__ import annotations

import discord

from tests.bot.sim.helpers import stored, text


async def test_without_manage_server_the_command_is_refused_even_if_shown(world):
    # An admin may override default_member_permissions; the runtime check still holds.
    helpers = world.guild.create_role("Helpers")
    helper = world.guild.add_member(world.env.create_user("hal"), roles=[helpers])
    [command] = [c for c in await world.env.bot.tree.fetch_commands() if c.name == "schedule"]
    world.guild.set_command_permissions(command.id, {helpers: True})

    result = await helper.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.digest,
    )

    assert result.ephemeral
    assert "Manage Server" in text(result)
    assert await stored(world) == []


async def test_a_source_the_member_cannot_read_is_refused(world):
    moderators = world.guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = world.guild.add_member(world.env.create_user("mo"), roles=[moderators])
    announcements = world.guild.create_text_channel(
        "announcements",
        overwrites={moderators: discord.PermissionOverwrite(read_message_history=False)},
    )

    result = await mod.slash(
        world.digest,
        "schedule create",
        channel=announcements,
        when="daily at 09:00",
        to=world.digest,
    )

    assert "you cannot read the message history" in text(result)
    assert await stored(world) == []


async def test_a_wider_audience_needs_confirmation(world):
    result = await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.secret,
        when="daily at 09:00",
        to=world.digest,
    )
    assert "wider audience" in text(result)
    assert "confirm_wider_audience" in text(result)
    assert await stored(world) == []

    confirmed = await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.secret,
        when="daily at 09:00",
        to=world.digest,
        confirm_wider_audience=True,
    )
    [schedule] = await stored(world)
    assert schedule.confirm_wider_audience
    fields = {f.name: f.value for f in confirmed.response.embeds[0].fields}
    assert any("Wider audience" in name for name in fields)


async def test_a_webhook_from_a_private_source_needs_confirmation(world):
    result = await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.secret,
        when="daily at 09:00",
        webhook="https://hooks.example.com/digest",
        to=world.secret,
    )
    assert "reaches people outside Discord" in text(result)


async def test_an_id_from_another_guild_is_not_found(world):
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.digest,
    )
    [schedule] = await stored(world)
    other = world.env.create_guild(name="Elsewhere")
    owner_role = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    stranger = other.add_member(world.env.create_user("eve"), roles=[owner_role])
    lobby = other.create_text_channel("lobby")

    for command in ("schedule show", "schedule pause", "schedule run", "schedule delete"):
        result = await stranger.slash(lobby, command, schedule=schedule.id)
        assert "Not found" in text(result), command
    [still] = await stored(world)
    assert still.status == "active"


async def test_bad_when_and_zone_get_specific_answers(world):
    bad_when = await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="every blursday",
        to=world.digest,
    )
    assert "every blursday" in text(bad_when)
    bad_zone = await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        timezone="Europe/Berln",
        to=world.digest,
    )
    assert "Europe/Berlin" in text(bad_zone)
    unsafe = await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        webhook="http://127.0.0.1:8080/hook",
    )
    assert "127.0.0.1" in text(unsafe)
    assert await stored(world) == []
