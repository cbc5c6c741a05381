"""A topic's chosen messages as key points: statements that name who said what, to whom.

The conversation says whom a message speaks to (the message it replies to, the other person of
a two-person exchange) and which short answers it got ("sure", "no") right after it or by
reply. Those answers are folded into the point and cited with it; chatter is never a point.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from summarizer import context, facts, statements, text
from summarizer.analysis import Analysis
from summarizer.chatter import Kind
from summarizer.language import is_english
from summarizer.models import ChatMessage, KeyPoint

# Messages after a point that may still be a short answer to it.
FOLD_LOOKAHEAD = 3
# Messages after a question searched for the answer it got.
ANSWER_LOOKAHEAD = 6
_ANSWERS = (Kind.YES, Kind.NO, Kind.AGREE)
# "@Tom can you…": a message that opens by mentioning someone speaks to them.
_MENTION = re.compile(r"\s*@([^\s,:;!?]+)")


@dataclass
class TopicPeople:
    """Who takes part in one conversation, and where its messages are (for replies)."""

    members: Sequence[int]
    names: frozenset[str]
    authors: dict[int, str]
    index: dict[int, int]
    kinds: dict[int, Kind] = field(default_factory=dict)


def people_of(analysis: Analysis, members: Sequence[int]) -> TopicPeople:
    """Names, authors and message positions of a conversation (one pass)."""
    messages = analysis.messages
    authors: dict[int, str] = {}
    index: dict[int, int] = {}
    for k, p in enumerate(members):
        authors.setdefault(messages[p].author.id, messages[p].author.name)
        index[messages[p].id] = k
    return TopicPeople(members, frozenset(authors.values()), authors, index)


def kind_of(analysis: Analysis, people: TopicPeople, p: int) -> Kind:
    """Whether message p has substance or is chatter/an answer (computed once, when asked)."""
    found = people.kinds.get(p)
    if found is None:
        found = people.kinds[p] = statements.kind(analysis.messages[p].content, people.names)
    return found


def key_point(
    analysis: Analysis,
    people: TopicPeople,
    p: int,
    said: str,
    limit: int,
    answer: tuple[int, str] | None = None,
) -> KeyPoint:
    """Message p as a point: a third-person statement (English) or its words as written.

    `said` is the part of the message kept (`excerpts.telling`); `limit` caps characters.
    `answer` (position, the part kept) is the reply that answered a question point, reported
    after it: "Ann asked whether the build is cached. Bo said it is, since 2.4.".
    """
    message = analysis.messages[p]
    author = facts.person(message)
    if not is_english(said):
        return KeyPoint(
            text=text.shorten(said or "(attachment)", limit),
            message_ids=[message.id],
            authors=[author],
            jump_url=message.jump_url,
        )
    k = people.index[message.id]
    addressee = _addressee(analysis, people, k)
    mentioned = _MENTION.match(message.content) is not None
    voice = statements.Voice(author.name, addressee, people.names, mentioned=mentioned)
    reported = _sharing(statements.statement(said, voice), author.name, message, said)
    answers = _answers(analysis, people, k) if reported.ends != "open" else []
    folded = statements.folded(
        reported,
        [(analysis.messages[q].author.name, kind_of(analysis, people, q)) for q in answers],
    )
    if answer is not None and not answers and is_english(answer[1]):
        q, words = answer
        replier = analysis.messages[q].author.name
        voice = statements.Voice(replier, author.name, people.names, apart=True)
        reply = statements.statement(words, voice)
        folded = f"{folded} {reply.text}"
        answers = [q]
    authors = [author]
    for q in answers:
        person = facts.person(analysis.messages[q])
        if person not in authors:
            authors.append(person)
    return KeyPoint(
        text=text.finished(folded, limit),
        message_ids=[message.id, *(analysis.messages[q].id for q in answers)],
        authors=authors,
        jump_url=message.jump_url,
    )


def _sharing(
    reported: statements.Statement, name: str, message: ChatMessage, said: str
) -> statements.Statement:
    """The statement with what the message shared: "Ann shared an image and said it is dyed".

    "Murex purple looks like this" means nothing without the image it came with; a link the
    quoted words already show is not named twice (`context.context_phrase`).
    """
    shared = context.context_phrase(message, shown=said)
    if shared is None:
        return reported
    if not text.clean(said):
        return statements.Statement(f"{name} {shared}.")
    lead = f"{name} "
    if reported.text.startswith(lead):
        # "shared an image and a link, and said…": one "and" per list.
        joiner = ", and" if " and " in shared else " and"
        rest = reported.text[len(lead) :]
        return statements.Statement(f"{lead}{shared}{joiner} {rest}", reported.ends)
    return statements.Statement(f"{name} {shared}. {reported.text}", reported.ends)


def answer_to(analysis: Analysis, people: TopicPeople, p: int) -> int | None:
    """The reply that answers question p in its conversation, if one does and says something.

    Only an answer the chat links to its question (Discord's reply, by someone else, within a
    few messages) is reported with it: a guessed answer shown as the answer would mislead. A
    reply that asks back, or opens by naming someone else ("@Ann let me know…"), answers nothing.
    """
    if not analysis.questions[p] or not analysis.replies[p]:
        return None
    messages, members = analysis.messages, people.members
    question = messages[p]
    k = people.index[question.id]
    for q in members[k + 1 : k + 1 + ANSWER_LOOKAHEAD]:
        later = messages[q]
        if later.author.id == question.author.id or later.reply_to != question.id:
            continue
        named = _MENTION.match(later.content)
        if named and named.group(1) != question.author.name:
            continue
        if not analysis.questions[q] and kind_of(analysis, people, q) is Kind.CONTENT:
            return q
    return None


def _addressee(analysis: Analysis, people: TopicPeople, k: int) -> str | None:
    """Whom the message at k speaks to, when the chat shows it; else None ("you" stays)."""
    messages, members = analysis.messages, people.members
    message = messages[members[k]]
    speaker = message.author.id
    if message.reply_to is not None:
        j = people.index.get(message.reply_to)
        if j is not None and messages[members[j]].author.id != speaker:
            return messages[members[j]].author.name
    mentioned = _MENTION.match(message.content)
    if mentioned:
        name = mentioned.group(1)
        return name if name in people.names else f"@{name}"
    others = [name for author, name in people.authors.items() if author != speaker]
    if len(people.authors) == 2 and len(others) == 1:
        return others[0]
    before = messages[members[k - 1]].author if k > 0 else None
    after = messages[members[k + 1]].author if k + 1 < len(members) else None
    # A two-person exchange inside a busier conversation: B answers A, then A answers B.
    if before is not None and before.id != speaker and (after is None or after.id == before.id):
        return before.name
    return None


def _answers(analysis: Analysis, people: TopicPeople, k: int) -> list[int]:
    """Short answers to the message at k: right after it, or replying to it, by others."""
    messages, members = analysis.messages, people.members
    point = messages[members[k]]
    found: list[int] = []
    next_in_line = True
    for q in members[k + 1 : k + 1 + FOLD_LOOKAHEAD]:
        message = messages[q]
        if message.author.id == point.author.id:
            next_in_line = False
            continue
        direct = message.reply_to == point.id
        in_line = next_in_line and message.reply_to is None
        if (direct or in_line) and kind_of(analysis, people, q) in _ANSWERS:
            found.append(q)
        else:
            next_in_line = False
    return found
