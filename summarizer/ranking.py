"""Scoring messages inside one conversation: what a reader would want to see first.

Centrality is measured against the conversation's own centroid and a few neighbours only
(never all pairs), then nudged by what chat tells us about importance: replies received,
reactions, substance (length), opening the conversation, and question/answer pairs. When one
line must stand for a long conversation, `one_line_scores` reads those signs as a long
conversation shows them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

# How many neighbours on each side count towards local centrality.
NEIGHBOURS = 1
# A message this long (in words) has "enough" substance; longer earns no more.
FULL_LENGTH = 18
# A message of fewer words ("ok", "true") keeps this share of its score.
SHORT_WORDS = 3
SHORT_SHARE = 0.3
# In a topic of one line, reactions and replies weigh this much more (times log(1 + n)).
ONE_LINE_ENGAGEMENT = 0.6
# "Said early" fades over this many messages when one line stands for a conversation: the
# weight was tuned on dialogues this long (99 % of DialogSum dev has at most 20 turns), and a
# long thread states its subject in its first turns, not in its first four fifths.
EARLY_MESSAGES = 20
# A conversation opened by a message people endorsed (reactions and replies, at least
# `ENDORSED` in all, as for a highlight) is about that message: its opener counts this more.
ENDORSED_OPENER = 0.5
ENDORSED = 2


@dataclass(frozen=True)
class Weights:
    """How much each signal counts; tuned on a development set, documented in the README."""

    # Retuned with third-person statements on the tuning half of DialogSum dev: the first
    # message needs no bonus of its own beyond `early`, and centrality counts for less.
    centroid: float = 0.5
    local: float = 0.35
    length: float = 0.6
    replies: float = 0.3
    reactions: float = 0.3
    opener: float = 0.0
    answered_question: float = 0.2
    answer: float = 0.1
    # Chat states its subject early (the request, the problem); later turns react to it.
    early: float = 1.0


WEIGHTS = Weights()


class MessageFacts(NamedTuple):
    """What the ranker needs to know about one message besides its words."""

    words: int
    replies: int
    reactions: int
    question: bool
    answered: bool
    answers_question: bool


def vectorise(bag: Sequence[str], idf: dict[str, float]) -> dict[str, float]:
    """Unit-length IDF vector of one message's distinct terms (`idf` has every one of them).

    Chat messages are short: a word said twice in one line rarely means more, so term
    frequency is binary (and the vector costs one pass).
    """
    vector = {word: idf[word] for word in bag}
    norm = math.hypot(*vector.values())
    if norm:
        # In place: a second dict per message cost a sixth of ranking a topic's messages.
        for word, value in vector.items():
            vector[word] = value / norm
    return vector


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    """Sum of `value * b[word]` over the smaller vector's terms, in its order.

    A plain loop: fewer interpreter steps than a generator, or than a chain of `map`s.
    """
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    total = 0.0
    for word, value in a.items():
        total += value * get(word, 0.0)
    return total


def centre(vectors: Sequence[dict[str, float]]) -> dict[str, float]:
    """The sum of a conversation's vectors, each term in the order first used.

    The conversation's centre for `score_conversation`, and each term's weight in the
    conversation's subject (`extractive._subject_terms`): worked out once for both.
    """
    total: dict[str, float] = {}
    for vector in vectors:
        for word, value in vector.items():
            total[word] = total.get(word, 0.0) + value
    return total


def score_conversation(
    vectors: Sequence[dict[str, float]],
    facts: Sequence[MessageFacts],
    weights: Weights | None = None,
    centroid: dict[str, float] | None = None,
) -> list[float]:
    """One score per message of a conversation (same order as given); `centroid`: `centre`."""
    weights = weights or WEIGHTS
    if centroid is None:
        centroid = centre(vectors)
    centroid_sq = sum(v * v for v in centroid.values())
    scores = []
    count = len(vectors)
    # Each neighbouring pair is compared once and credited to both messages.
    near = [0.0] * count
    seen = [0] * count
    for offset in range(1, NEIGHBOURS + 1):
        for i in range(count - offset):
            similarity = _dot(vectors[i], vectors[i + offset])
            near[i] += similarity
            near[i + offset] += similarity
            seen[i] += 1
            seen[i + offset] += 1
    # The weights and each message's facts as locals, the centre's look-up inline (`_dot`: the
    # centre holds every term of the message): this runs once per message of a topic.
    w_centroid, w_local, w_length = weights.centroid, weights.local, weights.length
    w_replies, w_reactions, w_opener = weights.replies, weights.reactions, weights.opener
    w_answered, w_answer, w_early = weights.answered_question, weights.answer, weights.early
    log1p, sqrt, in_centre = math.log1p, math.sqrt, centroid.get
    for i, (vector, fact) in enumerate(zip(vectors, facts, strict=True)):
        words, replies, reactions, question, answered, answers = fact
        if vector:
            along = 0.0
            for word, value in vector.items():
                along += value * in_centre(word, 0.0)
            # Cosine with the centroid of the *other* messages: a message cannot vote for itself.
            rest = sqrt(max(centroid_sq - 2 * along + 1.0, 1e-9))
            central = max(along - 1.0, 0.0) / rest if count > 1 else 1.0
            local = near[i] / seen[i] if seen[i] else 0.0
        else:
            central = local = 0.0
        substance = (words if words < FULL_LENGTH else FULL_LENGTH) / FULL_LENGTH
        score = (
            w_centroid * central
            + w_local * local
            + w_length * substance
            + w_replies * log1p(replies)
            + w_reactions * log1p(reactions)
            + w_opener * (i == 0 and words >= 4)
            + w_answered * (question and answered)
            + w_answer * answers
            + w_early * (1.0 - i / count)
        )
        if words < SHORT_WORDS:
            score *= SHORT_SHARE
        scores.append(score)
    return scores


def one_line_scores(
    scores: Sequence[float],
    words: Sequence[int],
    engagement: Sequence[int],
    weights: Weights | None = None,
) -> list[float]:
    """Scores for choosing the one line that stands for a whole conversation (same order).

    A long window gives each topic one line for dozens of messages, and three signs read
    differently there. What people reacted to or answered is strong evidence
    (`ONE_LINE_ENGAGEMENT` more). "Said early" means the first `EARLY_MESSAGES` turns, where
    chat states its subject, not a share of the thread: stretched over 90 messages it ranks a
    mid-thread aside ("can someone pin the picture?") above the reading everyone then
    discussed. And a conversation opened by a message people endorsed (an announcement, a call
    for questions, a shared result) is about that message: the replies that follow it are
    its answers, even without Discord's reply button. Conversations of at most
    `EARLY_MESSAGES` messages keep `score_conversation`'s sense of "early" exactly.
    """
    weights = weights or WEIGHTS
    count = len(scores)
    span = min(count, EARLY_MESSAGES)
    found = []
    for i, (score, size, liked) in enumerate(zip(scores, words, engagement, strict=True)):
        share = SHORT_SHARE if size < SHORT_WORDS else 1.0
        # The score's own "early" over the whole conversation, replaced by the first turns'.
        early = weights.early * share * (max(0.0, 1.0 - i / span) - (1.0 - i / count))
        opener = ENDORSED_OPENER * (i == 0 and liked >= ENDORSED and size >= SHORT_WORDS)
        found.append(score + early + opener + ONE_LINE_ENGAGEMENT * math.log1p(liked))
    return found
