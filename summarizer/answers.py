"""Whether the people after a question took it up, with or without Discord's reply.

Chat answers without the reply button: "all caps" a few minutes after "is it all caps or mixed
case?", "nope" after "does it keep thread names?", a link after "where is it?". A question
counts as taken up when, soon after it and in the same channel or thread, someone else

- speaks to its asker (an `@mention`, or a Discord reply to the asker's messages around it);
- uses one of its distinctive words (one that few messages of the window use);
- answers in an answer's shape ("yes…", "no…", "it's…", "I don't know"), among the first
  messages by others; a suggestion ("should we…?") is settled by agreement ("sounds good");
- or posts a link or a file after a question about where to find or see something;

or the asker takes it back ("nevermind, found it").

Only a bounded stretch is read (a number of messages and of minutes), never the rest of the
window: the cost is the number of questions, not their square.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from summarizer import asking, text
from summarizer.analysis import Analysis
from summarizer.models import ChatMessage

# How long after a question a message may still take it up…
TAKEN_UP_WITHIN = timedelta(minutes=30)
# …and how many later messages of its channel or thread are read (at most SCAN of the window).
LOOKAHEAD = 12
SCAN = 120
# An answer's shape only counts among the first messages others write after the question…
SHAPED_AMONG = 3
# …and soon: a "yes" an hour later answers something else.
SHAPED_WITHIN = timedelta(minutes=15)
# The first message by someone else after a silence is read up to this late.
QUIET_WITHIN = timedelta(hours=3)
# A name shorter than this ("Al") is too often a word to count as addressing someone.
MIN_NAME = 3
# The asker's own messages this close to the question are part of it ("I mean this one").
BURST = timedelta(minutes=5)
# A word is distinctive when at most this share of the window's messages use it (or 3).
DISTINCTIVE_SHARE = 0.05
DISTINCTIVE_AT_LEAST = 3

_LEAD = r"^(?:(?:@\S+|hm+|well|oh|ah|so|lol|haha\w*)[\s,.!]*)*"
# How an answer opens: yes or no, a hedge, "I don't know", or "it's…" about what was asked.
_ANSWER = re.compile(
    _LEAD + r"(?:yes|yeah|yep|yup|yea|no|nope|nah|sure|maybe|probably|possibly|definitely|"
    r"absolutely|of course|not (?:really|sure|quite|yet)|i think|i believe|i guess|i doubt|"
    r"i don'?t (?:know|think)|idk|no idea|dunno|it'?s|it is|it was|they are|they'?re|that'?s|"
    r"that is|depends|it depends|correct|exactly|indeed|could be|it could|might be|none|both|"
    r"neither|either|if (?:so|true|that'?s (?:the case|true|right)|that is (?:the case|true)))\b"
)
# How agreeing with a suggestion opens.
_AGREEMENT = re.compile(
    _LEAD + r"(?:yes|yeah|yep|yup|sure|ok|okay|agreed|agree|sounds good|good idea|great idea|"
    r"let'?s|bring it on|why not|go for it|deal|works for me|fine by me|count me in|i'?m in|"
    r"\+1|definitely|absolutely|of course|done)\b|^\W*(?:👍|👌|✅)"
)
# Someone who has the same problem: the question is as open as before.
_ME_TOO = re.compile(
    r"\W*(?:same|\+1|me too|me neither|also seeing|also having|i have the same|i'?m also|"
    r"i also have|seconding|i second)\b|\W*following\W*$"
)
# A question about where something is, or about a picture, is answered by a link or a file.
_WHERE = re.compile(
    r"\b(?:where|link|url|source|send|share|post|find|image|picture|pic|screenshot|photo)\b"
)
_OPENING = re.compile(
    r"(?:(?P<greeting>hey|hi|hello|yo|dear|thanks|thank you)\W+)?(?P<rest>.*)", re.S
)


@dataclass(frozen=True)
class Question:
    """What `taken_up` needs to know of a question besides where it is in the window."""

    position: int
    terms: Sequence[str]  # content terms of the question as shown
    proposes: bool = False  # a suggestion: agreement settles it
    where: bool = False  # asks where something is: a link or a file answers it


def taken_up(analysis: Analysis, question: Question) -> str | None:
    """How others took up a question soon after it was asked, or None if nobody did.

    The answer names the rule ("reply", "addressed", "shared word", "answer", "link",
    "withdrawn"), which is what the tests check. The first message by someone else in a
    channel that was quiet is read even when it comes later than `TAKEN_UP_WITHIN`: after a
    silence, the next person to speak answers what was said last.
    """
    messages = analysis.messages
    asked = messages[question.position]
    place = _place(asked)
    distinctive = _distinctive(analysis, question.terms)
    burst = _asker_burst(messages, question.position)
    others = in_place = 0
    for j in range(question.position + 1, min(len(messages), question.position + 1 + SCAN)):
        later = messages[j]
        waited = later.created_at - asked.created_at
        quiet = others == 0 and waited <= QUIET_WITHIN
        if in_place >= LOOKAHEAD or (waited > TAKEN_UP_WITHIN and not quiet):
            break
        if _place(later) != place:
            continue
        in_place += 1
        if later.author.id == asked.author.id:
            if waited <= TAKEN_UP_WITHIN and asking.withdraws(later.content):
                return "withdrawn"
            if waited <= BURST:
                burst.add(later.id)
            continue
        others += 1
        if later.reply_to is not None:
            if later.reply_to in burst:
                return "reply"
            continue  # it answers someone else's message
        how = _responds(
            analysis,
            j,
            question,
            distinctive,
            first=quiet or (others <= SHAPED_AMONG and waited <= SHAPED_WITHIN),
        )
        if how is not None:
            return how
    return None


def _responds(
    analysis: Analysis, j: int, question: Question, distinctive: frozenset[str], *, first: bool
) -> str | None:
    """Whether message `j` responds to the question, and how."""
    later, asker = analysis.messages[j], analysis.messages[question.position].author
    content = later.content
    said = text.clean(content).lower()
    if _ME_TOO.match(said):
        return None  # "same here" shares the question's words and answers nothing
    if f"<@{asker.id}>" in content or _addresses(said, asker.name):
        return "addressed"
    if distinctive.intersection(analysis.bags[j]):
        return "shared word"
    if not first:
        return None
    shape = _AGREEMENT if question.proposes else _ANSWER
    if not analysis.questions[j] and shape.search(said):
        return "answer"
    if question.where and (later.attachments or "http" in content):
        return "link"
    return None


def _addresses(said: str, name: str) -> bool:
    """Whether a message speaks to someone: `@Name` anywhere, or "Name, …" / "Hey Name" first."""
    name = name.lower()
    if f"@{name}" in said:
        return True
    opening = _OPENING.match(said)
    if opening is None:
        return False
    greeted, rest = opening["greeting"] is not None, opening["rest"]
    for called in {name, name.split()[0].strip(".,") if name.split() else name}:
        if len(called) < MIN_NAME or not rest.startswith(called):
            continue
        after = rest[len(called) : len(called) + 1]
        if after in {",", ":", "!"} or (greeted and after in {"", " ", "."}):
            return True
    return False


def asks_where(shown: str) -> bool:
    """Whether a question asks where something is, or about a picture (a link answers it)."""
    return _WHERE.search(shown.lower()) is not None


def _distinctive(analysis: Analysis, terms: Sequence[str]) -> frozenset[str]:
    """The question's words that few messages of the window use (a shared one is a reply)."""
    total = len(analysis.messages) + 1
    most = max(DISTINCTIVE_AT_LEAST, DISTINCTIVE_SHARE * len(analysis.messages))
    # idf = ln(total / uses) + 1, so "at most `most` uses" is a floor on the idf.
    floor = math.log(total / most) + 1.0
    return frozenset(t for t in terms if analysis.idf.get(t, math.inf) >= floor)


def _asker_burst(messages: Sequence[ChatMessage], position: int) -> set[int]:
    """The asker's messages in the same place just before the question, and the question."""
    question = messages[position]
    place = _place(question)
    burst = {question.id}
    for earlier in reversed(messages[max(0, position - LOOKAHEAD) : position]):
        if question.created_at - earlier.created_at > BURST:
            break
        if earlier.author.id == question.author.id and _place(earlier) == place:
            burst.add(earlier.id)
    return burst


def _place(message: ChatMessage) -> int:
    return message.thread.id if message.thread is not None else message.channel.id
