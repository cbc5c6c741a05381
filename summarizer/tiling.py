"""Cutting a long conversation where its vocabulary shifts, after Hearst's TextTiling.

A busy channel has no pauses: with a message every 30 seconds the talk that was going on keeps
every message, and a day of it becomes one "conversation" about everything. So a conversation
is first cut where it pauses far longer than its own pace (its sittings: in a channel that
shares its jargon all day, shared words revive talk hours later), and a long sitting is read in
chunks of ten messages (TextTiling's blocks); at each chunk boundary the vocabulary of the
chunk before it is compared with the chunk after it (cosine of IDF-weighted term counts). A
boundary whose cohesion dips well below the highest cohesion on either side (by at least twice
the conversation's mean cohesion) is where the subject changed.
The cut is then moved, within half a chunk, to the message where the words start leaning to
the new subject, and never where a reply would be cut from the message it answers; a reply
whose message lies in another piece follows it. Cost: one pass over the terms and one
comparison of shared terms per chunk.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from itertools import chain, islice
from operator import sub

# Messages per chunk: each gap between chunks compares the chunk before with the one after.
CHUNK = 10
# The shortest piece a cut may leave, in messages.
MIN_PIECE = 16
# How far (in cosine) cohesion must dip below the hills on both sides, summed: at least DEPTH,
# and RELATIVE times the conversation's mean cohesion (terse chat coheres little everywhere,
# so its dips are shallow; a focused discussion coheres a lot, so only a deep dip counts).
DEPTH = 0.15
RELATIVE = 2.0
# A reply this close (in messages) to what it answers binds the two: no cut between them.
REPLY_REACH = 10
# A pause this many times the conversation's usual gap (its median), and two hours at least,
# ends a sitting: what follows is another moment of the talk, even on the same words.
PACE = 20
PAUSE_S = 2 * 60 * 60.0
# Conversations shorter than this have no usual pace to measure pauses against.
PACED = 16

# Per term, how many messages of a chunk use it.
Chunk = Counter[str]


def squared(idf: dict[str, float]) -> dict[str, float]:
    """Each term's squared IDF: the weight of a shared term in a cosine of counts."""
    return {term: weight * weight for term, weight in idf.items()}


def segments(
    targets: Sequence[int | None],
    times: Sequence[float],
    terms: Sequence[Sequence[str]],
    weights: dict[str, float],
    members: Sequence[int],
) -> list[list[int]]:
    """`members` (positions, time order) as pieces: its sittings, each cut where its words shift.

    By window position: `targets` is the message each replies to (`conversations.reply_targets`),
    `times` when each was written (epoch seconds), `terms` its distinct terms; `weights` are
    `squared(idf)` of the same terms (every term has one).
    """
    sittings = _cut(targets, members, pauses(times, members))
    pieces: list[list[int]] = []
    for sitting in sittings:
        if len(sitting) < 2 * MIN_PIECE:
            pieces.append(sitting)
        else:
            pieces.extend(_cut(targets, sitting, boundaries(targets, terms, weights, sitting)))
    return pieces


def pauses(times: Sequence[float], members: Sequence[int]) -> list[int]:
    """Where a conversation pauses far longer than its pace: indices of the message after.

    A busy channel revives a conversation hours later on shared words (a reading channel shares
    its letters and jargon all day): a pause of `PACE` times the conversation's median gap, and
    `PAUSE_S` at least, starts another sitting. Replies across it follow their message (`_cut`).
    `times` are when the window's messages were written (epoch seconds).
    """
    if len(members) < PACED:
        return []
    at = list(map(times.__getitem__, members))
    if at[-1] - at[0] < PAUSE_S:
        return []  # too short to hold a pause that long
    gaps = list(map(sub, islice(at, 1, None), at))
    ordered = sorted(gaps)
    bar = max(PAUSE_S, PACE * ordered[len(gaps) // 2])
    if ordered[-1] < bar:
        return []  # the longest gap is no pause: most conversations are read no further
    return [k + 1 for k, gap in enumerate(gaps) if gap >= bar]


def boundaries(
    targets: Sequence[int | None],
    terms: Sequence[Sequence[str]],
    weights: dict[str, float],
    members: Sequence[int],
) -> list[int]:
    """Where the subject changes: indices into `members` of the first message after a cut."""
    count = len(members)
    terms_of = terms.__getitem__
    chunks = [
        Counter(chain.from_iterable(map(terms_of, members[i : i + CHUNK])))
        for i in range(0, count, CHUNK)
    ]
    candidates = _dips(_cohesion(chunks, weights), count)
    if not candidates:
        return []
    cuts: list[int] = []
    for _, gap in sorted(candidates, key=lambda item: (-item[0], item[1])):
        cut = _refine(targets, terms, weights, members, chunks, gap)
        if (
            cut is not None
            and MIN_PIECE <= cut <= count - MIN_PIECE
            and all(abs(cut - other) >= MIN_PIECE for other in cuts)
        ):
            cuts.append(cut)
    return sorted(cuts)


def _dips(cohesion: Sequence[float], count: int) -> list[tuple[float, int]]:
    """(depth, gap) of every gap whose cohesion dips deep enough below the hills beside it.

    A gap's hills are the highest cohesion up to two gaps before it (gap 0 has none) and up to
    two after it, itself where there is none; only gaps whose cut leaves pieces of `MIN_PIECE`
    (within a chunk) count. Plain comparisons, not `max` of slices: this runs for every gap of
    every long sitting of the window.
    """
    measured = cohesion[1:]
    bar = max(DEPTH, RELATIVE * sum(measured) / len(measured)) if measured else DEPTH
    candidates = []
    low, high, last = MIN_PIECE - CHUNK, count - MIN_PIECE + CHUNK, len(cohesion) - 1
    for gap in range(1, len(cohesion)):
        if not low < gap * CHUNK < high:
            continue
        here = cohesion[gap]
        if gap >= 3:
            left, nearer = cohesion[gap - 2], cohesion[gap - 1]
            if nearer > left:
                left = nearer
        else:
            left = cohesion[1] if gap == 2 else here
        if gap < last - 1:
            right, further = cohesion[gap + 1], cohesion[gap + 2]
            if further > right:
                right = further
        else:
            right = cohesion[gap + 1] if gap < last else here
        depth = (left - here) + (right - here)
        if depth >= bar:
            candidates.append((depth, gap))
    return candidates


def _cohesion(chunks: Sequence[Chunk], weights: dict[str, float]) -> list[float]:
    """Cosine between chunk g-1 and chunk g, for every gap g (0 where undefined).

    One pass over each chunk's terms gives its squared length and its dot product with the
    chunk before it, summed in the chunk's own order: the same figures every run (summing
    over a set of shared terms would follow the string hashes), and cheaper than a pass for
    each.
    """
    cohesion = [0.0] * len(chunks)
    before: Chunk | None = None
    left = 0.0
    for gap, chunk in enumerate(chunks):
        right = dot = 0.0
        shared = before.get if before is not None else {}.get
        for term, count in chunk.items():
            # The weight first: a float times an int is one step, an int times a float two.
            weight = weights[term]
            right += weight * (count * count)
            other = shared(term)
            if other is not None:
                dot += weight * (other * count)
        if gap and left > 1e-9 and right > 1e-9:
            cohesion[gap] = dot / math.sqrt(left * right)
        before, left = chunk, right
    return cohesion


def _refine(
    targets: Sequence[int | None],
    terms: Sequence[Sequence[str]],
    weights: dict[str, float],
    members: Sequence[int],
    chunks: Sequence[Chunk],
    gap: int,
) -> int | None:
    """The message, within half a chunk of the boundary, where the words start leaning right.

    Each nearby message leans to the chunk before the boundary or the one after it by the
    weight of the terms it shares with each (itself left out); the cut goes where the
    messages before it lean left and those after it lean right the most, at a gap no nearby
    reply crosses.
    """
    middle = gap * CHUNK
    start, stop = middle - CHUNK // 2, min(middle + CHUNK // 2, len(members))
    # `.get`, not `[]`: a Counter's missing term costs a Python call to `__missing__`.
    before, after = chunks[gap - 1].get, chunks[gap].get
    lean = []
    for k in range(start, stop):
        own = 1 if k < middle else -1
        leaning = 0.0
        for t in terms[members[k]]:
            leaning += weights[t] * (after(t, 0) - before(t, 0) + own)
        lean.append(leaning)
    crossed = _crossings(targets, members, start + 1, stop)
    best: tuple[float, int, int] | None = None
    left = 0.0
    for offset in range(1, len(lean)):
        left += lean[offset - 1]
        cut = start + offset
        if cut in crossed:
            continue
        cost = left - sum(lean[offset:])
        key = (cost, abs(cut - middle), cut)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def _crossings(
    targets: Sequence[int | None], members: Sequence[int], first: int, stop: int
) -> set[int]:
    """The cuts from `first` to before `stop` that a reply within `REPLY_REACH` crosses.

    A cut is the gap before `members[cut]`. Only the gaps near a boundary are asked about: the
    replies that could cross one are the next `REPLY_REACH` messages, each looked for in the
    `REPLY_REACH` before it (`members` is sorted); a reply found crosses every gap between
    its message and itself. One pass for the whole stretch, not one per gap.
    """
    crossed: set[int] = set()
    for k in range(first, min(stop - 1 + REPLY_REACH, len(members))):
        target = targets[members[k]]
        if target is None:
            continue
        j = bisect_left(members, target, max(0, k - REPLY_REACH), k)
        if j < k and members[j] == target:
            crossed.update(range(max(j + 1, first), min(k + 1, stop)))
    return crossed


def _cut(
    targets: Sequence[int | None], members: Sequence[int], cuts: Sequence[int]
) -> list[list[int]]:
    """The pieces between cuts; a reply whose message landed in another piece follows it."""
    if not cuts:
        return [list(members)]
    bounds = [0, *cuts, len(members)]
    piece_of: dict[int, int] = {}
    parts: list[list[int]] = [[] for _ in range(len(bounds) - 1)]
    for number in range(len(bounds) - 1):
        for p in members[bounds[number] : bounds[number + 1]]:
            target = targets[p]
            home = piece_of.get(target, number) if target is not None else number
            piece_of[p] = home
            parts[home].append(p)
    return [part for part in parts if part]
