from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from delivery.render import render
from summarizer import summarize
from summarizer.models import SummaryOptions
from tests.summarizer.helpers import message


@pytest.fixture
async def summary():
    messages = [
        message(0, "The release build fails on the docs step since this morning", author=1),
        message(
            1,
            "The docs step needs the new theme folder, move layouts there",
            author=2,
            reply_to=0,
            reactions=3,
        ),
        message(2, "Moving layouts fixed the release build, thanks", author=1),
        message(3, "Could someone check https://example.com/ci for the flaky test?", author=3),
    ]
    return await summarize(messages, SummaryOptions(generated_at=datetime(2024, 6, 1, tzinfo=UTC)))


def test_json_carries_the_schema_id(summary):
    document = json.loads(render(summary, "json"))
    assert document["schema"] == "summarybot.summary/1"
    assert isinstance(document["topics"][0]["points"][0]["message_ids"][0], str)


def test_text_is_the_opening_then_one_statement_per_line(summary):
    opening, *lines = render(summary, "text").splitlines()
    assert opening == summary.overview.split(". ")[0].rstrip(".") + "."
    assert lines
    names = {"user1", "user2", "user3"}
    for line in lines:
        # A statement names its author; only a point quoted as written needs `Name: `.
        assert any(name in line for name in names)
        assert "#" not in line
        assert "**" not in line


def test_text_keeps_name_colon_for_a_point_quoted_as_written(summary):
    point = summary.topics[0].points[0]
    quoted = point.model_copy(update={"text": "Das Release ist fertig"})
    topic = summary.topics[0].model_copy(update={"points": [quoted]})
    lines = render(summary.model_copy(update={"topics": [topic]}), "text").splitlines()
    assert lines[1].startswith(f"{point.authors[0].name}: Das Release ist fertig")


def test_markdown_shows_topics_and_stats(summary):
    markdown = render(summary, "markdown")
    assert markdown.startswith("# ")
    assert "## Stats" in markdown
    assert "## Links" in markdown


def test_markdown_names_the_author_once(summary):
    # "**user1:** user1 said …" read twice; a statement naming its author needs no label.
    markdown = render(summary, "markdown")
    point = summary.topics[0].points[0]
    name = point.authors[0].name
    assert name in point.text
    assert f"**{name}:** {name}" not in markdown
    quoted = point.model_copy(update={"text": "Das Release ist fertig"})
    topic = summary.topics[0].model_copy(update={"points": [quoted]})
    relabelled = render(summary.model_copy(update={"topics": [topic]}), "markdown")
    assert f"**{name}:** Das Release ist fertig" in relabelled
