"""The default engine: offline, deterministic, chat-aware extractive summaries.

Conversations are found first (`conversations.py`), messages are ranked inside their own
conversation (`ranking.py`), and each topic keeps its best few messages as key points, in the
order they were said, each reported as a third-person statement (`keypoints.py`,
`statements.py`). Nothing here downloads a model or reads the network.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from summarizer import facts, keypoints, periods, phrasing, text, titles
from summarizer.analysis import Analysis, analyse
from summarizer.chatter import Kind
from summarizer.conversations import Conversation
from summarizer.models import (
    ChatMessage,
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
# Messages read to see whether people write a title's first word in lower case.
SUBJECT_SCAN = 200


@dataclass(frozen=True)
class Budget:
    """How much each length may say."""

    topics: int
    points_per_topic: int
    words_per_topic: int
    highlights: int
    questions: int
    links: int
    # A point is cut to its leading sentences after about this many words.
    point_words: int = POINT_WORDS
    # One key point per this many messages of a topic, up to `points_per_topic`.
    per_point: int = PER_POINT


BUDGETS = {
    # A brief digest reads like a note someone would write: short statements, one for about
    # every eight messages of a topic (so a ten-line chat gets two), three at most.
    SummaryLength.BRIEF: Budget(3, 3, 70, 3, 3, 5, point_words=20, per_point=8),
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
    topics = build_topics(analysis, budget, window)
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


def build_topics(analysis: Analysis, budget: Budget, window: Window | None = None) -> list[Topic]:
    """The most substantial conversations, each with its best messages as key points.

    A window longer than a day and a half shares its topics between its days, weeks or months
    (`periods.py`): a month is not summarized by its busiest evening. Topics then come period
    by period, oldest first, the most substantial first within a period.
    """
    messages = analysis.messages

    def weight(conversation: Conversation) -> tuple[float, int]:
        engagement = sum(messages[p].reactions + analysis.replies[p] for p in conversation.members)
        return (len(conversation.members) + 0.5 * engagement, -conversation.index)

    substantial = [c for c in analysis.conversations if len(c.members) >= 2]
    candidates = sorted(substantial or analysis.conversations, key=weight, reverse=True)
    unit = periods.unit_for(window.start, window.end) if window is not None else None
    if unit is None:
        chosen = [(None, c) for c in candidates[: budget.topics]]
    else:
        chosen = _by_period(analysis, candidates, budget.topics, unit)
    topics: list[Topic] = []
    taken: set[str] = set()
    for label, conversation in chosen:
        topic = _topic(analysis, conversation, budget)
        title = topic.title
        if title.lower() in taken:
            title = _topic_title(analysis, conversation.members, taken)
        taken.add(title.lower())
        topics.append(topic.model_copy(update={"title": title, "period": label}))
    return topics


def _by_period(
    analysis: Analysis, ranked: Sequence[Conversation], budget: int, unit: periods.Unit
) -> list[tuple[str, Conversation]]:
    """(period label, conversation) for the topics, the budget shared by the periods' traffic."""
    messages = analysis.messages
    groups: dict[datetime, list[Conversation]] = {}
    for conversation in ranked:
        began = periods.period_start(messages[conversation.members[0]].created_at, unit)
        groups.setdefault(began, []).append(conversation)
    traffic: Counter[datetime] = Counter()
    for conversation in analysis.conversations:
        began = periods.period_start(messages[conversation.members[0]].created_at, unit)
        traffic[began] += len(conversation.members)
    order = sorted(groups)
    seats = periods.share(
        budget, {key: traffic[key] for key in order}, {key: len(groups[key]) for key in order}
    )
    return [
        (periods.label(key, unit), conversation)
        for key in order
        for conversation in groups[key][: seats.get(key, 0)]
    ]


def _topic(analysis: Analysis, conversation: Conversation, budget: Budget) -> Topic:
    messages = analysis.messages
    members = conversation.members
    wanted = min(budget.points_per_topic, max(1, math.ceil(len(members) / budget.per_point)))
    analysis.rank(conversation)
    order = sorted(members, key=lambda p: (-analysis.scores[p], p))
    people = keypoints.people_of(analysis, members)
    chosen = _choose(analysis, people, order, wanted, budget)
    if not chosen:
        chosen = [next((p for p in order if text.clean(messages[p].content)), order[0])]
    points = [
        keypoints.key_point(
            analysis, people, p, _leading(messages[p].content, budget.point_words), POINT_CHARS
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


def _choose(
    analysis: Analysis,
    people: keypoints.TopicPeople,
    order: Sequence[int],
    wanted: int,
    budget: Budget,
) -> list[int]:
    """The best-ranked messages with substance, not redundant, within the topic's budget."""
    messages = analysis.messages
    chosen: list[int] = []
    words = 0
    for p in order:
        if len(chosen) >= wanted or words >= budget.words_per_topic:
            break
        if not text.clean(messages[p].content):
            continue
        # Greetings, thanks and bare "ok"s are never points (an "ok" folds into its point).
        if keypoints.kind_of(analysis, people, p) is not Kind.CONTENT:
            continue
        vector = analysis.vectors[p]
        if any(_similar(vector, analysis.vectors[q]) for q in chosen):
            continue
        chosen.append(p)
        words += min(text.word_count(messages[p].content), budget.point_words)
    return chosen


def _similar(a: dict[str, float], b: dict[str, float]) -> bool:
    if not a or not b:
        return False
    return sum(v * b.get(w, 0.0) for w, v in a.items()) > REDUNDANT


def _leading(content: str, limit: int) -> str:
    """The message's first sentences, up to about `limit` words."""
    kept: list[str] = []
    words = 0
    for sentence in text.sentences(text.clean(content)):
        kept.append(sentence)
        words += text.word_count(sentence)
        if words >= limit:
            break
    return " ".join(kept)


def _topic_title(analysis: Analysis, members: Sequence[int], taken: Collection[str] = ()) -> str:
    """A short noun phrase from the conversation (`titles.py`), unlike the titles in `taken`."""
    share = titles.share_from_idf(analysis.idf, len(analysis.messages))
    return titles.topic_title(analysis.messages, members, share=share, taken=taken)


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
    sentences = [_opening(messages, topics), first] if topics else [first]
    if open_count:
        sentences.append(
            f"{open_count} question{'s' * (open_count != 1)} "
            f"{'are' if open_count != 1 else 'is'} still open."
        )
    return " ".join(sentences)


def _opening(messages: Sequence[ChatMessage], topics: Sequence[Topic]) -> str:
    """Who took part and what about ("Maria, Kate and Tom discussed the conference panel").

    The most active people first (four at most, then "and N others"); the subjects are the
    three biggest topics' titles, lower-cased where people wrote the word in lower case.
    """
    counts = Counter(m.author.id for m in messages)
    names = {m.author.id: m.author.name for m in messages}
    order = sorted(counts, key=lambda a: (-counts[a], a))
    shown = [names[a] for a in order[: 4 if len(order) <= 4 else 3]]
    if len(order) > len(shown):
        shown.append(f"{len(order) - len(shown)} others")
    who = phrasing.join(shown)
    # The biggest topics, not the first: with periods, topics come oldest first.
    biggest = sorted(topics, key=lambda t: -t.message_count)[:3]
    subjects = [_subject(t, messages) for t in biggest if not _unnamed(t.title)]
    if not subjects:
        return f"{who} {'chatted' if len(order) > 1 else 'wrote'}."
    verb = "talked about" if len(order) > 1 else "wrote about"
    return f"{who} {verb} {phrasing.join(subjects)}."


def _unnamed(title: str) -> bool:
    """A title that names no subject, only the talk ("Conversation", "Chat between A and B")."""
    return title == "Conversation" or title.startswith("Chat ")


def _subject(topic: Topic, messages: Sequence[ChatMessage]) -> str:
    """A topic title as the object of a sentence: "Theming tutorial" -> "theming tutorial"."""
    title = topic.title
    first = title.split(" ", 1)[0]
    if not first.istitle() or len(first) < 2:
        return title
    lower = re.compile(rf"(?<!\w){re.escape(first.lower())}(?!\w)")
    said = messages
    if topic.start is not None:
        begin = bisect.bisect_left(messages, topic.start, key=lambda m: m.created_at)
        said = messages[begin : begin + SUBJECT_SCAN]
    if any(lower.search(m.content) for m in said):
        return first.lower() + title[len(first) :]
    return title
