"""Splitting a window of chat into conversations.

Chat interleaves: two threads of talk share a channel, a reply lands an hour later, a new
subject starts without a pause. A message joins the conversation it replies to; otherwise the
active conversation of its channel (or thread) that shares the most weighted vocabulary with
recent talk; otherwise the one that was just talking if the pause was short; otherwise it starts
a new one. Only the few conversations active in the same channel are compared, so the cost is
linear in the number of messages.

Busy channels have no pauses: a message every 30 seconds keeps one conversation "talking" all
day. So a long conversation is then cut where its vocabulary shifts (`tiling.py`, after
TextTiling), never between a reply and the message it answers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain

from summarizer import tiling
from summarizer.models import ChatMessage

# A pause longer than this ends a conversation unless a reply or shared words bring it back.
GAP = timedelta(minutes=10)
# How long an idle conversation may still be picked up by shared vocabulary.
HORIZON = timedelta(hours=3)
GAP_S, HORIZON_S = GAP.total_seconds(), HORIZON.total_seconds()
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
        seen = self.seen
        hit = 0.0
        for word, weight in zip(words, weights, strict=True):
            if seen.get(word, floor - 1) >= floor:
                hit += weight
        return hit / total

    def add(self, position: int, words: Sequence[str], at: float) -> None:
        """Append a message and remember its words."""
        count = len(self.members)
        self.members.append(position)
        self.last = at
        for word in words:
            self.seen[word] = count


def document_frequencies(bags: Sequence[Sequence[str]]) -> dict[str, float]:
    """Inverse document frequency of every term over the window (smoothed, always > 0)."""
    counts = Counter(chain.from_iterable(set(bag) for bag in bags))
    total = len(bags) + 1
    return {word: math.log(total / count) + 1.0 for word, count in counts.items()}


def split_conversations(
    messages: Sequence[ChatMessage], bags: Sequence[Sequence[str]], idf: dict[str, float]
) -> list[Conversation]:
    """Assign every message (oldest first) to exactly one conversation."""
    conversations: list[Conversation] = []
    owner: dict[int, Conversation] = {}
    active: dict[int, list[Conversation]] = {}
    distincts: list[list[str]] = []
    for position, message in enumerate(messages):
        stream = message.thread.id if message.thread else message.channel.id
        distinct = list(dict.fromkeys(bags[position]))
        distincts.append(distinct)
        weights = [idf.get(word, 1.0) for word in distinct]
        at = message.created_at.timestamp()
        # Ordered by last activity (messages arrive oldest first): idle ones sit at the front.
        streams = active.setdefault(stream, [])
        while streams and at - streams[0].last > HORIZON_S:
            streams.pop(0)
        chosen = owner.get(message.reply_to) if message.reply_to is not None else None
        if chosen is None and streams:
            chosen = _by_vocabulary(streams, distinct, weights, at)
        if chosen is None:
            chosen = Conversation(index=len(conversations), stream=stream)
            conversations.append(chosen)
        if chosen in streams:
            streams.remove(chosen)
        streams.append(chosen)
        if len(streams) > MAX_ACTIVE:
            streams.pop(0)
        chosen.add(position, distinct, at)
        owner[message.id] = chosen
    return tile(messages, distincts, idf, conversations)


def tile(
    messages: Sequence[ChatMessage],
    terms: Sequence[Sequence[str]],
    idf: dict[str, float],
    conversations: list[Conversation],
) -> list[Conversation]:
    """Cut long conversations where their vocabulary shifts; renumbered by first message.

    `terms` are each message's distinct terms.
    """
    weights = tiling.squared(idf)
    pieces = [
        (conversation.stream, part)
        for conversation in conversations
        for part in tiling.segments(messages, terms, weights, conversation.members)
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
    streams: list[Conversation], words: Sequence[str], weights: Sequence[float], at: float
) -> Conversation | None:
    latest = streams[-1]
    total = sum(weights)
    recent = at - latest.last <= GAP_S
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
