"""HTML digests for file destinations: complete pages with every chat text escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from delivery.render import render
from summarizer.models import KeyPoint, Link, Person, Summary, SummarySource, Topic, Window

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _summary(**changes) -> Summary:
    fields = {
        "title": "Digest of #general",
        "source": SummarySource(),
        "window": Window(start=START, end=START + timedelta(hours=8)),
        "engine": "extractive",
        "generated_at": START,
        "overview": "People talked <b>loudly</b>.",
        "topics": [
            Topic(
                title="<script>alert(1)</script>",
                points=[
                    KeyPoint(
                        text="use <img src=x onerror=alert(1)>",
                        message_ids=[1],
                        authors=[Person(id=1, name="Eve & Co")],
                    )
                ],
            )
        ],
        "links": [
            Link(
                url="javascript:alert(1)",
                message_id=1,
                author=Person(id=1, name="x"),
                shared_at=START,
            ),
            Link(
                url="https://example.com/a?b=1&c=2",
                message_id=2,
                author=Person(id=1, name="x"),
                shared_at=START,
            ),
        ],
    }
    fields.update(changes)
    return Summary(**fields)


def test_page_is_complete_and_escaped():
    page = render(_summary(), "html")
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    assert "Eve &amp; Co:" in page
    assert "&lt;b&gt;loudly&lt;/b&gt;" in page


def test_only_http_links_are_clickable():
    page = render(_summary(), "html")
    assert 'href="javascript:' not in page
    assert 'href="https://example.com/a?b=1&amp;c=2"' in page
