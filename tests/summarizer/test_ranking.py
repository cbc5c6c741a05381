"""The one line that stands for a conversation: what opened it and what people endorsed."""

from __future__ import annotations

import pytest

from summarizer import summarize
from summarizer.models import SummaryLength, SummaryOptions
from summarizer.ranking import (
    EARLY_MESSAGES,
    ENDORSED_OPENER,
    MessageFacts,
    one_line_scores,
    score_conversation,
)
from tests.summarizer.helpers import message


def alike(count: int) -> list[float]:
    """Scores of `count` messages that differ only in where they were said."""
    vector = {"scroll": 1.0}
    facts = MessageFacts(
        words=10, replies=0, reactions=0, question=False, answered=False, answers_question=False
    )
    return score_conversation([vector] * count, [facts] * count)


def test_a_conversation_no_longer_than_the_early_span_keeps_its_scores():
    scores = alike(EARLY_MESSAGES)
    assert one_line_scores(scores, [10] * len(scores), [0] * len(scores)) == scores


def test_in_a_long_conversation_only_the_first_turns_count_as_early():
    scores = alike(90)
    assert scores[30] > scores[60]  # stretched over the thread, message 30 is still "early"
    lined = one_line_scores(scores, [10] * 90, [0] * 90)
    assert lined[30] == pytest.approx(lined[60])
    assert lined[0] > lined[EARLY_MESSAGES // 2] > lined[EARLY_MESSAGES]


def test_an_opener_people_endorsed_counts_more_and_one_nobody_did_does_not():
    scores = alike(40)
    liked = [2] + [0] * 39
    plain = one_line_scores(scores, [10] * 40, [0] * 40)
    endorsed = one_line_scores(scores, [10] * 40, liked)
    assert endorsed[0] - plain[0] > ENDORSED_OPENER  # the bonus, and engagement besides
    once = one_line_scores(scores, [10] * 40, [1] + [0] * 39)
    assert once[0] - plain[0] < ENDORSED_OPENER


async def test_a_one_line_topic_opened_by_an_endorsed_announcement_states_it():
    messages = [
        message(
            0,
            "on Thursday we hold a Q&A with the papyrology team, post your questions",
            1,
            reactions=2,
        ),
        message(
            1,
            "how do you tell similar looking letters apart when half of them is gone",
            2,
            reactions=3,
        ),
        message(
            2,
            "I would rephrase that: which alphabets could we expect given the date",
            3,
            reactions=3,
            reply_to=1,
        ),
        message(3, "and how many layers does a single sheet of papyrus have usually", 4),
        message(4, "two I think, one horizontal and one vertical, sometimes four", 5),
        message(5, "could be, it is hard to say from the scans we have so far", 4),
    ]
    summary = await summarize(messages, SummaryOptions(length=SummaryLength.BRIEF))
    (point,) = summary.topics[0].points
    assert point.message_ids[0] == messages[0].id
