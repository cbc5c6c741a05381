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

    def add(self, position: int, words: Sequence[str], at: float) -> None:
        """Append a message and remember its words."""
        count = len(self.members)
        self.members.append(position)
        self.last = at
        # A loop, not update(dict.fromkeys(…)): a message has a handful of terms, and the
        # intermediate dict cost twice the assignments.
        seen = self.seen
        for word in words:
            seen[word] = count


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


def split_conversations(
    messages: Sequence[ChatMessage],
    bags: Sequence[Sequence[str]],
    idf: dict[str, float],
    times: Sequence[float] | None = None,
    distincts: Sequence[list[str]] | None = None,
) -> list[Conversation]:
    """Assign every message (oldest first) to exactly one conversation.

    `times` are when the messages were written (epoch seconds) and `distincts` each bag's
    distinct terms in first-use order, if the caller has them.
    """
    if times is None:
        times = [message.created_at.timestamp() for message in messages]
    if distincts is None:
        distincts = [list(dict.fromkeys(bag)) for bag in bags]
    conversations: list[Conversation] = []
    owner: dict[int, Conversation] = {}
    active: dict[int, list[Conversation]] = {}
    paces: dict[int, list[float]] = {}
    weight_of = idf.__getitem__
    for position, (message, distinct, at) in enumerate(
        zip(messages, distincts, times, strict=True)
    ):
        stream = message.thread.id if message.thread else message.channel.id
        # The pause before this message is judged by the pace before it; then the pace moves
        # (`PACE_SPAN`; inline, as it runs once per message): [last time, log of the gap, pause].
        pace = paces.get(stream)
        if pace is None:
            pace = paces[stream] = [at, START_LOG_GAP, GAP_S]
        gap, since = pace[2], at - pace[0]
        if since > 0.0:  # the stream's first message, or one in the same instant, teaches nothing
            log_gap = pace[1] + (log(since if since > 1.0 else 1.0) - pace[1]) / PACE_SPAN
            pause = PAUSE_PACES * exp(log_gap)
            pace[0], pace[1] = at, log_gap
            pace[2] = GAP_S if pause < GAP_S else (pause if pause < MAX_GAP_S else MAX_GAP_S)
        horizon = HORIZON_S if gap < HORIZON_S else gap
        # Ordered by last activity (messages arrive oldest first): idle ones sit at the front.
        streams = active.setdefault(stream, [])
        while streams and at - streams[0].last > horizon:
            streams.pop(0)
        chosen = owner.get(message.reply_to) if message.reply_to is not None else None
        if chosen is None and streams:
            # Weighed only here: a reply joins its message's conversation unweighed. Every
            # term of the window is in `idf` (built from these bags): no default needed.
            weights = list(map(weight_of, distinct))
            chosen = _by_vocabulary(streams, distinct, weights, at, gap)
        if chosen is None:
            chosen = Conversation(index=len(conversations), stream=stream)
            conversations.append(chosen)
        # Most messages stay with the conversation that was talking: it is already last.
        if not streams or streams[-1] is not chosen:
            if chosen in streams:
                streams.remove(chosen)
            streams.append(chosen)
            if len(streams) > MAX_ACTIVE:
                streams.pop(0)
        chosen.add(position, distinct, at)
        owner[message.id] = chosen
    return tile(messages, distincts, idf, conversations, times)


def tile(
    messages: Sequence[ChatMessage],
    terms: Sequence[Sequence[str]],
    idf: dict[str, float],
    conversations: list[Conversation],
    times: Sequence[float] | None = None,
) -> list[Conversation]:
    """Cut long conversations at long pauses and where their vocabulary shifts; renumbered.

    `terms` are each message's distinct terms, `times` when each was written (epoch seconds).
    """
    weights = tiling.squared(idf)
    pieces = [
        (conversation.stream, part)
        for conversation in conversations
        for part in tiling.segments(messages, terms, weights, conversation.members, times)
    ]
    if len(pieces) == len(conversations):
        return conversations
    pieces.sort(key=lambda piece: piece[1][0])
    return [
        Conversation(
            index=i, stream=stream, members=part, last=messages[part[-1]].created_at.timestamp()
        )
        for i, (stream, part) in enumerate(pieces)
    ]


def _by_vocabulary(
    streams: list[Conversation],
    words: Sequence[str],
    weights: Sequence[float],
    at: float,
    gap: float = GAP_S,
) -> Conversation | None:
    """The active conversation that owns the message's words, or the one that was talking.

    Within `gap` of the channel's last message (its pause, after `PACE_SPAN`) the talking one
    keeps a message that shares nothing with any ("ok", "lol"); after it, only a clear share
    of its words brings a conversation back.
    """
    latest = streams[-1]
    total = sum(weights)
    recent = at - latest.last <= gap
    latest_score = latest.overlap(words, weights, total)
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
