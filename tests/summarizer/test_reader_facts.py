"""A brief digest tells a reader what happened, and nothing in it trips the reader up.

The windows are real: a day, a week, a month and the whole range of the Vesuvius Challenge
#papyrology channel (MIT, see tests/data/reader/README.md), plus the made-up sample export.
Each has facts a person wrote down after reading the messages and before the engine ran on
them (`tests/data/reader/facts/`). The matching and the checks are `bench/reader_facts.py`'s,
so the bench reports exactly what this test asserts; the test reads only tests/data/ (the
wordfreq list it needs is copied there).
"""

from __future__ import annotations

from functools import cache

import pytest

from bench.reader_facts import (
    HIT_THRESHOLD,
    WINDOWS,
    Window,
    bare_id_lines,
    common_word_titles,
    facts_stated,
    false_open_questions,
    load_common_words,
    load_window,
    replied_by_others,
    summarize,
)
from delivery.render import render
from summarizer.models import Summary


@cache
def digest(name: str) -> tuple[Window, Summary, str, str]:
    """The window, its brief digest, and the digest as Markdown and as text (once per run)."""
    window = load_window(name)
    summary = summarize(window)
    return window, summary, render(summary, "markdown"), render(summary, "text")


@pytest.mark.parametrize("name", WINDOWS)
def test_brief_digest_states_most_facts(name):
    window, _, markdown, _ = digest(name)
    stated = facts_stated(window, markdown)
    missed = "\n".join(
        f"  - {f.says}" for f, ok in zip(window.facts, stated, strict=True) if not ok
    )
    assert sum(stated) >= HIT_THRESHOLD * len(stated), (
        f"{name}: {sum(stated)} of {len(stated)} facts stated; missed:\n{missed}"
    )


@pytest.mark.parametrize("name", WINDOWS)
def test_no_point_cites_a_bare_id(name):
    _, _, markdown, text = digest(name)
    assert bare_id_lines(markdown) + bare_id_lines(text) == []


@pytest.mark.parametrize("name", WINDOWS)
def test_no_topic_title_of_common_words(name):
    _, summary, _, _ = digest(name)
    assert common_word_titles(summary, load_common_words()) == []


@pytest.mark.parametrize("name", WINDOWS)
def test_no_false_open_question(name):
    window, summary, _, _ = digest(name)
    assert false_open_questions(summary, window, replied_by_others(window.export)) == []
