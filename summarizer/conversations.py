"""Splitting a window of chat into conversations.

Chat interleaves: two threads of talk share a channel, a reply lands an hour later, a new
subject starts without a pause. A message joins the conversation it replies to; otherwise the
active conversation of its channel (or thread) that shares the most weighted vocabulary with
recent talk; otherwise the one that was just talking if the pause was short; otherwise it starts
a new one. Short is measured against the channel's own pace: ten minutes in chat, longer in a
channel that posts every hour. Only the few conversations active in the same channel are
compared, so the cost is linear in the number of messages.

Busy channels have no pauses: a message every 30 seconds keeps one conversation "talking" all
day. So a long conversation is then cut where it pauses far longer than its own pace and where
its vocabulary shifts (`tiling.py`, after TextTiling), never between a reply and the message it
answers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain
from math import exp, log

from summarizer import tiling
from summarizer.models import ChatMessage

# A pause longer than this ends a conversation unless a reply or shared words bring it back.
GAP = timedelta(minutes=10)
# How long an idle conversation may still be picked up by shared vocabulary.
HORIZON = timedelta(hours=3)
GAP_S, HORIZON_S = GAP.total_seconds(), HORIZON.total_seconds()
# Pauses are judged against the channel's pace (the typical gap between its messages, a running
# geometric mean over about its last PACE_SPAN messages): in a channel that posts every few
# hours an hour's pause is a beat of one talk; in one that posts every 20 seconds it ends one.
# The pace starts at chat's (a pause of GAP is PAUSE_PACES of its gaps), so two messages an hour
# apart do not make a channel slow.
PACE_SPAN = 16
# A pause of PAUSE_PACES times the pace ends the talk (GAP at least, MAX_GAP at most); an idle
# conversation may be picked up for as long as HORIZON, or that pause if it is longer.
PAUSE_PACES = 4
MAX_GAP_S = timedelta(hours=6).total_seconds()
START_LOG_GAP = math.log(GAP_S / PAUSE_PACES)
# Below this log of the gap the pause is certainly shorter than GAP (a margin far wider than
# any rounding of `exp`): most channels' pace, spared an `exp` per message.
_SURELY_BRISK = START_LOG_GAP - 1e-9
# Conversations compared per channel; older ones are closed.
MAX_ACTIVE = 6
# Words from the last N messages of a conversation count as its current vocabulary.
RECENT = 30
# Weighted share of a message's words a conversation must hold to claim it.
MIN_OVERLAP = 0.34
# After a pause the bar is higher: shared project jargon alone must not revive old talk.
RESUME_OVERLAP = 0.5


# Compared by identity: two conversations are never "equal", and comparing member lists on every
# `in`/`remove` of the active list cost more than assigning the messages.
@dataclass(eq=False)
class Conversation:
    """Messages (indices into the window) that belong together, in time order."""

    index: int
    stream: int
    members: list[int] = field(default_factory=list)
    # When the last message was written, in seconds since the epoch (cheaper than datetimes).
    last: float = 0.0
    # Each term's latest use: the index in `members` of the last message that said it
    # (`split_conversations` keeps it as messages join).
    seen: dict[str, int] = field(default_factory=dict)

    def overlap(self, words: Sequence[str], weights: Sequence[float], total: float) -> float:
        """Weighted share of `words` (distinct, weighted by `weights`) in recent messages."""
        if not total:
            return 0.0
        floor = len(self.members) - RECENT
        missing = floor - 1
        get = self.seen.get
        hit = 0.0
        # Not zip(strict=True): it runs for every message, and the caller builds `weights`
        # from `words`, so their lengths always agree.
        for word, weight in zip(words, weights):  # noqa: B905
            if get(word, missing) >= floor:
                hit += weight
        return hit / total


def document_frequencies(bags: Sequence[Sequence[str]]) -> dict[str, float]:
    """Inverse document frequency of every term over the window (smoothed, always > 0)."""
    return distinct_frequencies([set(bag) for bag in bags])


def distinct_frequencies(distincts: Sequence[Iterable[str]]) -> dict[str, float]:
    """`document_frequencies` from each message's distinct terms, when the caller has them.

    The conversations need every message's distinct terms anyway: counting those spares a
    set per message (a twentieth of the analysis of a large window).
    """
    counts = Counter(chain.from_iterable(distincts))
    total = len(distincts) + 1
    return {word: math.log(total / count) + 1.0 for word, count in counts.items()}


def reply_targets(messages: Sequence[ChatMessage]) -> list[int | None]:
    """The position in `messages` of the message each one replies to (None if not among them)."""
    position = {m.id: i for i, m in enumerate(messages)}
    return [position.get(m.reply_to) if m.reply_to is not None else None for m in messages]


def split_conversations(
    terms: Sequence[Sequence[str]],
    idf: dict[str, float],
    times: Sequence[float],
    streams: Sequence[int],
    targets: Sequence[int | None],
) -> list[Conversation]:
    """Assign every message of a window (oldest first) to exactly one conversation.

    Everything is by position in the window, read from the messages once by the caller:
    `terms` each message's distinct terms (`text.window_terms`), `times` when it was written
    (epoch seconds), `streams` where (its thread, else its channel), `targets` what it replies to
    (`reply_targets`).
    """
    conversations: list[Conversation] = []
    # Each message's conversation, by position: a reply joins its message's.
    owner: list[Conversation | None] = [None] * len(terms)
    # Per stream: [last time, log of the gap, pause, its active conversations]. The stream
    # being read keeps them in locals (a window is mostly one channel, read in long runs):
    # they are saved and loaded only where the stream changes.
    state: dict[int, list] = {}
    current: int | None = None
    active: list[Conversation]
    last_at, log_gap, pause, active = 0.0, START_LOG_GAP, GAP_S, []
    weight_of = idf.__getitem__
    # A term a conversation never said: older than any `floor` (which is at least 1 - RECENT).
    never = -RECENT
    for position, (distinct, at, stream, target) in enumerate(
        zip(terms, times, streams, targets, strict=True)
    ):
        if stream != current:
            if current is not None:
                state[current] = [last_at, log_gap, pause, active]
            current = stream
            last_at, log_gap, pause, active = state.get(stream) or (at, START_LOG_GAP, GAP_S, [])
        # The pause before this message is judged by the pace before it; then the pace moves
        # (`PACE_SPAN`; inline, as it runs once per message).
        gap, since = pause, at - last_at
        if since > 0.0:  # the stream's first message, or one in the same instant, teaches nothing
            log_gap += (log(since if since > 1.0 else 1.0) - log_gap) / PACE_SPAN
            last_at = at
            if log_gap < _SURELY_BRISK:
                pause = GAP_S  # a chat's pace: no need to work out the pause
            else:
                pause = PAUSE_PACES * exp(log_gap)
                pause = GAP_S if pause < GAP_S else (pause if pause < MAX_GAP_S else MAX_GAP_S)
        horizon = HORIZON_S if gap < HORIZON_S else gap
        # Ordered by last activity (messages arrive oldest first): idle ones sit at the front.
        while active and at - active[0].last > horizon:
            active.pop(0)
        chosen = owner[target] if target is not None else None
        if chosen is None and active:
            # Weighed only here: a reply joins its message's conversation unweighed. Every
            # term of the window is in `idf` (built from these terms). Most messages stay with
            # the conversation that was talking, which holds half their words: its share
            # (`Conversation.overlap`) is summed inline, with the total, in one loop without a
            # list of weights; the others are weighed only when it falls short.
            latest = active[-1]
            floor = len(latest.members) - RECENT
            get = latest.seen.get
            hit = total = 0.0
            for word in distinct:
                weight = idf[word]
                total += weight
                if get(word, never) >= floor:
                    hit += weight
            if total and hit / total >= 0.5 and at - latest.last <= gap:
                chosen = latest
            else:
                weights = list(map(weight_of, distinct))
                share = hit / total if total else 0.0
                chosen = _by_vocabulary(active, distinct, weights, share, at, gap)
        if chosen is None:
            chosen = Conversation(index=len(conversations), stream=stream)
            conversations.append(chosen)
        # Most messages stay with the conversation that was talking: it is already last.
        if not active or active[-1] is not chosen:
            if chosen in active:
                active.remove(chosen)
            active.append(chosen)
            if len(active) > MAX_ACTIVE:
                active.pop(0)
        # The message joins: its words are now the conversation's latest use of them.
        members, seen = chosen.members, chosen.seen
        count = len(members)
        members.append(position)
        chosen.last = at
        for word in distinct:
            seen[word] = count
        owner[position] = chosen
    return tile(terms, idf, conversations, times, targets)


def tile(
    terms: Sequence[Sequence[str]],
    idf: dict[str, float],
    conversations: list[Conversation],
    times: Sequence[float],
    targets: Sequence[int | None],
) -> list[Conversation]:
    """Cut long conversations at long pauses and where their vocabulary shifts; renumbered.

    By window position: `terms` each message's distinct terms, `times` when it was written
    (epoch seconds), `targets` what it replies to.
    """
    weights = tiling.squared(idf)
    pieces = [
        (conversation.stream, part)
        for conversation in conversations
        for part in tiling.segments(targets, times, terms, weights, conversation.members)
    ]
    if len(pieces) == len(conversations):
        return conversations
    pieces.sort(key=lambda piece: piece[1][0])
    return [
        Conversation(index=i, stream=stream, members=part, last=times[part[-1]])
        for i, (stream, part) in enumerate(pieces)
    ]


def _by_vocabulary(
    streams: list[Conversation],
    words: Sequence[str],
    weights: Sequence[float],
    latest_score: float,
    at: float,
    gap: float = GAP_S,
) -> Conversation | None:
    """The active conversation that owns the message's words, or the one that was talking.

    Within `gap` of the channel's last message (its pause, after `PACE_SPAN`) the talking one
    keeps a message that shares nothing with any ("ok", "lol"); after it, only a clear share
    of its words brings a conversation back. `latest_score` is the talking one's share of the
    words (`Conversation.overlap`), which the caller has already weighed.
    """
    latest = streams[-1]
    total = sum(weights)
    recent = at - latest.last <= gap
    if recent and latest_score >= 0.5:
        # No other conversation could own at least twice as much of the message: keep it here.
        return latest
    best, best_score = (latest, latest_score) if latest_score > 0 else (None, 0.0)
    for conversation in streams:
        if conversation is latest:
            continue
        score = conversation.overlap(words, weights, total)
        if score > best_score:
            best, best_score = conversation, score
    if best is not None and best_score >= (MIN_OVERLAP if recent else RESUME_OVERLAP):
        # The talking conversation keeps the message unless another one clearly owns its words.
        if recent and best is not latest and latest_score >= best_score / 2:
            return latest
        return best
    return latest if recent else None
