"""/summary now: an ad-hoc digest with progress, private unless it may be public."""

from __future__ import annotations

import discord

TOPICS = ("release", "database migration", "offsite venue", "onboarding docs")


def edits(env) -> list[str]:
    return [
        (r.json or {}).get("content") or ""
        for r in env.http_requests
        if r.method == "PATCH" and r.path.endswith("/messages/@original")
    ]


async def test_summary_now_shows_progress_then_the_digest(world):
    texts = [
        f"Update {i}: the {TOPICS[i % 4]} needs another look before Friday, says {i}"
        for i in range(120)
    ]
    await world.say(world.general, *texts)

    result = await world.member.slash(world.general, "summary now")

    assert result.ephemeral
    progress = edits(world.env)
    assert progress[0] == "Reading messages…"
    assert "Summarizing 120 messages…" in progress
    final = result.response
    assert final.embeds, final.content
    described = " ".join(e.description or "" for e in final.embeds)
    assert "120 messages" in described


async def test_public_summary_refused_where_more_people_can_read(world):
    await world.say(world.secret, "Private planning: the offsite budget is 5k.", who=world.admin)

    result = await world.admin.slash(
        world.general, "summary now", channel=world.secret, public=True
    )

    assert "More people can read this channel" in result.response.content
    assert result.ephemeral


async def test_public_summary_allowed_in_the_same_channel(world):
    await world.say(world.general, "The release moves to Friday.", "Release notes by Thursday.")

    result = await world.member.slash(world.general, "summary now", public=True)

    assert not result.ephemeral
    assert result.response.embeds


async def test_a_channel_the_member_cannot_read_is_refused(world):
    await world.say(world.secret, "Budget talk.", who=world.admin)
    # The member cannot even pick #secret in Discord's picker; they can name the channel they
    # are in, where history is hidden from them.
    quiet = world.guild.create_text_channel(
        "quiet",
        overwrites={
            world.guild.default_role: discord.PermissionOverwrite(read_message_history=False)
        },
    )
    result = await world.member.slash(quiet, "summary now")
    assert "cannot read the message history" in result.response.content


async def test_cooldown_per_member(world):
    await world.say(world.general, "One message to summarize.")
    await world.member.slash(world.general, "summary now")
    again = await world.member.slash(world.general, "summary now")
    assert "Slow down" in again.response.content
