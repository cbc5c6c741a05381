"""Discord rendering: any Summary fits every Discord limit, and nothing in it can ping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from delivery.embeds import (
    CONTENT,
    DESCRIPTION,
    EMBED_TOTAL,
    EMBEDS_PER_MESSAGE,
    FOOTER,
    TITLE,
    render_discord,
    shorten,
)
from summarizer.models import (
    Highlight,
    KeyPoint,
    Link,
    OpenQuestion,
    Person,
    Stats,
    Summary,
    SummarySource,
    Topic,
    Window,
)

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(["*", "_", "`", "~", "|", ">", "[", "]", "(", ")", "@", " ", "\n"]),
    ),
    max_size=3000,
)
words = st.lists(
    st.sampled_from(["release", "deploy", "**bold**", "`code`", "@here", "@everyone", "ok"]),
    max_size=800,
).map(" ".join)
urls = st.from_regex(r"https://example\.com/[a-z0-9/]{1,80}", fullmatch=True)
people = st.builds(Person, id=st.integers(1, 10**18), name=st.text(min_size=1, max_size=120))


def points():
    return st.builds(
        KeyPoint,
        text=st.one_of(text, words),
        message_ids=st.lists(st.integers(1, 10**18), min_size=1, max_size=3),
        authors=st.lists(people, max_size=2),
        jump_url=st.one_of(st.none(), urls),
    )


summaries = st.builds(
    Summary,
    title=st.text(min_size=1, max_size=600),
    source=st.just(SummarySource()),
    window=st.just(Window(start=START, end=START + timedelta(days=1))),
    engine=st.just("extractive"),
    generated_at=st.just(START + timedelta(days=1)),
    overview=st.one_of(text, words),
    topics=st.lists(
        st.builds(
            Topic, title=st.text(min_size=1, max_size=400), points=st.lists(points(), max_size=15)
        ),
        max_size=30,
    ),
    highlights=st.lists(
        st.builds(
            Highlight,
            message_id=st.integers(1, 10**18),
            author=people,
            excerpt=text,
            jump_url=st.one_of(st.none(), urls),
        ),
        max_size=8,
    ),
    open_questions=st.lists(
        st.builds(
            OpenQuestion,
            message_id=st.integers(1, 10**18),
            author=people,
            text=text,
            asked_at=st.just(START),
            jump_url=st.one_of(st.none(), urls),
        ),
        max_size=8,
    ),
    links=st.lists(
        st.builds(
            Link,
            url=urls,
            message_id=st.integers(1, 10**18),
            author=people,
            shared_at=st.just(START),
        ),
        max_size=40,
    ),
    stats=st.just(Stats(message_count=10, participant_count=3)),
    notes=st.lists(st.text(max_size=500), max_size=3),
)


def _check_limits(messages):
    assert messages
    for message in messages:
        payload = message.payload()
        assert len(payload["content"]) <= CONTENT
        assert len(payload["embeds"]) <= EMBEDS_PER_MESSAGE
        assert sum(embed.size() for embed in message.embeds) <= EMBED_TOTAL
        for embed in message.embeds:
            assert len(embed.title or "") <= TITLE
            assert len(embed.description or "") <= DESCRIPTION
            assert len(embed.fields) <= 25
            assert len(embed.footer or "") <= FOOTER
        assert payload["allowed_mentions"]["parse"] == []


def _all_text(messages):
    parts = []
    for message in messages:
        parts.append(message.content)
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or ""]
    return "\n".join(parts)


@settings(max_examples=120, deadline=None)
@given(summaries)
def test_any_summary_fits_every_limit_as_embeds(summary):
    messages = render_discord(summary, style="embed")
    _check_limits(messages)
    output = _all_text(messages)
    for link in summary.links:
        assert f"<{link.url}>" in output  # links are never cut
    assert "@everyone" not in output.replace("@\u200beveryone", "")


@settings(max_examples=120, deadline=None)
@given(summaries, st.one_of(st.none(), st.integers(1, 10**18)))
def test_any_summary_fits_every_limit_as_markdown(summary, role):
    messages = render_discord(summary, style="markdown", mention_role_id=role)
    _check_limits(messages)
    for link in summary.links:
        assert f"<{link.url}>" in _all_text(messages)


def test_the_role_mention_is_only_where_asked_and_only_once():
    summary = Summary(
        title="Digest",
        source=SummarySource(),
        window=Window(start=START, end=START + timedelta(hours=1)),
        engine="extractive",
        generated_at=START,
        overview="Hello <@&555> and @everyone",
    )
    plain = render_discord(summary)
    assert all("roles" not in m.payload()["allowed_mentions"] for m in plain)
    pinged = render_discord(summary, mention_role_id=42)
    assert pinged[0].content == "<@&42>"
    assert pinged[0].payload()["allowed_mentions"] == {"parse": [], "roles": ["42"]}
    assert all(m.mention_role_id is None for m in pinged[1:])
    assert "@\u200beveryone" in pinged[0].embeds[0].description


def test_points_link_to_their_message():
    url = "https://discord.com/channels/1/2/3"
    summary = Summary(
        title="Digest",
        source=SummarySource(),
        window=Window(start=START, end=START + timedelta(hours=1)),
        engine="extractive",
        generated_at=START,
        overview="o",
        topics=[Topic(title="t", points=[KeyPoint(text="Ship it", message_ids=[3], jump_url=url)])],
    )
    assert f"• Ship it [↗]({url})" in render_discord(summary)[0].embeds[1].description


def test_activity_sparkline_in_the_header():
    summary = Summary(
        title="Digest",
        source=SummarySource(),
        window=Window(start=START, end=START + timedelta(hours=4)),
        engine="extractive",
        generated_at=START,
        overview="o",
        stats=Stats(message_count=10, participant_count=2, activity=[0, 1, 8, 1]),
    )
    assert "Activity per hour: `▁▁█▁`" in render_discord(summary)[0].embeds[0].description


def test_times_are_discord_timestamps():
    summary = Summary(
        title="Digest",
        source=SummarySource(),
        window=Window(start=START, end=START + timedelta(hours=1)),
        engine="extractive",
        generated_at=START,
        overview="o",
    )
    description = render_discord(summary)[0].embeds[0].description
    assert f"<t:{int(START.timestamp())}:f>" in description


def test_shorten_cuts_between_words_only():
    assert shorten("alpha beta gamma", 12) == "alpha beta …"
    assert shorten("alpha beta gamma", 11) == "alpha …"
    assert shorten("https://example.com/a-very-long-link", 10) == "…"
    assert shorten("short", 10) == "short"
