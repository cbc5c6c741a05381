"""How much a digest may say: topics, points, highlights, for each length and window.

A brief digest of a day says three things well; a brief digest of a week of seven busy days,
or of a year, cannot say what happened in three. So a window read period by period
(`periods.py`) earns topics for each substantial period, up to a cap, with shorter points: one
compact point per topic, and what is left of the window's point budget to the biggest topics.
It stays brief: about a dozen one-line points, a few lines per period. A window of one period
(a day, a dialogue) keeps the budget of its length.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer import periods
from summarizer.models import SummaryLength

# A key point longer than this (in words) is cut to its leading sentences.
POINT_WORDS = 40
# …and longer than this (in characters) is cut at a word.
POINT_CHARS = 300
# One key point per this many messages of a topic, up to the length's cap.
PER_POINT = 3
# A window read by periods gets one highlight more for this many topics beyond its length's.
TOPICS_PER_HIGHLIGHT = 4


@dataclass(frozen=True)
class Budget:
    """How much each length may say."""

    topics: int
    points_per_topic: int
    words_per_topic: int
    highlights: int
    questions: int
    links: int
    # A point is cut to its leading sentences after about this many words…
    point_words: int = POINT_WORDS
    # …and at a word after this many characters (a question reported with its answer may
    # take half as much again).
    point_chars: int = POINT_CHARS
    # One key point per this many messages of a topic, up to `points_per_topic`.
    per_point: int = PER_POINT
    # A window read period by period: topics per substantial period (at least `topics`, at
    # most `max_topics`), the points of the whole digest (at least one per topic) and how
    # long each may be.
    per_period: int = 0
    max_topics: int = 0
    max_points: int = 0
    period_point_chars: int = POINT_CHARS

    def for_periods(self, substantial: int) -> Budget:
        """The budget of a window with `substantial` busy periods (itself when that adds none).

        More topics come with shorter points, so the digest stays about as long to read.
        """
        topics = min(max(self.topics, self.per_period * substantial), self.max_topics)
        if topics <= self.topics:
            return self
        return dataclasses.replace(self, topics=topics, point_chars=self.period_point_chars)

    def highlights_for(self, topics: int) -> int:
        """Highlights of a digest with `topics` topics: more for a window read by periods.

        One more per `TOPICS_PER_HIGHLIGHT` topics the periods add, so the most-liked messages
        of a year are not three.
        """
        return self.highlights + max(0, topics - self.topics) // TOPICS_PER_HIGHLIGHT

    def wanted(self, size: int) -> int:
        """Points for a topic of `size` messages on its own: one per `per_point`, capped."""
        return min(self.points_per_topic, max(1, math.ceil(size / self.per_point)))

    def points(self, sizes: Sequence[int], scaled: bool) -> list[int]:
        """Points for each topic, by its size in messages.

        A budget scaled to the periods (`for_periods`) gives each topic one point and shares
        what is left of `max_points` by the topics' sizes (Sainte-Laguë on the square root, as
        periods share topics), never more than a topic would get on its own.
        """
        if not scaled:
            return [self.wanted(size) for size in sizes]
        spare = max(0, self.max_points - len(sizes))
        extra = periods.share(
            spare,
            dict(enumerate(sizes)),
            {i: self.wanted(size) - 1 for i, size in enumerate(sizes)},
        )
        return [1 + extra.get(i, 0) for i in range(len(sizes))]


BUDGETS = {
    # A brief digest reads like a note someone would write: short statements, one for about
    # every eight messages of a topic (so a ten-line chat gets two), three at most. A long
    # window: three topics per busy day, week or month, a dozen one-line points at most.
    SummaryLength.BRIEF: Budget(
        3,
        3,
        70,
        3,
        3,
        5,
        point_words=20,
        per_point=8,
        per_period=3,
        max_topics=12,
        max_points=12,
        period_point_chars=160,
    ),
    SummaryLength.STANDARD: Budget(6, 4, 90, 5, 5, 10),
    SummaryLength.DETAILED: Budget(12, 8, 200, 10, 10, 25),
}
