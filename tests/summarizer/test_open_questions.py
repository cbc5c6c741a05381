"""Open questions: a `?` the writer did not ask (quoted, bracketed, code, a link) is no question."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from summarizer import summarize, text
from summarizer.models import SummaryOptions
from tests.summarizer.helpers import message

NOT_ASKED = [
    'He literally said "why is the build red?" and walked off',
    "Somebody wrote “is this thing on?” in the topic",
    "The sign said ‘what’s next?’ in big letters",
    "The song title was 'Where did you go?' for the record",
    "I renamed it (was it the wrong name?) to main yesterday",
    "The option is [--verbose?] in the old docs I think",
    "Our template has {maybe?} placeholders all over it",
    "Run `git log --oneline --since=yesterday?` in the repo",
    "Full output below\n```\nerror: continue? [y/N]\n```\nthat is all I have",
    "The page https://example.com/search?q=release+notes lists everything",
    "Docs live at [the wiki](https://example.com/wiki?page=Start) for everybody",
]
ASKED = [
    "How do I get started with the exporter?",
    'Did anybody read the "release notes" yet?',
    "Does `quill build --watch` work on Windows for you?",
    "Which of https://example.com/a or https://example.com/b is current?",
    "don't you think the old theme looked better?",
    "Is 'main' the default branch now?",
]


@pytest.mark.parametrize("said", NOT_ASKED)
def test_a_question_mark_inside_quotes_brackets_code_or_links_asks_nothing(said):
    assert not text.is_question(said)


@pytest.mark.parametrize("said", ASKED)
def test_a_question_mark_in_the_writers_own_words_still_asks(said):
    assert text.is_question(said)


async def test_open_questions_list_only_what_was_asked():
    messages = [message(i, said, author=i + 1, minutes=i * 300) for i, said in enumerate(NOT_ASKED)]
    asked = message(50, ASKED[0], author=99, minutes=50 * 300)
    summary = await summarize(
        [*messages, asked], SummaryOptions(generated_at=datetime(2024, 6, 1, tzinfo=UTC))
    )
    assert [q.message_id for q in summary.open_questions] == [asked.id]
