from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from summarizer import summarize, with_citations
from summarizer.extractive import _ranked
from summarizer.models import (
    KeyPoint,
    Summary,
    SummaryLength,
    SummaryOptions,
    SummarySource,
    Topic,
    Window,
)
from summarizer.sources import ExportSource
from tests.summarizer.helpers import SAMPLE, message

NOW = datetime(2024, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample():
    return ExportSource(SAMPLE).load().messages


async def _summary(messages, **options):
    return await summarize(messages, SummaryOptions(generated_at=NOW, **options))


async def test_topic_points_cite_existing_messages(sample):
    summary = await _summary(sample)
    ids = {m.id for m in sample}
    assert summary.topics
    for topic in summary.topics:
        assert topic.points
        for point in topic.points:
            assert set(point.message_ids) <= ids


async def test_each_point_links_to_and_dates_its_first_message(sample):
    summary = await _summary(sample)
    by_id = {m.id: m for m in sample}
    points = [point for topic in summary.topics for point in topic.points]
    assert points
    for point in points:
        first = by_id[point.message_ids[0]]
        assert point.jump_url == first.jump_url is not None
        assert point.said_at == first.created_at


def test_points_an_engine_left_bare_get_their_messages_link_and_time(sample):
    # A model's points cite ids only; `with_citations` finds their messages in the window.
    first, second = sample[0], sample[1]
    bare = KeyPoint(text="A point.", message_ids=[second.id, first.id])
    dated = KeyPoint(text="Another.", message_ids=[first.id], said_at=NOW)
    summary = Summary(
        title="t",
        source=SummarySource(),
        overview="",
        window=Window(start=first.created_at, end=NOW),
        engine="llm",
        length=SummaryLength.BRIEF,
        generated_at=NOW,
        topics=[Topic(title="A topic", points=[bare, dated])],
    )
    completed = with_citations(summary, sample).topics[0].points
    assert (completed[0].jump_url, completed[0].said_at) == (second.jump_url, second.created_at)
    # A point that has its time is the engine's own, left as it is.
    assert completed[1] == dated


async def test_open_questions_are_really_unanswered(sample):
    summary = await _summary(sample)
    assert summary.open_questions
    by_id = {m.id: m for m in sample}
    for question in summary.open_questions:
        asker = by_id[question.message_id].author.id
        assert "?" in question.text
        assert not any(m.reply_to == question.message_id and m.author.id != asker for m in sample)


async def test_answered_questions_are_not_open(sample):
    summary = await _summary(sample)
    texts = " ".join(q.text for q in summary.open_questions)
    assert "WebP and AVIF" not in texts  # answered by Olu with a reply
    assert "Node version" not in texts


async def test_stats_add_up(sample):
    summary = await _summary(sample, length=SummaryLength.DETAILED)
    stats = summary.stats
    assert stats.message_count == len(sample)
    assert stats.participant_count == len({m.author.id for m in sample})
    assert sum(p.messages for p in stats.top_participants) <= stats.message_count
    assert stats.busiest_hour_messages <= stats.message_count
    assert stats.thread_count == 2
    assert sum(t.message_count for t in summary.topics) <= stats.message_count


async def test_links_are_collected(sample):
    summary = await _summary(sample, length=SummaryLength.DETAILED)
    assert "https://pagefind.app" in {link.url for link in summary.links}


async def test_identical_input_gives_identical_output(sample):
    first = await _summary(sample)
    second = await _summary(list(sample))
    assert first.model_dump_json() == second.model_dump_json()


async def test_bots_and_opted_out_members_are_left_out():
    messages = [
        message(0, "the deploy failed on staging again today", author=1),
        message(1, "bot announcement about the release pipeline", author=2, bot=True),
        message(2, "private thoughts about the deploy pipeline", author=3),
    ]
    summary = await _summary(messages, exclude_user_ids=frozenset({3}))
    cited = {i for t in summary.topics for p in t.points for i in p.message_ids}
    assert summary.stats.message_count == 1
    assert cited == {1000}


async def test_include_bots_keeps_bot_messages():
    messages = [message(0, "hello there everyone"), message(1, "bot says hi", bot=True, author=2)]
    summary = await _summary(messages, include_bots=True)
    assert summary.stats.message_count == 2


async def test_max_messages_truncates_and_says_so():
    messages = [message(i, f"message number {i} about the release") for i in range(10)]
    summary = await _summary(messages, max_messages=4)
    assert summary.truncated
    assert summary.stats.message_count == 4


async def test_empty_window_still_summarizes():
    summary = await _summary([])
    assert summary.topics == []
    assert summary.stats.message_count == 0
    assert summary.overview


async def test_time_gap_splits_conversations():
    messages = [message(i, f"database migration step {i} is running") for i in range(4)]
    messages += [message(10 + i, f"lunch plans pizza place {i}", minutes=300 + i) for i in range(4)]
    summary = await _summary(messages)
    assert summary.stats.conversation_count == 2


async def test_a_late_reply_joins_the_conversation_it_answers():
    messages = [
        message(0, "how do I rotate the api keys for the staging server?", author=1),
        message(1, "lunch at the pizza place downstairs today", author=2, minutes=60),
        message(2, "use the vault cli, rotate then restart", author=3, minutes=120, reply_to=0),
    ]
    summary = await _summary(messages, length=SummaryLength.DETAILED)
    assert summary.stats.conversation_count == 2
    assert summary.open_questions == []


async def test_times_are_aware_utc(sample):
    summary = await _summary(sample)
    assert summary.generated_at.utcoffset().total_seconds() == 0
    assert summary.window.start.tzinfo is not None


async def test_activity_counts_every_message_per_hour_of_the_window():
    loaded = ExportSource(SAMPLE).load()
    start = loaded.messages[0].created_at.replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=200)
    summary = await summarize(
        loaded.messages, SummaryOptions(start=start, end=end, generated_at=end)
    )
    assert sum(summary.stats.activity) == summary.stats.message_count
    assert len(summary.stats.activity) == 200


def test_messages_of_equal_score_are_ranked_in_the_order_they_were_said():
    # Best first; a tie goes to the earlier message (the conversation's members are in time
    # order, and the ranking's sort keeps it for equal scores).
    analysis = SimpleNamespace(
        scores={3: 0.5, 7: 0.9, 9: 0.5, 12: 0.1, 20: 0.5}, messages=[], engagement=[]
    )
    assert _ranked(analysis, [3, 7, 9, 12, 20], one_line=False) == [7, 3, 9, 20, 12]
