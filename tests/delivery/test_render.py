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


def test_text_is_name_colon_point_per_line(summary):
    lines = render(summary, "text").splitlines()
    assert lines
    names = {"user1", "user2", "user3"}
    for line in lines:
        name, _, point = line.partition(": ")
        assert name in names
        assert point
        assert "#" not in line
        assert "**" not in line


def test_markdown_shows_topics_and_stats(summary):
    markdown = render(summary, "markdown")
    assert markdown.startswith("# ")
    assert "## Stats" in markdown
    assert "## Links" in markdown
