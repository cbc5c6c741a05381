"""Autocomplete of `when`, `timezone` and schedule ids."""

from __future__ import annotations

import discord


async def test_when_shows_how_it_was_understood_and_the_next_run(world):
    choices = await world.admin.autocomplete(
        world.general, "schedule create", "when", "weekdays at 9am", timezone="Europe/Berlin"
    )
    [choice] = choices
    assert choice["value"] == "weekdays at 9am"
    # simcord's clock starts on Thursday 1 January 2026, 00:00 UTC (01:00 in Berlin).
    assert choice["name"] == "weekdays at 09:00 → next Thu 01 Jan, 09:00 CET"


async def test_when_explains_what_it_cannot_understand(world):
    [choice] = await world.admin.autocomplete(
        world.general, "schedule create", "when", "every blursday"
    )
    assert choice["name"].startswith("⚠️")
    assert "blursday" in choice["name"]


async def test_when_offers_examples_before_anything_is_typed(world):
    choices = await world.admin.autocomplete(world.general, "schedule create", "when", "")
    assert any(c["value"] == "weekdays at 09:00" for c in choices)
    assert all("→ next" in c["name"] for c in choices)


async def test_timezone_completes_iana_names(world):
    choices = await world.admin.autocomplete(world.general, "schedule create", "timezone", "berl")
    assert choices[0]["value"] == "Europe/Berlin"
    assert len(choices) <= 25


async def test_ids_come_from_this_guild_only(world):
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.digest,
        name="daily general",
    )
    [mine] = await world.env.bot.require_scheduler().list(world.guild.id)
    choices = await world.admin.autocomplete(world.general, "schedule show", "schedule", "")
    assert [c["value"] for c in choices] == [mine.id]
    assert "daily general" in choices[0]["name"]

    other = world.env.create_guild(name="Elsewhere")
    lobby = other.create_text_channel("lobby")
    admins = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    stranger = other.add_member(world.env.create_user("eve"), roles=[admins])
    assert await stranger.autocomplete(lobby, "schedule show", "schedule", "") == []


async def test_a_member_shown_the_command_but_not_allowed_sees_no_schedules(world):
    # A role given /schedule by a command-permission override, without Manage Server: every
    # command refuses them, so autocomplete must not show them ids, names or destinations.
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.digest,
        name="staff digest",
    )
    [mine] = await world.env.bot.require_scheduler().list(world.guild.id)
    helpers = world.guild.create_role("Helpers")
    helper = world.guild.add_member(world.env.create_user("hal"), roles=[helpers])
    [command] = [c for c in await world.env.bot.tree.fetch_commands() if c.name == "schedule"]
    world.guild.set_command_permissions(command.id, {helpers: True})

    assert await helper.autocomplete(world.general, "schedule show", "schedule", "") == []
    assert await helper.autocomplete(world.general, "schedule show", "schedule", "staff") == []
    removed = await helper.autocomplete(
        world.general, "schedule destination remove", "destination", "", schedule=mine.id
    )
    assert removed == []
    # The admin still gets them.
    choices = await world.admin.autocomplete(world.general, "schedule show", "schedule", "")
    assert [c["value"] for c in choices] == [mine.id]


async def test_when_refuses_an_interval_shorter_than_creation_allows(world):
    [choice] = await world.admin.autocomplete(
        world.general, "schedule create", "when", "every 2 minutes"
    )
    assert choice["name"] == (
        "⚠️ every 2 minutes is shorter than the shortest interval allowed (5 minutes)"
    )
