"""The default engine: offline, deterministic, chat-aware extractive summaries.

Conversations are found first (`conversations.py`), messages are ranked inside their own
conversation (`ranking.py`), and each topic keeps its best few messages as key points, in the
order they were said, each reported as a third-person statement (`keypoints.py`,
`statements.py`). Nothing here downloads a model or reads the network.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from itertools import chain

from summarizer import excerpts, facts, keypoints, periods, phrasing, salience, text, titles
from summarizer.analysis import Analysis, analyse
from summarizer.budgets import BUDGETS, Budget
from summarizer.chatter import Kind
from summarizer.collection import paused_collection
from summarizer.conversations import Conversation
from summarizer.models import (
    ChannelRef,
    ChatMessage,
    Person,
    Summary,
    SummaryOptions,
    SummarySource,
    Topic,
    Window,
)
from summarizer.ranking import centre, one_line_scores

ENGINE = "extractive"
# Two picks this similar say the same thing; keep the first.
REDUNDANT = 0.6
# Messages read to see whether people write a title's first word in lower case.
SUBJECT_SCAN = 200
# A period with this many messages in conversations (of two messages or more) is substantial:
# it earns its own topics when a long window is summarized period by period.
SUBSTANTIAL_PERIOD = 5
# A message with fewer words says little ("lol", "same", "ok thanks"): a conversation weighs
# by the messages that say something, and by the reactions and replies it drew.
SAYS_SOMETHING = 4
ENGAGEMENT = 0.5
# A conversation this long has a subject its long messages' telling sentences are judged by.
SUBJECT_MESSAGES = 6


async def summarize_extractive(messages: Sequence[ChatMessage], options: SummaryOptions) -> Summary:
    """Summarize messages (already filtered, oldest first) without any model."""
    return build_summary(messages, options)


def build_summary(messages: Sequence[ChatMessage], options: SummaryOptions) -> Summary:
    """The synchronous core, shared with engines that fall back to it.

    Garbage collection is paused while it runs: the analysis allocates tens of thousands of
    small lists and dicts that hold no reference cycles, and each automatic collection would
    walk every message of the window again (a quarter of the time at 10,000 messages). It
    runs without yielding to the event loop, so nothing else allocates meanwhile.
    """
    with paused_collection():
        return _build_summary(messages, options)


def _build_summary(messages: Sequence[ChatMessage], options: SummaryOptions) -> Summary:
    now = options.generated_at or datetime.now(UTC)
    budget = BUDGETS[options.length]
    analysis = analyse(messages)
    # Titles and key points ask how common hundreds of words are: look them up in one go.
    salience.expect_words(text.words_read())
    window = facts.window_of(messages, options.start, options.end, now)
    topics = build_topics(analysis, budget, window)
    open_questions = facts.open_questions(analysis, budget.questions)
    stats = facts.stats(analysis, window)
    channels = list(options.channels) or analysis.channels()
    return Summary(
        title=options.title or _title(channels),
        source=SummarySource(guild=options.guild or None, channels=channels),
        window=window,
        engine=ENGINE,
        length=options.length,
        language=options.language,
        generated_at=now,
        overview=_overview(analysis, topics, len(open_questions)),
        topics=topics,
        highlights=facts.highlights(analysis, budget.highlights_for(len(topics)), _cited(topics)),
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
    # Per message, whether it says something and how much it drew: summed per conversation
    # by `map` (every substantial conversation of the window is weighed).
    says = [size >= SAYS_SOMETHING for size in analysis.sizes]
    said_at, engaged_at = says.__getitem__, analysis.engagement.__getitem__

    def weight(conversation: Conversation) -> tuple[float, int]:
        members = conversation.members
        said = sum(map(said_at, members))
        engagement = sum(map(engaged_at, members))
        return (said + ENGAGEMENT * engagement, -conversation.index)

    substantial = [c for c in analysis.conversations if len(c.members) >= 2]
    candidates = sorted(substantial or analysis.conversations, key=weight, reverse=True)
    unit = periods.unit_for(window.start, window.end) if window is not None else None
    if unit is None:
        chosen: list[tuple[str | None, Conversation]] = [
            (None, c) for c in candidates[: budget.topics]
        ]
        scaled = budget
    else:
        chosen, scaled = _by_period(analysis, candidates, budget, unit)
    wanted = scaled.points([len(c.members) for _, c in chosen], scaled is not budget)
    budget = scaled
    topics: list[Topic] = []
    taken: set[str] = set()
    for (label, conversation), points in zip(chosen, wanted, strict=True):
        topic = _topic(analysis, conversation, budget, points)
        title = topic.title
        if title.lower() in taken:
            title = _topic_title(analysis, conversation.members, taken)
        taken.add(title.lower())
        topics.append(topic.model_copy(update={"title": title, "period": label}))
    return topics


def _cited(topics: Sequence[Topic]) -> frozenset[int]:
    """The message ids the topics' points state (a highlight need not repeat them)."""
    return frozenset(i for topic in topics for point in topic.points for i in point.message_ids)


def _by_period(
    analysis: Analysis, ranked: Sequence[Conversation], budget: Budget, unit: periods.Unit
) -> tuple[list[tuple[str | None, Conversation]], Budget]:
    """(period label, conversation) for the topics, and the budget for the busy periods.

    Each substantial period earns topics (`Budget.for_periods`); they are shared by the
    periods' traffic (`periods.share`).
    """
    messages = analysis.messages
    # The period each conversation began in (`period_start` works each day out once).
    period_of = {
        conversation: periods.period_start(messages[conversation.members[0]].created_at, unit)
        for conversation in analysis.conversations
    }
    groups: dict[datetime, list[Conversation]] = {}
    for conversation in ranked:
        groups.setdefault(period_of[conversation], []).append(conversation)
    traffic: Counter[datetime] = Counter()
    talk: Counter[datetime] = Counter()
    for conversation in analysis.conversations:
        began = period_of[conversation]
        traffic[began] += len(conversation.members)
        if len(conversation.members) >= 2:
            talk[began] += len(conversation.members)
    scaled = budget.for_periods(sum(1 for n in talk.values() if n >= SUBSTANTIAL_PERIOD))
    order = sorted(groups)
    seats = periods.share(
        scaled.topics,
        {key: traffic[key] for key in order},
        {key: len(groups[key]) for key in order},
    )
    chosen: list[tuple[str | None, Conversation]] = [
        (periods.label(key, unit), conversation)
        for key in order
        for conversation in groups[key][: seats.get(key, 0)]
    ]
    return chosen, scaled


def _topic(analysis: Analysis, conversation: Conversation, budget: Budget, wanted: int) -> Topic:
    messages = analysis.messages
    members = conversation.members
    analysis.rank(conversation)
    order = _ranked(analysis, members, one_line=wanted == 1)
    people = keypoints.people_of(analysis, members)
    chosen, answers, asked = _choose(analysis, people, order, wanted, budget)
    if not chosen:
        chosen = [next((p for p in order if text.clean(messages[p].content)), order[0])]
    subject = _subject_terms(analysis, members)
    points = [
        keypoints.key_point(
            analysis,
            people,
            p,
            excerpts.telling(messages[p].content, budget.point_words, subject),
            budget.point_chars + budget.point_chars // 2 * (p in answers or p in asked),
            _answer(analysis, answers.get(p), budget, subject),
            _answer(analysis, asked.get(p), budget, subject),
        )
        for p in sorted(chosen)
    ]
    authors = [analysis.authors[p] for p in members]
    counts = Counter(authors)
    # Each participant as their last message here names them.
    last = dict(zip(authors, members, strict=True))
    people = {author: messages[p].author.name for author, p in last.items()}
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


def _ranked(analysis: Analysis, members: Sequence[int], *, one_line: bool) -> list[int]:
    """The conversation's messages, best first.

    A topic with one line (each topic of a long window) stands for dozens of messages: what
    people reacted to or answered, and what opened the conversation, are read as such a
    conversation shows them (`ranking.one_line_scores`); and since reactions also go to
    praise and jokes, a message that says nothing on its own (`salience.is_filler`) comes
    after every one that does.
    """
    scores, messages, engagement = analysis.scores, analysis.messages, analysis.engagement
    if not one_line:
        # Best score first; equal scores keep the members' order (by position): a stable sort.
        return sorted(members, key=scores.__getitem__, reverse=True)
    engaged = one_line_scores(
        [scores[p] for p in members],
        [analysis.sizes[p] for p in members],
        [engagement[p] for p in members],
    )
    ranked = [p for _, p in sorted(zip((-e for e in engaged), members, strict=True))]
    # The one line says something on its own: praise with a heart on it does not.
    filler = {p for p in ranked if salience.is_filler(messages[p].content)}
    return [p for p in ranked if p not in filler] + [p for p in ranked if p in filler]


def _choose(
    analysis: Analysis,
    people: keypoints.TopicPeople,
    order: Sequence[int],
    wanted: int,
    budget: Budget,
) -> tuple[list[int], dict[int, int], dict[int, int]]:
    """The best-ranked messages with substance, not redundant, within the topic's budget.

    Also which chosen questions are reported with the answer they got (question -> answer):
    "who can host the meetup?" says little without "Sam's office can"; and which chosen short
    answers are reported after their question (answer -> question): "Node 20." says little
    without "which Node version does the build need?".
    """
    messages = analysis.messages
    chosen: list[int] = []
    answers: dict[int, int] = {}
    asked: dict[int, int] = {}
    words = 0
    for p in order:
        if len(chosen) >= wanted or words >= budget.words_per_topic:
            break
        if not text.clean(messages[p].content) or p in answers.values() or p in asked.values():
            continue
        # Greetings, thanks and bare "ok"s are never points (an "ok" folds into its point).
        if keypoints.kind_of(analysis, people, p) is not Kind.CONTENT:
            continue
        vector = analysis.vectors[p]
        if any(_similar(vector, analysis.vectors[q]) for q in chosen):
            continue
        chosen.append(p)
        words += min(text.word_count(messages[p].content), budget.point_words)
        answer = keypoints.answer_to(analysis, people, p)
        if answer is not None and answer not in chosen:
            answers[p] = answer
            words += min(text.word_count(messages[answer].content), budget.point_words)
            continue
        question = keypoints.question_answered(analysis, people, p, messages[p].content)
        if question is not None and question not in chosen:
            asked[p] = question
            words += min(text.word_count(messages[question].content), budget.point_words)
    return chosen, answers, asked


def _answer(
    analysis: Analysis, q: int | None, budget: Budget, subject: dict[str, float]
) -> tuple[int, str] | None:
    """The answer at q as (position, its telling sentences), for `keypoints.key_point`."""
    if q is None:
        return None
    return q, excerpts.telling(analysis.messages[q].content, budget.point_words, subject)


def _subject_terms(analysis: Analysis, members: Sequence[int]) -> dict[str, float]:
    """The conversation's subject: its terms used in two messages or more, by their weight.

    A term's weight is the sum of its messages' (ranked, IDF) vector values; a term said once
    is no subject, and a few messages have none (their points keep their leading sentences).
    """
    if len(members) < SUBJECT_MESSAGES:
        return {}
    vectors = [analysis.vectors.get(p, {}) for p in members]
    # The ranked conversation's centre is this sum already.
    weights = analysis.centres.get(members[0]) or centre(vectors)
    # Counted in C (`Counter` of the vectors' terms), not one `__missing__` call per new term.
    uses = Counter(chain.from_iterable(vectors))
    return {term: value for term, value in weights.items() if uses[term] >= 2}


def _similar(a: dict[str, float], b: dict[str, float]) -> bool:
    if not a or not b:
        return False
    return sum(v * b.get(w, 0.0) for w, v in a.items()) > REDUNDANT


def _topic_title(analysis: Analysis, members: Sequence[int], taken: Collection[str] = ()) -> str:
    """A short noun phrase from the conversation (`titles.py`), unlike the titles in `taken`."""
    share = titles.share_from_idf(analysis.idf, len(analysis.messages))
    return titles.topic_title(analysis.messages, members, share=share, taken=taken)


def _title(channels: Sequence[ChannelRef]) -> str:
    names = ", ".join(f"#{c.name}" for c in channels[:3]) or "chat"
    return f"Digest of {names}"


def _overview(analysis: Analysis, topics: Sequence[Topic], open_count: int) -> str:
    messages = analysis.messages
    if not messages:
        return "Nothing was said in this window."
    people = len(analysis.author_counts())
    threads = len(analysis.thread_ids())
    where = ", ".join(sorted(f"#{name}" for name in analysis.channel_names()))
    in_threads = f" and {threads} thread{'s' * (threads != 1)}" if threads else ""
    first = (
        f"{len(messages)} message{'s' * (len(messages) != 1)} from {people} "
        f"{'person' if people == 1 else 'people'} in {where}{in_threads}."
    )
    sentences = [_opening(analysis, topics), first] if topics else [first]
    if open_count:
        sentences.append(
            f"{open_count} question{'s' * (open_count != 1)} "
            f"{'are' if open_count != 1 else 'is'} still open."
        )
    return " ".join(sentences)


def _opening(analysis: Analysis, topics: Sequence[Topic]) -> str:
    """Who took part and what about ("Maria, Kate and Tom discussed the conference panel").

    The most active people first (four at most, then "and N others"); the subjects are the
    three biggest topics' titles, lower-cased where people wrote the word in lower case.
    """
    messages = analysis.messages
    counts = analysis.author_counts()
    names = analysis.author_names()
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
    said = messages
    if topic.start is not None:
        begin = bisect.bisect_left(messages, topic.start, key=lambda m: m.created_at)
        said = messages[begin : begin + SUBJECT_SCAN]
    if text.written_lower(first.lower(), (m.content for m in said)):
        return first.lower() + title[len(first) :]
    return title
