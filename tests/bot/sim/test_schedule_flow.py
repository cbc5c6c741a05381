"""A schedule from creation to a delivered digest, as members see it."""

from __future__ import annotations

CHAT = (
    "Should we move the release to Friday? The migration is not done yet.",
    "I think Friday works if the database migration lands on Thursday.",
    "Agreed, let's ship the release on Friday after the migration.",
    "I will write the release notes tomorrow morning.",
)


async def create(world, **options):
    options.setdefault("channel", world.general)
    options.setdefault("when", "weekdays at 09:00")
    options.setdefault("to", world.digest)
    result = await world.admin.slash(world.general, "schedule create", **options)
    [schedule] = await world.env.bot.require_scheduler().list(world.guild.id)
    return result, schedule


async def test_triggered_run_posts_the_digest_and_show_reports_each_destination(world):
    await world.say(world.general, *CHAT)
    _, schedule = await create(world, lookback="1d", file="{schedule}.md")

    ran = await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    report = ran.followups[-1].content if ran.followups else ran.response.content
    assert "succeeded" in report
    assert "Delivered to 2 of 2 destinations" in report
    digest = world.digest.last_message
    assert digest.author.id == world.env.bot.user.id
    assert (
        "release"
        in " ".join(e.description or "" for e in digest.embeds).lower()
        + str([f.value for e in digest.embeds for f in e.fields]).lower()
    )
    shown = await world.admin.slash(world.general, "schedule show", schedule=schedule.id)
    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert "succeeded" in fields["Last runs"]
    for destination in schedule.destinations:
        assert f"`{destination.id}` delivered" in fields["Last runs"]
        assert f"`{destination.id}`: 100% of 1 delivered" in fields["Destination health"]


async def test_a_digest_of_mentions_pings_nobody(world):
    pinged = world.guild.create_role("Pinged", mentionable=True)
    await world.say(
        world.general,
        "@everyone the build is broken again, please look",
        f"{pinged.mention} can you check the deploy logs for the build?",
        f"{world.admin.mention} the build broke after the deploy, logs attached",
        "@here fixed the build, deploy is green again",
        who=world.admin,
    )
    _, schedule = await create(world, lookback="1d")

    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)

    posted = [m for m in world.digest.history() if m.author.id == world.env.bot.user.id]
    assert posted
    for message in posted:
        assert not message.mentions
        assert not message.role_mentions
        assert not message.mention_everyone


async def test_member_without_manage_server_cannot_see_schedule(world):
    assert "schedule create" not in world.member.available_commands(world.general)
    assert "schedule create" in world.admin.available_commands(world.general)
    assert "summary now" in world.member.available_commands(world.general)
