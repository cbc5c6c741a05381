"""/summary now over 5,000 messages in the real process, under Discord-like rate limits."""

from __future__ import annotations

from datetime import timedelta

from scheduling.models import utc_now

HISTORY = "GET /channels/{channel_id}/messages"
TOPICS = ("release", "database migration", "offsite venue", "onboarding docs", "billing bug")


async def test_summary_now_reads_5000_messages_under_a_rate_limit(
    bot_process, fake_discord, seeded
):
    start = utc_now() - timedelta(hours=5)
    for i in range(5000):
        author = seeded.member if i % 3 else seeded.admin
        text = f"Note {i}: the {TOPICS[i % 5]} needs a decision before Friday (ticket {i % 97})"
        fake_discord.add_message(seeded.general, author, text, at=start + timedelta(seconds=3 * i))
    # 50 pages of history at 20 per second: the bot meets 429s and must wait them out.
    fake_discord.set_route_limit(HISTORY, 20, 1.0)
    await bot_process.start()
    await bot_process.wait_ready()
    await fake_discord.wait_for(lambda: seeded.guild_id in fake_discord.commands, timeout=10)

    asked = await fake_discord.inject_command(
        seeded.general,
        seeded.member.id,
        "summary",
        [{"type": 1, "name": "now", "options": [{"type": 3, "name": "since", "value": "6h"}]}],
    )
    callback = await asked.wait_response(timeout=10)
    assert callback["type"] == 5  # deferred at once
    await fake_discord.wait_for(
        lambda: asked.original is not None and bool(asked.original.embeds), timeout=60
    )

    description = asked.original.embeds[0].get("description", "")
    assert "5,000 messages" in description or "5000 messages" in description, description
    assert fake_discord.requests_per_route()[HISTORY] >= 50
    # It paced itself under the limit (discord.py follows X-RateLimit-Remaining) instead of failing.
    times = [r.at for r in fake_discord.requests if r.route == HISTORY]
    assert max(times) - min(times) >= (len(times) / 20) - 1.5
    assert all(r.route != HISTORY for r in fake_discord.rate_limited)
    assert not bot_process.exited()
    assert await bot_process.stop() == 0
