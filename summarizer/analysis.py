"""One pass over a window that every part of a digest reads: words, conversations, answers, scores.

Built once per summary so topics, highlights, open questions and stats agree with each other
(the same conversations, the same notion of "answered").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from summarizer import text
from summarizer.conversations import Conversation, distinct_frequencies, split_conversations
from summarizer.models import ChatMessage
from summarizer.ranking import MessageFacts, score_conversation, vectorise

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
    bags: list[list[str]]
    idf: dict[str, float]
    sizes: list[int]
    conversations: list[Conversation]
    conversation_of: list[int]
    questions: list[bool]
    answered: list[bool]
    answers: list[bool]
    replies: list[int]
    # Each message's author id and time (epoch seconds): read once here for the stats, the
    # overview and the conversations, which would each walk 100,000 messages for them again.
    authors: list[int]
    times: list[float]
    # Filled per conversation on demand: only conversations that become topics are ranked,
    # which keeps a 100,000-message window from paying for talk nobody will read about.
    vectors: dict[int, dict[str, float]] = field(default_factory=dict)
    scores: dict[int, float] = field(default_factory=dict)

    def author_names(self) -> dict[int, str]:
        """Each author's name as their last message gives it (a name can change in a window).

        Read from one message per author: the dict of every message's author name cost a
        walk over the whole window each time it was wanted.
        """
        last = dict(zip(self.authors, range(len(self.authors)), strict=True))
        messages = self.messages
        return {author: messages[p].author.name for author, p in last.items()}

    def rank(self, conversation: Conversation) -> None:
        """Score a conversation's messages (once) into `scores` and `vectors`."""
        members = conversation.members
        if not members or members[0] in self.scores:
            return
        messages = self.messages
        vectors = [vectorise(self.bags[p], self.idf) for p in members]
        facts = [
            MessageFacts(
                words=self.sizes[p],
                replies=self.replies[p],
                reactions=messages[p].reactions,
                question=self.questions[p],
                answered=self.answered[p],
                answers_question=self.answers[p],
            )
            for p in members
        ]
        for p, vector, score in zip(
            members, vectors, score_conversation(vectors, facts), strict=True
        ):
            self.vectors[p] = vector
            self.scores[p] = score


def analyse(messages: Sequence[ChatMessage]) -> Analysis:
    """Split, link and score a window of messages sorted oldest first."""
    sizes: list[int] = []
    bags: list[list[str]] = []
    authors: list[int] = []
    times: list[float] = []
    distincts: list[list[str]] = []
    # No list of (size, bag) pairs: 100,000 surviving tuples would only feed the collector.
    for message in messages:
        size, bag = text.words_and_terms(message.content)
        sizes.append(size)
        bags.append(bag)
        distincts.append(list(dict.fromkeys(bag)))
        authors.append(message.author.id)
        times.append(message.created_at.timestamp())
    idf = distinct_frequencies(distincts)
    conversations = split_conversations(messages, bags, idf, times, distincts)
    conversation_of = [0] * len(messages)
    for conversation in conversations:
        for position in conversation.members:
            conversation_of[position] = conversation.index
    position_of = {m.id: i for i, m in enumerate(messages)}
    replies = [0] * len(messages)
    answered = [False] * len(messages)
    answers = [False] * len(messages)
    # Most messages hold no "?": testing for it here spares them a call.
    questions = [("?" in m.content) and text.is_question(m.content) for m in messages]
    for i, message in enumerate(messages):
        target = position_of.get(message.reply_to) if message.reply_to is not None else None
        if target is not None and messages[target].author.id != message.author.id:
            replies[target] += 1
            if questions[target]:
                answered[target] = True
                answers[i] = True
    for conversation in conversations:
        _answers_by_position(messages, bags, sizes, questions, answered, answers, conversation)
    return Analysis(
        messages=messages,
        bags=bags,
        idf=idf,
        sizes=sizes,
        conversations=conversations,
        conversation_of=conversation_of,
        questions=questions,
        answered=answered,
        answers=answers,
        replies=replies,
        authors=authors,
        times=times,
    )


def _answers_by_position(
    messages: Sequence[ChatMessage],
    bags: Sequence[Sequence[str]],
    sizes: Sequence[int],
    questions: Sequence[bool],
    answered: list[bool],
    answers: list[bool],
    conversation: Conversation,
) -> None:
    """Mark questions answered without Discord's reply feature: the next speaker responds.

    An answer is a later message in the same conversation, by someone else, soon, that is not
    itself a question, a reply to another message, an acknowledgement or a "me too", and that
    either shares a word with the question or is the very next message from another person.
    """
    members = conversation.members
    for k, p in enumerate(members):
        if not questions[p] or answered[p]:
            continue
        asker = messages[p].author.id
        asked = set(bags[p])
        first_other = True
        for q in members[k + 1 : k + 1 + ANSWER_LOOKAHEAD]:
            later = messages[q]
            if later.created_at - messages[p].created_at > ANSWER_WITHIN:
                break
            if later.author.id == asker:
                continue
            if (
                later.reply_to is None
                and not questions[q]
                and sizes[q] >= ANSWER_MIN_WORDS
                and not later.content.lower().startswith(_ME_TOO)
                and (first_other or asked.intersection(bags[q]))
            ):
                answered[p] = True
                answers[q] = True
                break
            first_other = False
