"""The part of a long message a key point keeps: its most telling sentences, not only its first.

A long message often opens with context ("Not an expert, but…", "Since there has been some
confusion…") and says its point later ("TL;DR: sharing the data with a public model breaks
the agreement"). A point keeps about `limit` words. A message within a few times that keeps its
leading sentences, as short chat states its point first; a longer one keeps the run of
consecutive sentences that best matches what its conversation talks about (the terms several
of its messages use), in the order they were written, when that run is clearly more telling
than the leading one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from summarizer import text

# A message longer than this many times the point's words is read for its telling part…
LONG = 2
# …and a later run of its sentences replaces its leading ones only if this much more telling.
BETTER = 1.5


def telling(content: str, limit: int, subject: Mapping[str, float]) -> str:
    """About `limit` words of the message: its leading sentences, or its most telling run.

    `subject` weighs the conversation's terms (empty when it has no clear subject: then the
    leading sentences are kept).
    """
    sentences = text.sentences(text.clean(content))
    sizes = [text.word_count(s) for s in sentences]
    if not subject or sum(sizes) <= LONG * limit or len(sentences) < 2:
        return run_from(sentences, sizes, 0, limit)
    runs = [run_from(sentences, sizes, start, limit) for start in range(len(sentences))]
    scores = [_score(run, subject) for run in runs]
    best = max(range(len(runs)), key=lambda i: (scores[i], -i))
    return runs[best] if scores[best] > BETTER * scores[0] else runs[0]


def run_from(sentences: list[str], sizes: list[int], start: int, limit: int) -> str:
    """Sentences from `start` on, up to about `limit` words (at least one)."""
    kept: list[str] = []
    words = 0
    for sentence, size in zip(sentences[start:], sizes[start:], strict=True):
        kept.append(sentence)
        words += size
        if words >= limit:
            break
    return " ".join(kept)


def _score(run: str, subject: Mapping[str, float]) -> float:
    """How much of the conversation's subject a run of sentences carries, per its length.

    Dividing by the square root of its terms, not their number, lets a run that says more win
    over one that says one thing, without letting length alone win.
    """
    found = set(text.terms(run))
    if not found:
        return 0.0
    return sum(subject.get(term, 0.0) for term in found) / math.sqrt(len(found))
