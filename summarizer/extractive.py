"""The default engine: offline, deterministic, chat-aware extractive summaries.

Conversations are found first (`conversations.py`), messages are ranked inside their own
conversation (`ranking.py`), and each topic keeps its best few messages as key points, in the
order they were said. Nothing here downloads a model or reads the network.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from summarizer import facts, text
from summarizer.analysis import Analysis, analyse
from summarizer.conversations import Conversation
from summarizer.models import (
    ChatMessage,
    KeyPoint,
    Person,
    Summary,
    SummaryLength,
    SummaryOptions,
    SummarySource,
    Topic,
    Window,
)

ENGINE = "extractive"
# A key point longer than this (in words) is cut to its leading sentences.
POINT_WORDS = 40
POINT_CHARS = 300
# Two picks this similar say the same thing; keep the first.
REDUNDANT = 0.6
# One key point per this many messages of a topic, up to the length's cap.
PER_POINT = 3
# Messages read to learn how people spell a topic's words (a long topic repeats itself).
SURFACE_SCAN = 150
_WORDISH = re.compile(r"[A-Za-z0-9][A-Za-z0-9_']*")


@dataclass(frozen=True)
class Budget:
    """How much each length may say."""

    topics: int
    points_per_topic: int
    words_per_topic: int
    highlights: int
    questions: int
    links: int


BUDGETS = {
    SummaryLength.BRIEF: Budget(3, 3, 70, 3, 3, 5),
    SummaryLength.STANDARD: Budget(6, 4, 90, 5, 5, 10),
    SummaryLength.DETAILED: Budget(12, 8, 200, 10, 10, 25),
}


async def summarize_extractive(messages: Sequence[ChatMessage], options: SummaryOptions) -> Summary:
    """Summarize messages (already filtered, oldest first) without any model."""
    return build_summary(messages, options)


def build_summary(messages: Sequence[ChatMessage], options: SummaryOptions) -> Summary:
    """The synchronous core, shared with engines that fall back to it."""
    now = options.generated_at or datetime.now(UTC)
    budget = BUDGETS[options.length]
    analysis = analyse(messages)
    window = facts.window_of(messages, options.start, options.end, now)
    topics = build_topics(analysis, budget)
    open_questions = facts.open_questions(analysis, budget.questions)
    stats = facts.stats(analysis, window)
    return Summary(
        title=options.title or _title(messages, options),
        source=SummarySource(
            guild=options.guild or None, channels=list(options.channels) or _channels(messages)
        ),
        window=window,
        engine=ENGINE,
        length=options.length,
        language=options.language,
        generated_at=now,
        overview=_overview(messages, topics, len(open_questions), window),
        topics=topics,
        highlights=facts.highlights(analysis, budget.highlights),
        open_questions=open_questions,
        links=facts.shared_links(messages, budget.links),
        stats=stats,
    )


def build_topics(analysis: Analysis, budget: Budget) -> list[Topic]:
    """The most substantial conversations, each with its best messages as key points."""
    messages = analysis.messages

    def weight(conversation: Conversation) -> tuple[float, int]:
        engagement = sum(messages[p].reactions + analysis.replies[p] for p in conversation.members)
        return (len(conversation.members) + 0.5 * engagement, -conversation.index)

    substantial = [c for c in analysis.conversations if len(c.members) >= 2]
    ranked = sorted(substantial or analysis.conversations, key=weight, reverse=True)
    return [_topic(analysis, c, budget) for c in ranked[: budget.topics]]


def _topic(analysis: Analysis, conversation: Conversation, budget: Budget) -> Topic:
    messages = analysis.messages
    members = conversation.members
    wanted = min(budget.points_per_topic, max(1, math.ceil(len(members) / PER_POINT)))
    analysis.rank(conversation)
    order = sorted(members, key=lambda p: (-analysis.scores[p], p))
    chosen: list[int] = []
    words = 0
    for p in order:
        if len(chosen) >= wanted or words >= budget.words_per_topic:
            break
        if not text.clean(messages[p].content):
            continue
        vector = analysis.vectors[p]
        if any(_similar(vector, analysis.vectors[q]) for q in chosen):
            continue
        chosen.append(p)
        words += min(text.word_count(messages[p].content), POINT_WORDS)
    points = [
        KeyPoint(
            text=_point_text(messages[p].content),
            message_ids=[messages[p].id],
            authors=[facts.person(messages[p])],
            jump_url=messages[p].jump_url,
        )
        for p in sorted(chosen)
    ]
    counts = Counter(messages[p].author.id for p in members)
    people = {messages[p].author.id: messages[p].author.name for p in members}
    return Topic(
        title=_topic_title(analysis, members),
        points=points,
        participants=[
            Person(id=a, name=people[a])
            for a, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ],
        message_count=len(members),
        start=messages[members[0]].created_at,
        end=messages[members[-1]].created_at,
    )


def _similar(a: dict[str, float], b: dict[str, float]) -> bool:
    if not a or not b:
        return False
    return sum(v * b.get(w, 0.0) for w, v in a.items()) > REDUNDANT


def _point_text(content: str) -> str:
    cleaned = text.clean(content) or "(attachment)"
    kept: list[str] = []
    words = 0
    for sentence in text.sentences(cleaned):
        kept.append(sentence)
        words += text.word_count(sentence)
        if words >= POINT_WORDS:
            break
    return text.shorten(" ".join(kept), POINT_CHARS)


def _topic_title(analysis: Analysis, members: Sequence[int], size: int = 3) -> str:
    weights: dict[str, float] = {}
    used: dict[str, int] = {}
    idf = analysis.idf
    for p in members:
        for word in set(analysis.bags[p]):
            weights[word] = weights.get(word, 0.0) + idf.get(word, 1.0)
            used[word] = used.get(word, 0) + 1
    # A word used by several messages names the topic better than one rare word said once.
    ranked = sorted(weights, key=lambda w: (-weights[w] * min(used[w], 3), w))[: size * 3]
    wanted = set(ranked)
    surface: dict[str, Counter[str]] = {}
    for p in members[:SURFACE_SCAN]:
        content = analysis.messages[p].content
        for raw in _WORDISH.findall(text.URL.sub(" ", content)):
            key = text.stem(raw.lower())
            if key in wanted:
                surface.setdefault(key, Counter())[raw] += 1
    shown = [_display(surface[w]) for w in ranked if w in surface][:size]
    if not shown:
        return "Conversation"
    title = ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]
    return title[0].upper() + title[1:]


def _display(forms: Counter[str]) -> str:
    """The way people wrote a word most often, lower case unless they capitalised it mid-text."""
    form, _ = min(forms.items(), key=lambda item: (-item[1], item[0]))
    return form if not form.istitle() or form.isupper() else form.lower()


def _title(messages: Sequence[ChatMessage], options: SummaryOptions) -> str:
    channels = list(options.channels) or _channels(messages)
    names = ", ".join(f"#{c.name}" for c in channels[:3]) or "chat"
    return f"Digest of {names}"


def _channels(messages: Sequence[ChatMessage]) -> list:
    seen: dict[int, object] = {}
    for message in messages:
        seen.setdefault(message.channel.id, message.channel)
    return list(seen.values())


def _overview(
    messages: Sequence[ChatMessage], topics: Sequence[Topic], open_count: int, window: Window
) -> str:
    if not messages:
        return "Nothing was said in this window."
    people = len({m.author.id for m in messages})
    threads = len({m.thread.id for m in messages if m.thread is not None})
    where = ", ".join(sorted({f"#{m.channel.name}" for m in messages}))
    in_threads = f" and {threads} thread{'s' * (threads != 1)}" if threads else ""
    first = (
        f"{len(messages)} message{'s' * (len(messages) != 1)} from {people} "
        f"{'person' if people == 1 else 'people'} in {where}{in_threads}."
    )
    sentences = [first]
    if topics:
        names = [t.title for t in topics[:3]]
        sentences.append("Most discussed: " + "; ".join(names) + ".")
    if open_count:
        sentences.append(
            f"{open_count} question{'s' * (open_count != 1)} "
            f"{'are' if open_count != 1 else 'is'} still open."
        )
    return " ".join(sentences)
