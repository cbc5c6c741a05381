"""Long windows are summarized per day, week or month, the topic budget shared between them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from delivery.embeds import render_discord
from delivery.render import render_markdown
from summarizer import periods, summarize
from summarizer.models import Author, ChatMessage, SummaryLength, SummaryOptions
from tests.summarizer.helpers import CHANNEL

JAN = datetime(2024, 1, 1, tzinfo=UTC)
SUBJECTS = [
    ("kubernetes", "ingress", "certificates"),
    ("sourdough", "starter", "hydration"),
    ("telescope", "eyepiece", "collimation"),
    ("marathon", "intervals", "tapering"),
    ("violin", "rosin", "bowing"),
    ("aquarium", "nitrate", "filtration"),
]


def burst(start: datetime, subject: tuple[str, str, str], size: int, first_id: int):
    a, b, c = subject
    lines = [
        f"question about {a} and {b} today",
        f"the {b} depends on your {c} mostly",
        f"my {a} {c} was off last time",
        f"try checking the {b} before the {c}",
        f"thanks, the {a} {b} works now",
        f"good to know about {c} and {a}",
    ]
    return [
        ChatMessage(
            id=first_id + i,
            channel=CHANNEL,
            author=Author(id=1 + i % 3, name=f"user{1 + i % 3}"),
            content=lines[i % len(lines)],
            created_at=start + timedelta(minutes=2 * i),
        )
        for i in range(size)
    ]


def three_months() -> list[ChatMessage]:
    """A busy January weekend, then quieter talk in February and March."""
    messages = []
    plan = [
        (JAN + timedelta(days=5), 0, 40),
        (JAN + timedelta(days=5, hours=6), 1, 30),
        (JAN + timedelta(days=6), 2, 30),
        (JAN + timedelta(days=40), 3, 12),
        (JAN + timedelta(days=75), 4, 10),
        (JAN + timedelta(days=80), 5, 8),
    ]
    for n, (start, subject, size) in enumerate(plan):
        messages += burst(start, SUBJECTS[subject], size, 10_000 * (n + 1))
    return messages


def options(start: datetime, end: datetime, **more) -> SummaryOptions:
    return SummaryOptions(start=start, end=end, generated_at=end, **more)


@pytest.mark.parametrize(
    ("span", "unit"),
    [
        (timedelta(hours=24), None),
        (timedelta(hours=36), None),
        (timedelta(days=3), "day"),
        (timedelta(days=14), "day"),
        (timedelta(days=30), "week"),
        (timedelta(days=92), "week"),
        (timedelta(days=120), "month"),
        (timedelta(days=600), "month"),
    ],
)
def test_the_period_follows_the_window_length(span, unit):
    assert periods.unit_for(JAN, JAN + span) == unit


def test_periods_start_on_the_calendar_and_read_in_english():
    moment = datetime(2023, 10, 14, 17, 30, tzinfo=UTC)  # a Saturday
    day = periods.period_start(moment, "day")
    week = periods.period_start(moment, "week")
    month = periods.period_start(moment, "month")
    assert (day, week, month) == (
        datetime(2023, 10, 14, tzinfo=UTC),
        datetime(2023, 10, 9, tzinfo=UTC),
        datetime(2023, 10, 1, tzinfo=UTC),
    )
    assert periods.label(day, "day") == "Sat 14 Oct 2023"
    assert periods.label(week, "week") == "Week of 9 Oct 2023"
    assert periods.label(month, "month") == "October 2023"


def test_a_period_four_times_busier_gets_about_twice_the_topics():
    assert periods.share(6, {"busy": 400, "quiet": 100}, {"busy": 9, "quiet": 9}) == {
        "busy": 4,
        "quiet": 2,
    }


def test_a_quiet_period_still_gets_a_topic_while_the_budget_lasts():
    seats = periods.share(6, {"busy": 1000, "quiet": 60}, {"busy": 9, "quiet": 3})
    assert seats == {"busy": 5, "quiet": 1}


def test_a_period_gets_no_more_topics_than_it_has_conversations():
    seats = periods.share(6, {"busy": 1000, "quiet": 20}, {"busy": 2, "quiet": 1})
    assert seats == {"busy": 2, "quiet": 1}


def test_more_periods_than_topics_go_to_the_busiest():
    traffic = {f"p{i}": 10 * (i + 1) for i in range(8)}
    seats = periods.share(3, traffic, dict.fromkeys(traffic, 5))
    assert seats == {"p7": 1, "p6": 1, "p5": 1}


async def test_a_three_month_window_has_topics_in_several_periods():
    messages = three_months()
    end = JAN + timedelta(days=91)
    summary = await summarize(messages, options(JAN, end))
    labels = [t.period for t in summary.topics]
    assert len(set(labels)) >= 3
    assert all(label and label.startswith("Week of ") for label in labels)
    # Period by period, oldest first; the busy January weekend gets the most topics.
    starts = [t.start for t in summary.topics]
    assert [periods.period_start(s, "week") for s in starts] == sorted(
        periods.period_start(s, "week") for s in starts
    )
    assert labels.count("Week of 1 Jan 2024") >= 2


async def test_a_day_window_has_no_periods():
    messages = burst(JAN, SUBJECTS[0], 20, 1) + burst(
        JAN + timedelta(hours=5), SUBJECTS[1], 20, 100
    )
    summary = await summarize(messages, options(JAN, JAN + timedelta(days=1)))
    assert summary.topics
    assert all(t.period is None for t in summary.topics)


async def test_the_digest_shows_each_topics_period():
    messages = three_months()
    end = JAN + timedelta(days=91)
    summary = await summarize(messages, options(JAN, end, length=SummaryLength.BRIEF))
    markdown = render_markdown(summary)
    titles = [e.title for m in render_discord(summary) for e in m.embeds]
    for topic in summary.topics:
        assert f"*{topic.period} · " in markdown
        assert f"{topic.period} · {topic.title}" in titles


async def test_a_conversation_belongs_to_the_utc_day_it_began_on():
    # One talk starts twenty minutes before midnight UTC and runs past it; the next starts
    # that night, hours later: each is in the period of its first message.
    late = burst(JAN + timedelta(days=4, hours=23, minutes=40), SUBJECTS[0], 18, 1)
    early = burst(JAN + timedelta(days=5, hours=4), SUBJECTS[1], 12, 100)
    summary = await summarize(
        late + early, options(JAN + timedelta(days=3), JAN + timedelta(days=7))
    )
    periods_of = {t.start: t.period for t in summary.topics}
    assert periods_of[late[0].created_at] == "Fri 5 Jan 2024"
    assert periods_of[early[0].created_at] == "Sat 6 Jan 2024"
