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
from summarizer.models import ChatMessage, KeyPoint, Person
from summarizer.phrasing import sentences

# Messages after a point that may still be a short answer to it.
FOLD_LOOKAHEAD = 3
# Messages after a question searched for the answer it got.
ANSWER_LOOKAHEAD = 6
_ANSWERS = (Kind.YES, Kind.NO, Kind.AGREE)
# An answer whose first sentence has at most this many words is told with its question.
ELLIPTICAL_WORDS = 5
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
    # The conversation's texts, and which words it was found to write in lower case.
    texts: Sequence[str] = ()
    lower_case: dict[str, bool] = field(default_factory=dict)

    def lowered(self, word: str) -> bool:
        """Whether someone here writes `word` (lower case) in lower case (`text.written_lower`).

        Asked only of a capitalised word a statement opens with ("said Theme changes…"), so
        the conversation is searched once per such word, not split into words up front.
        """
        found = self.lower_case.get(word)
        if found is None:
            found = self.lower_case[word] = text.written_lower(word, self.texts)
        return found


def people_of(analysis: Analysis, members: Sequence[int]) -> TopicPeople:
    """Names, authors and message positions of a conversation (one pass)."""
    messages, author_of = analysis.messages, analysis.authors
    authors: dict[int, str] = {}
    index: dict[int, int] = {}
    for k, p in enumerate(members):
        author = author_of[p]
        if author not in authors:  # a name read once per person, not once per message
            authors[author] = messages[p].author.name
        index[messages[p].id] = k
    texts = [messages[p].content for p in members]
    return TopicPeople(members, frozenset(authors.values()), authors, index, texts=texts)


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
    asked: tuple[int, str] | None = None,
) -> KeyPoint:
    """Message p as a point: a third-person statement (English) or its words as written.

    `said` is the part of the message kept (`excerpts.telling`); `limit` caps characters.
    `answer` (position, the part kept) is the reply that answered a question point, reported
    after it: "Ann asked whether the build is cached. Bo said it is, since 2.4.". `asked` is
    the question a short answer needs (`question_answered`), reported before it: "Ken asked
    which Node version the build needs. Tomás said Node 20.".
    """
    message = analysis.messages[p]
    author = facts.person(message)
    if not is_english(said):
        return KeyPoint(
            text=text.shorten(said or "(attachment)", limit),
            message_ids=[message.id],
            authors=[author],
            jump_url=message.jump_url,
            said_at=message.created_at,
        )
    k = people.index[message.id]
    addressee = _addressee(analysis, people, k)
    mentioned = _MENTION.match(message.content) is not None
    voice = statements.Voice(
        author.name, addressee, people.names, mentioned=mentioned, lowered=people.lowered
    )
    reported = _sharing(statements.statement(said, voice), author.name, message, said)
    answers = _answers(analysis, people, k) if reported.ends != "open" else []
    folded = statements.folded(
        reported,
        [(analysis.messages[q].author.name, kind_of(analysis, people, q)) for q in answers],
    )
    if answer is not None and not answers and is_english(answer[1]):
        q, words = answer
        replier = analysis.messages[q].author.name
        voice = statements.Voice(
            replier, author.name, people.names, apart=True, lowered=people.lowered
        )
        reply = statements.statement(words, voice)
        folded = f"{folded} {reply.text}"
        answers = [q]
    cited = [p, *answers]
    if asked is not None and is_english(asked[1]):
        r, words = asked
        asker = analysis.messages[r].author.name
        whom = _addressee(analysis, people, people.index[analysis.messages[r].id])
        voice = statements.Voice(asker, whom, people.names, lowered=people.lowered)
        folded = f"{statements.statement(words, voice).text} {folded}"
        cited.insert(0, r)
    authors: list[Person] = []
    for q in cited:
        person = facts.person(analysis.messages[q])
        if person not in authors:
            authors.append(person)
    first = analysis.messages[cited[0]]
    return KeyPoint(
        text=text.finished(folded, limit),
        message_ids=[analysis.messages[q].id for q in cited],
        authors=authors,
        jump_url=first.jump_url,
        said_at=first.created_at,
    )


def question_answered(analysis: Analysis, people: TopicPeople, p: int, said: str) -> int | None:
    """The question message p answers, when its opening says little without it.

    "Node 20." and "I did last year." answer "which Node version…?" and "has anyone migrated
    from Jekyll?"; alone, a reader cannot tell what they mean. Only the question the chat links
    them to (a reply, to someone else's question in the conversation) is brought in, and only
    when the answer's first sentence is short (ELLIPTICAL_WORDS): an answer that says its
    subject ("Yes, 2.4 moved layouts into the theme folder") needs no question before it.
    """
    message = analysis.messages[p]
    r = people.index.get(message.reply_to) if message.reply_to is not None else None
    if r is None:
        return None
    q = people.members[r]
    if not analysis.questions[q] or analysis.messages[q].author.id == message.author.id:
        return None
    opening = sentences(said)
    first = opening[0].split() if opening else []
    if not first or first[-1].endswith("?") or len(first) > ELLIPTICAL_WORDS:
        return None
    return q


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
