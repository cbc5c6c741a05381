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
import re
from collections.abc import Mapping

from summarizer import text

# A message longer than this many times the point's words is read for its telling part…
LONG = 2
# …and a later run of its sentences replaces its leading ones only if this much more telling.
BETTER = 1.5
# A colon before a capitalised word ends a lead-in ("I would like to clarify the situation for
# the community: The progress…"): what follows is a sentence of its own.
_LEAD_IN = re.compile(r"(?<=:)\s+(?=[A-Z])")


def telling(content: str, limit: int, subject: Mapping[str, float]) -> str:
    """About `limit` words of the message: its leading sentences, or its most telling run.

    `subject` weighs the conversation's terms (empty when it has no clear subject: then the
    leading sentences are kept).
    """
    sentences = [
        part
        for sentence in text.sentences(text.clean(content))
        for part in _LEAD_IN.split(sentence)
    ]
    sizes = [text.word_count(s) for s in sentences]
    # A lead-in too long to leave room for what it introduces is left out.
    lead = 1 if len(sentences) > 1 and sentences[0].endswith(":") and sizes[0] >= limit else 0
    if not subject or sum(sizes) <= LONG * limit or len(sentences) < 2:
        return run_from(sentences, sizes, lead, limit)
    runs = [run_from(sentences, sizes, start, limit) for start in range(len(sentences))]
    scores = [_score(run, subject) for run in runs]
    best = max(range(lead, len(runs)), key=lambda i: (scores[i], -i))
    return runs[best] if scores[best] > BETTER * scores[lead] else runs[lead]


def opening(content: str, limit: int) -> str:
    """A message's leading sentences within `limit` characters, as a highlight shows them.

    A lead-in that leaves no room for the sentence it introduces ("Since there has been some
    confusion … I would like to clarify the situation for the community:") gives way to it,
    after "…".
    """
    cleaned = text.clean(content)
    parts = _LEAD_IN.split(cleaned, maxsplit=1)
    if len(parts) == 2:
        lead_in, rest = parts
        introduced = text.sentences(rest)[0]
        if len(lead_in) + 1 + len(introduced) > limit:
            return "… " + text.leading(rest, limit - 2)
    return text.leading(cleaned, limit)


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
