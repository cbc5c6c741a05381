"""The parts of a digest that are counted, not chosen: highlights, open questions, links, stats.

Any engine may reuse them (an LLM engine writes topics, but the counts stay exact).
"""

from __future__ import annotations

import bisect
import heapq
import operator
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from itertools import compress, islice

from summarizer import answers, asking, context, excerpts, text
from summarizer.analysis import Analysis
from summarizer.models import (
    ChatMessage,
    Highlight,
    Link,
    OpenQuestion,
    ParticipantCount,
    Person,
    Stats,
    Window,
)

EXCERPT = 200
# A highlight is one message people liked: about a tweet of it, cut after a sentence.
HIGHLIGHT_EXCERPT = 280
# A highlight is read away from its conversation: a word or two ("DTOCONVEY", "this!") is the
# end of something said before it and tells the reader nothing there.
HIGHLIGHT_WORDS = 3


MAX_ACTIVITY_HOURS = 24 * 31


def person(message: ChatMessage) -> Person:
    """The author of a message as a digest shows them."""
    return Person(id=message.author.id, name=message.author.name)


def highlights(
    analysis: Analysis, limit: int, skip: Collection[int] = frozenset()
) -> list[Highlight]:
    """Messages with the most reactions and replies (at least two of either, in total).

    Messages in `skip` (ids a digest already states as key points) are left out: a highlight
    that repeats a point tells the reader nothing new; so are messages of fewer than
    `HIGHLIGHT_WORDS` words (an image alone, the last word of a joke). Between messages people
    liked as much, the one that says more comes first. A highlight shows the message's leading
    sentences, up to `HIGHLIGHT_EXCERPT` characters, so a cut rarely drops what people liked.
    """
    messages, replies, sizes = analysis.messages, analysis.replies, analysis.sizes
    engagement = analysis.engagement
    # Messages that drew anything, picked out in C: most drew nothing.
    drew = compress(range(len(messages)), engagement)
    candidates = (
        (engagement[i], sizes[i], -i)
        for i in drew
        if engagement[i] >= 2 and messages[i].id not in skip and sizes[i] >= HIGHLIGHT_WORDS
    )
    chosen = [-i for _, _, i in heapq.nlargest(limit, candidates)]
    found = []
    for i in chosen:
        excerpt = excerpts.opening(messages[i].content, HIGHLIGHT_EXCERPT)
        found.append(
            Highlight(
                message_id=messages[i].id,
                author=person(messages[i]),
                excerpt=excerpt,
                jump_url=messages[i].jump_url,
                reactions=messages[i].reactions,
                replies=replies[i],
                shared=context.context_phrase(messages[i], shown=excerpt),
            )
        )
    return found


def open_questions(analysis: Analysis, limit: int) -> list[OpenQuestion]:
    """Questions still open at the end of the window; the most substantial, oldest first.

    Open means: it asks something (`asking.py`: not a greeting, a tag or a rhetorical turn),
    nobody replied to it or answered it (`analysis.answered`), and the next messages did not
    take it up without the reply button (`answers.py`). Each is shown as its question
    sentence, not as the message's opening. Candidates are read biggest first and the reading
    stops at `limit`: the same choice as reading them all, for the cost of reading a few.
    """
    messages, answered, replies = analysis.messages, analysis.answered, analysis.replies
    # The window's questions are picked out in C: a few hundred of 100,000 messages.
    asked = compress(range(len(messages)), analysis.questions)
    candidates = sorted(
        (i for i in asked if not answered[i] and replies[i] == 0),
        key=lambda i: (-analysis.sizes[i], i),
    )
    chosen: list[tuple[int, str]] = []
    for i in candidates:
        if len(chosen) >= limit:
            break
        shown = _still_open(analysis, i)
        if shown is not None:
            chosen.append((i, shown))
    return [
        OpenQuestion(
            message_id=messages[i].id,
            author=person(messages[i]),
            text=shown,
            asked_at=messages[i].created_at,
            jump_url=messages[i].jump_url,
        )
        for i, shown in sorted(chosen)
    ]


def _still_open(analysis: Analysis, position: int) -> str | None:
    """The question at `position` as a digest shows it, or None if it is no open question."""
    asked = asking.read(analysis.messages[position].content)
    if not asked.asking:
        return None
    shown = asked.excerpt(EXCERPT)
    question = answers.Question(
        position, text.terms(shown), proposes=asked.proposes, where=answers.asks_where(shown)
    )
    return None if answers.taken_up(analysis, question) else shown


def shared_links(messages: Sequence[ChatMessage], limit: int) -> list[Link]:
    """Distinct URLs in the order first shared."""
    found: dict[str, Link] = {}
    for message in messages:
        if "http" not in message.content:
            continue
        for url in text.links(message.content):
            if url not in found:
                found[url] = Link(
                    url=url,
                    message_id=message.id,
                    author=person(message),
                    shared_at=message.created_at,
                )
                if len(found) >= limit:
                    return list(found.values())
    return list(found.values())


def stats(analysis: Analysis, window: Window, top: int = 5) -> Stats:
    """Exact counts; `messages_per_hour` uses at least one hour so short windows don't inflate."""
    messages = analysis.messages
    if not messages:
        return Stats()
    by_author = analysis.author_counts()
    names = analysis.author_names()
    hours = _per_hour(analysis.times)
    hour, busiest_count = min(hours.items(), key=lambda item: (-item[1], item[0]))
    busiest = datetime.fromtimestamp(hour * 3600, UTC)
    span = max((window.end - window.start) / timedelta(hours=1), 1.0)
    first = int(window.start.timestamp()) // 3600
    last = (int(window.end.timestamp()) - 1) // 3600
    activity = (
        [hours.get(h, 0) for h in range(first, last + 1)]
        if last - first < MAX_ACTIVITY_HOURS
        else []
    )
    return Stats(
        message_count=len(messages),
        participant_count=len(by_author),
        top_participants=[
            ParticipantCount(id=author, name=names[author], messages=count)
            for author, count in sorted(by_author.items(), key=lambda item: (-item[1], item[0]))[
                :top
            ]
        ],
        messages_per_hour=round(len(messages) / span, 2),
        busiest_hour=busiest,
        busiest_hour_messages=busiest_count,
        attachment_count=analysis.attachment_count,
        thread_count=len(analysis.thread_ids()),
        conversation_count=len(analysis.conversations),
        activity=activity,
    )


def _per_hour(times: Sequence[float]) -> dict[int, int]:
    """Messages per whole hour since the epoch (`int(at) // 3600`), hours in time order.

    A window's times are sorted, so each hour's messages are a run: one binary search per
    hour that has any, instead of a step per message (a month of chat is 100,000 messages in
    at most 744 hours). Unsorted or pre-1970 times are counted one by one.
    """
    if not times or times[0] < 0 or any(map(operator.gt, times, islice(times, 1, None))):
        return Counter([int(at) // 3600 for at in times])
    counts: dict[int, int] = {}
    start, end = 0, len(times)
    while start < end:
        hour = int(times[start]) // 3600
        # For a time at or after 1970, int(at) < (hour + 1) * 3600 exactly when at is.
        stop = bisect.bisect_left(times, (hour + 1) * 3600, start, end)
        counts[hour] = stop - start
        start = stop
    return counts


def window_of(
    messages: Sequence[ChatMessage], start: datetime | None, end: datetime | None, now: datetime
) -> Window:
    """The caller's window, else the span of the messages (end exclusive), else an empty one."""
    if start is None:
        start = messages[0].created_at if messages else (end or now)
    if end is None:
        end = messages[-1].created_at + timedelta(microseconds=1) if messages else start
    return Window(start=start, end=max(start, end))
