"""What the bot's digests say: mentions as names, and how much a limit left out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Settings

LIMIT = 5


@pytest.fixture
def bot_settings(tmp_path) -> Settings:
    return Settings.model_validate(
        {
            "storage": {"path": str(tmp_path / "summarybot.db")},
            "delivery": {"file_root": str(tmp_path / "digests"), "max_attempts": 1},
            "summarizer": {"min_messages": 1, "max_messages": LIMIT},
        }
    )


def _mentioning(world) -> str:
    return (
        f"<@{world.admin.id}> please ask <@&{world.admins.id}> about the venue in "
        f"<#{world.digest.id}>, <@!{world.admin.id}> knows <#123456789012345678>"
    )


async def test_history_reads_mentions_as_names(world):
    await world.say(world.general, _mentioning(world))
    now = world.env.now()

    result = await world.env.bot.history.fetch(
        [world.general.id], now - timedelta(hours=1), now, limit=LIMIT
    )

    assert [m.content for m in result.messages] == [
        "@ada please ask @Admins about the venue in #digest, @ada knows #channel"
    ]


async def test_history_counts_what_the_limit_left_out(world):
    await world.say(world.general, *[f"venue update {i}" for i in range(3)])
    venue = world.env.backend.create_thread(world.general.id, "venue", world.admin.id, type=11)
    handle = next(t for t in world.general.threads if t.id == venue.id)
    await world.say(handle, *[f"thread update {i}" for i in range(4)])
    now = world.env.now()

    everything = await world.env.bot.history.fetch(
        [world.general.id], now - timedelta(hours=1), now, limit=LIMIT
    )
    # Each source held fewer than the limit: all 7 were read, so the count is exact.
    assert (everything.left_out, everything.left_out_exact) == (2, True)

    await world.say(world.general, *[f"late update {i}" for i in range(LIMIT + 2)])
    now = world.env.now()
    cut = await world.env.bot.history.fetch(
        [world.general.id], now - timedelta(minutes=10), now, limit=LIMIT, include_threads=False
    )
    # The channel had more than the limit: reading stopped at limit + 1, a lower bound.
    assert (cut.truncated, cut.left_out, cut.left_out_exact) == (True, 1, False)


async def test_summary_now_names_mentions_and_says_what_was_left_out(world):
    texts = [f"The venue for the offsite needs a decision by Friday, option {i}" for i in range(7)]
    await world.say(world.general, *texts, _mentioning(world))

    result = await world.member.slash(world.general, "summary now")

    shown = " ".join(f"{e.title or ''} {e.description or ''}" for e in result.response.embeds)
    assert "<@" not in shown
    assert "<#" not in shown
    assert "asked @ada to ask @Admins about the venue in #digest" in shown.replace("\\", "")
    assert (
        "only the most recent 5 messages of this window are summarized; at least 1 earlier one "
        "was left out (raise summarizer.max_messages to include them)"
    ) in shown.replace("\\", "")
