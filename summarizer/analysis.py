"""One pass over a window that every part of a digest reads: words, conversations, answers, scores.

Built once per summary so topics, highlights, open questions and stats agree with each other
(the same conversations, the same notion of "answered").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from itertools import compress, repeat
from operator import add, attrgetter, is_not, itemgetter
from typing import NamedTuple, TypeVar

from summarizer import text
from summarizer.conversations import Conversation, distinct_frequencies, split_conversations
from summarizer.models import ChannelRef, ChatMessage, ThreadRef
from summarizer.ranking import MessageFacts, centre, score_conversation, vectorise

# A later message counts as the answer to a question only if it comes this soon…
ANSWER_WITHIN = timedelta(hours=2)
# …and within this many messages of the same conversation.
ANSWER_LOOKAHEAD = 6
# An answer says something: "thanks!" or "same here, on macOS too" does not answer anything.
ANSWER_MIN_WORDS = 4
_ME_TOO = ("same", "+1", "me too", "also seeing", "i have the same", "following")


@dataclass
class Analysis:
    """Everything derived from a window's messages (oldest first), index-aligned."""

    messages: Sequence[ChatMessage]
    # Each message's distinct terms, in the order it first uses them.
    bags: list[tuple[str, ...]]
    idf: dict[str, float]
    sizes: list[int]
    conversations: list[Conversation]
    questions: list[bool]
    answered: list[bool]
    answers: list[bool]
    replies: list[int]
    # Each message's author id and time (epoch seconds): read once here for the stats, the
    # overview and the conversations, which would each walk 100,000 messages for them again.
    authors: list[int]
    times: list[float]
    # Each message's reactions plus the replies it drew, which topics and highlights weigh.
    engagement: list[int]
    # The distinct channel and thread objects of the window (None: a message in no thread),
    # and how many files its messages attached, for the stats and the overview.
    channel_refs: list[ChannelRef]
    thread_refs: list[ThreadRef | None]
    attachment_count: int
    # Filled per conversation on demand: only conversations that become topics are ranked,
    # which keeps a 100,000-message window from paying for talk nobody will read about.
    vectors: dict[int, dict[str, float]] = field(default_factory=dict)
    scores: dict[int, float] = field(default_factory=dict)
    # Each ranked conversation's `ranking.centre`, by its first message.
    centres: dict[int, dict[str, float]] = field(default_factory=dict)

    def author_names(self) -> dict[int, str]:
        """Each author's name as their last message gives it (a name can change in a window).

        Read from one message per author: the dict of every message's author name cost a
        walk over the whole window each time it was wanted.
        """
        return self._names

    def author_counts(self) -> Counter[int]:
        """Messages per author id, in the order each first wrote."""
        return self._counts

    def channels(self) -> list[ChannelRef]:
        """The window's channels, each as its first message gives it, in first-seen order."""
        first: dict[int, ChannelRef] = {}
        for channel in self.channel_refs:
            first.setdefault(channel.id, channel)
        return list(first.values())

    def channel_names(self) -> set[str]:
        """Every name the window's channels had (a channel renamed mid-window has two)."""
        return {channel.name for channel in self.channel_refs}

    def thread_ids(self) -> set[int]:
        """The threads the window's messages were posted in."""
        return {thread.id for thread in self.thread_refs if thread is not None}

    # Each worked out once when first asked: the stats and the overview both read them.
    @cached_property
    def _names(self) -> dict[int, str]:
        last = dict(zip(self.authors, range(len(self.authors)), strict=True))
        messages = self.messages
        return {author: messages[p].author.name for author, p in last.items()}

    @cached_property
    def _counts(self) -> Counter[int]:
        return Counter(self.authors)

    def rank(self, conversation: Conversation) -> None:
        """Score a conversation's messages (once) into `scores` and `vectors`."""
        members = conversation.members
        if not members or members[0] in self.scores:
            return
        vectors = [vectorise(self.bags[p], self.idf) for p in members]
        sizes, replies, engagement = self.sizes, self.replies, self.engagement
        questions, answered, answers = self.questions, self.answered, self.answers
        # Made as the tuple it is: `MessageFacts(...)` runs the NamedTuple's `__new__`, a Python
        # function, once per message (a keyword call costs a third more again).
        facts = [
            _MAKE(
                MessageFacts,
                (
                    sizes[p],
                    replies[p],
                    engagement[p] - replies[p],
                    questions[p],
                    answered[p],
                    answers[p],
                ),
            )
            for p in members
        ]
        centroid = self.centres[members[0]] = centre(vectors)
        for p, vector, score in zip(
            members, vectors, score_conversation(vectors, facts, centroid=centroid), strict=True
        ):
            self.vectors[p] = vector
            self.scores[p] = score


# What `analyse` reads of each message, in the order it unpacks them.
_READ = (
    "content",
    "author",
    "created_at",
    "id",
    "reply_to",
    "reactions",
    "thread",
    "channel",
    "attachments",
)
_FIELDS = itemgetter(*_READ)
_ID = attrgetter("id")
_MAKE = tuple.__new__
_T = TypeVar("_T")
_UNSEEN = object()


def _distinct(objects: Sequence[_T]) -> list[_T]:
    """The distinct objects of a long run, by identity, in first-seen order.

    A window's messages share a few channel and thread objects, in long runs: only where the
    object changes is it looked up (a pydantic model's own hash would cost far more).
    """
    found: dict[int, _T] = {}
    last: object = _UNSEEN
    for item in objects:
        if item is not last:
            found.setdefault(id(item), item)
            last = item
    return list(found.values())


def analyse(messages: Sequence[ChatMessage]) -> Analysis:
    """Split, link and score a window of messages sorted oldest first."""
    count = len(messages)
    # Every field the analysis reads of every message is read here, in one walk over the
    # window: at 100,000 messages each walk reaches into memory the loader scattered. A
    # pydantic model keeps its fields in its `__dict__`: one `itemgetter` there reads all of a
    # message's at once (a walk per field, by attribute, cost a fifth more).
    rows = map(_FIELDS, map(vars, messages))
    fields = zip(*rows, strict=True) if count else repeat((), len(_READ))
    contents, people, created, ids, reply_to, reactions, threads, channels, files = fields
    # Each message's terms are its distinct ones: every reader below counts a term once.
    sizes, bags = text.window_terms(contents)
    authors = list(map(_ID, people))
    times = list(map(datetime.timestamp, created))
    position_of = dict(zip(ids, range(count), strict=True))
    # What each message replies to, by position (`position_of` has no None: no reply, None).
    targets: list[int | None] = list(map(position_of.get, reply_to))
    # A conversation stays in its thread, else its channel.
    streams = [(thread or channel).id for thread, channel in zip(threads, channels, strict=True)]
    idf = distinct_frequencies(bags)
    conversations = split_conversations(bags, idf, times, streams, targets)
    replies = [0] * count
    answered = [False] * count
    answers = [False] * count
    # Most messages hold no "?": testing for it here spares them a call.
    questions = [("?" in content) and text.is_question(content) for content in contents]
    for i in compress(range(count), map(is_not, targets, repeat(None))):
        target = targets[i]
        if authors[target] != authors[i]:
            replies[target] += 1
            if questions[target]:
                answered[target] = True
                answers[i] = True
    engagement = list(map(add, reactions, replies))
    # Only questions nobody replied to are looked for: few messages of a window.
    asked = {i for i in compress(range(count), questions) if not answered[i]}
    window = _Window(contents, bags, sizes, authors, created, reply_to, questions)
    for conversation in conversations if asked else ():
        members = conversation.members
        for k in compress(range(len(members)), map(asked.__contains__, members)):
            _answer_by_position(window, answered, answers, members, k)
    return Analysis(
        messages=messages,
        bags=bags,
        idf=idf,
        sizes=sizes,
        conversations=conversations,
        questions=questions,
        answered=answered,
        answers=answers,
        replies=replies,
        authors=authors,
        times=times,
        engagement=engagement,
        channel_refs=_distinct(channels),
        thread_refs=_distinct(threads),
        attachment_count=sum(map(len, files)),
    )


class _Window(NamedTuple):
    """What `_answer_by_position` reads of each message, by position (read once by `analyse`)."""

    contents: Sequence[str]
    bags: Sequence[Sequence[str]]
    sizes: Sequence[int]
    authors: Sequence[int]
    created: Sequence[datetime]
    reply_to: Sequence[int | None]
    questions: Sequence[bool]


def _answer_by_position(
    window: _Window, answered: list[bool], answers: list[bool], members: Sequence[int], k: int
) -> None:
    """Mark the question at `members[k]` answered without a Discord reply: the next speaker answers.

    An answer is a later message in the same conversation, by someone else, soon, that is not
    itself a question, a reply to another message, an acknowledgement or a "me too", and that
    either shares a word with the question or is the very next message from another person.
    """
    contents, bags, sizes, authors, created, reply_to, questions = window
    p = members[k]
    asker, asked_at = authors[p], created[p]
    asked = set(bags[p])
    first_other = True
    for q in members[k + 1 : k + 1 + ANSWER_LOOKAHEAD]:
        if created[q] - asked_at > ANSWER_WITHIN:
            break
        if authors[q] == asker:
            continue
        if (
            reply_to[q] is None
            and not questions[q]
            and sizes[q] >= ANSWER_MIN_WORDS
            and not contents[q].lower().startswith(_ME_TOO)
            and (first_other or asked.intersection(bags[q]))
        ):
            answered[p] = True
            answers[q] = True
            break
        first_other = False
