"""What a rendered digest cites and how: links not bare ids, times in text, whole URLs, plurals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from delivery.embeds import escape, render_discord
from delivery.html import render_html
from delivery.render import render
from summarizer import facts, summarize
from summarizer.analysis import analyse
from summarizer.models import (
    Attachment,
    Author,
    ChannelRef,
    ChatMessage,
    Highlight,
    Person,
    SummaryOptions,
)

GUILD, CHANNEL = 880000000000000001, 880000000000000100
FIRST_ID = 1240000000000000000
START = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
WIKI = "https://en.wikipedia.org/wiki/Tyrian_purple"


def said(i: int, content: str, author: int, *, minutes: float, reactions: int = 0) -> ChatMessage:
    message_id = FIRST_ID + i
    return ChatMessage(
        id=message_id,
        channel=ChannelRef(id=CHANNEL, name="dyes"),
        author=Author(id=author, name=f"user{author}"),
        content=content,
        created_at=START + timedelta(minutes=minutes),
        reactions=reactions,
        jump_url=f"https://discord.com/channels/{GUILD}/{CHANNEL}/{message_id}",
    )


CONVERSATION = [
    ("Tyrian purple came from murex snails, the dye works used thousands of them", 1),
    (f"The article {WIKI} says twelve thousand snails made one gram of dye", 2),
    ("Twelve thousand snails for one gram explains why only emperors wore the dye", 3),
    ("The dye works smelled terrible too, the article mentions the snails rotting", 1),
    ("Rotting snails and emperors, the purple dye had quite a price", 2),
    ("Murex snails still live there, somebody tried the dye again last year", 3),
]


async def _summary(spread_minutes: float = 1):
    messages = [
        said(i, content, author, minutes=i * spread_minutes, reactions=2 if i == 1 else 0)
        for i, (content, author) in enumerate(CONVERSATION)
    ]
    options = SummaryOptions(generated_at=datetime(2024, 6, 1, tzinfo=UTC))
    return await summarize(messages, options)


async def test_markdown_points_link_to_their_messages_and_cite_no_bare_id():
    summary = await _summary()
    markdown = render(summary, "markdown")
    points = [p for t in summary.topics for p in t.points]
    assert points
    for point in points:
        assert f"[↗](https://discord.com/channels/{GUILD}/{CHANNEL}/{point.message_ids[0]})" in (
            markdown
        )
    # Every message id written anywhere is the end of a link, never a bare "(124…)".
    for found in re.finditer(r"\d{15,}", markdown):
        assert markdown[found.start() - 1] == "/", markdown[found.start() - 20 : found.end() + 2]


def _point_lines(summary) -> list[str]:
    """The text output's line for each key point (other lines, like an opening, aside)."""
    output = render(summary, "text")
    assert not re.search(r"\d{15,}", output)  # no message id anywhere
    lines = output.splitlines()
    points = [" ".join(p.text.split()) for t in summary.topics for p in t.points]
    assert points
    return [next(line for line in lines if point in line) for point in points]


async def test_text_names_the_time_a_point_was_said_and_no_id():
    # Six messages 15 minutes apart: over an hour, so each point says when it was said.
    for line in _point_lines(await _summary(spread_minutes=15)):
        assert re.search(r" \(\d\d:\d\d\)$", line), line


async def test_text_of_a_short_exchange_names_no_times():
    # Six messages a minute apart: times would say nothing the order does not.
    for line in _point_lines(await _summary()):
        assert not re.search(r"\d\d:\d\d", line), line


async def test_text_names_the_day_too_when_the_window_spans_days():
    for line in _point_lines(await _summary(spread_minutes=600)):
        assert re.search(r" \(2024-05-0\d \d\d:\d\d\)$", line), line


async def test_urls_stay_working_links_in_markdown():
    summary = await _summary()
    markdown = render(summary, "markdown")
    assert f"<{WIKI}>" in markdown
    assert "Tyrian\\_purple" not in markdown
    assert "wikipedia\\." not in markdown


def test_urls_stay_whole_in_discord_text():
    escaped = escape(f"See {WIKI}, and **this** too")
    assert f"<{WIKI}>" in escaped
    assert "\\_" not in escaped
    assert "\\*\\*this\\*\\*" in escaped


async def test_one_of_everything_is_singular_in_every_format():
    one = said(0, "The only message of the day, about purple dye", 1, minutes=0, reactions=1)
    options = SummaryOptions(
        generated_at=datetime(2024, 6, 1, tzinfo=UTC), start=START, end=START + timedelta(hours=1)
    )
    summary = await summarize([one], options)
    assert "1 message from 1 person in #dyes." in summary.overview
    markdown = render(summary, "markdown")
    assert "- 1 message per hour" in markdown
    assert "1 messages" not in markdown
    header = render_discord(summary)[0].embeds[0].description or ""
    assert "1 message · 1 person" in header
    assert "1 message from 1 participant<" in render_html(summary)


async def test_one_reaction_is_singular_in_discord_highlights():
    first = said(0, "Purple dye needs snails, lots of snails", 1, minutes=0, reactions=1)
    answer = said(1, "Twelve thousand snails per gram of purple dye", 2, minutes=1)
    answer = answer.model_copy(update={"reply_to": first.id})
    summary = await summarize([first, answer], SummaryOptions(generated_at=START))
    # The liked message is the topic's key point, so it is not repeated as a highlight; shown
    # as one anyway, it reads "1 reaction".
    assert summary.highlights == []
    liked = Highlight(
        message_id=first.id,
        author=Person(id=1, name="user1"),
        excerpt=first.content,
        reactions=1,
        replies=1,
    )
    summary = summary.model_copy(update={"highlights": [liked]})
    embeds = [e for part in render_discord(summary) for e in part.embeds]
    highlights = next(e.description or "" for e in embeds if e.title == "Highlights")
    assert highlights.endswith("(1 reaction)")


def test_addresses_keep_balanced_parentheses_and_lose_trailing_punctuation():
    said_ = "See https://en.wikipedia.org/wiki/Murex_(genus). Or <https://example.com/a_b>!"
    assert escape(said_) == (
        "See <https://en.wikipedia.org/wiki/Murex_(genus)>. Or <https://example.com/a_b>!"
    )
    summary_text = "(https://example.com/dye_works), done"
    assert escape(summary_text) == "\\(<https://example.com/dye_works>\\), done"


async def test_a_highlight_says_what_its_message_shared_in_every_format():
    # "here's another look at the word" is about the image people reacted to.
    topic = said(0, "The ink labels for column 3 are done, reading the word now", 1, minutes=0)
    look = said(1, "here's another look at the word in contention", 2, minutes=1, reactions=4)
    look = look.model_copy(
        update={"attachments": (Attachment(name="col3.png", url="https://cdn.example/c.png"),)}
    )
    summary = await summarize([topic, look], SummaryOptions(generated_at=START))
    # Shown as a highlight whether or not the digest also made it a key point.
    (highlight,) = facts.highlights(analyse([topic, look]), 3)
    summary = summary.model_copy(update={"highlights": [highlight]})
    assert highlight.shared == "shared an image"
    assert '"shared": "shared an image"' in render(summary, "json")
    assert "(shared an image; 4 reactions, 0 replies)" in render(summary, "markdown")
    assert "(shared an image)</li>" in render_html(summary)
    embeds = [e for part in render_discord(summary) for e in part.embeds]
    shown = next(e.description or "" for e in embeds if e.title == "Highlights")
    assert shown.endswith("(shared an image; 4 reactions)")
