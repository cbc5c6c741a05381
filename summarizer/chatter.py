"""Telling substance from chatter: greetings, thanks, "lol", and the short yes/no/ok answers.

Chatter never becomes a key point: a digest line "Sam: thanks!" tells a reader nothing. A short
answer is worth something only next to what it answers, so it is classified (yes, no, agreement)
for the point it answers to fold it in ("…, and Sam agreed").
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from summarizer import text
from summarizer.grammar import wordset
from summarizer.phrasing import PLACEHOLDER, Chunk

_GREETING = wordset(
    "hi hello hey hiya yo howdy morning evening afternoon night good bye goodbye cya later see "
    "welcome cheers thanks thank thx ty tysm appreciate appreciated lol lmao lmfao rofl haha "
    "hahaha hehe heh xd omg wow oh ah ahh aw aww hmm hm um uh er excuse me sorry pardon please "
    "np problem you too also here there dear guys all everyone folks again soon take care "
    "anyway anyways well huh c'mon"
)
_YES = wordset("yes yeah yep yup ya yea sure certainly definitely absolutely ok okay k kk")
_NO = wordset("no nope nah")
_AGREE = wordset(
    "agree agreed sounds sound good great fine fantastic perfect awesome nice cool right true "
    "exactly indeed deal makes sense fair enough idea plan same gotcha got it will do works "
    "totally alright of course i it's that's that is a an the so then me +1 lovely brilliant "
    "excellent wonderful interesting noted understood"
)
_SOFT = _GREETING | _YES | _NO | _AGREE
# Content words that still say nothing on their own ("makes sense", "good idea").
_SOFT_TERMS = frozenset(
    text.stem(w) for w in _SOFT | {"sense", "serious", "really", "cool", "idea", "glad"}
)
_NO_PHRASES = ("not really", "i disagree", "i don't think so", "no way", "not at all")
# Said first in a sentence, these only lead into it ("So, …", "Well …", "Also …").
_MARKERS = wordset(
    "so and but well oh um uh also anyway anyways plus hmm ah wow c'mon hey hi hello omg lol "
    "haha hahaha lmao ugh argh meh phew whoa yikes oops"
)
_MARKERS_WITH_COMMA = wordset(
    "yes yeah yep no nope ok okay sure alright right look listen actually honestly basically "
    "great cool fine really now then oh agreed"
)
# "You see, …", "I mean, …": two words that only lead into what follows.
_MARKER_PAIRS = frozenset(
    ("you see", "you know", "i mean", "i guess", "look here", "excuse me", "tell me", "come on")
)
_LAUGHS = wordset("lol lmao lmfao rofl haha hahaha hehe xd omg :) :-) :d")
# How people are addressed at the end of a sentence ("…, sir.").
_ADDRESS = wordset(
    "sir ma'am madam miss mister dear buddy man dude guys everyone folks doctor doc mate bro "
    "honey darling sweetie love"
)
# Words after a vocative: a request or a sentence about the speaker or the person addressed.
_SAID_TO = wordset(
    "you your can could would will do did are is have please let's i i'd i'm i've i'll we "
    "we're we'll there here this that what why how when where who which"
)
# Capitalised words before a comma that are not names ("Yesterday, I…").
_NOT_NAMES = wordset(
    "yesterday today tomorrow tonight however anyway besides meanwhile otherwise finally first "
    "second third still sorry please thanks congratulations look listen wait alright right well"
)
_WORDS = re.compile(r"\+1|[^\W_]+(?:'[^\W_]+)?")
# Greetings that are questions only in form.
_SMALL_TALK = re.compile(
    r"\b(how are you( doing)?( today)?|how's it going|how is it going|what's up|how have you been"
    r"|how are things|nice to meet you|good to see you|long time no see|how do you do"
    r"|(great|good|nice|awesome|amazing) (work|job)|well done|good to know|welcome back)\b",
    re.I,
)
vocabulary = _SOFT


class Kind(StrEnum):
    """What a message does in the conversation, for choosing and folding."""

    CONTENT = "content"
    FILLER = "filler"
    YES = "yes"
    NO = "no"
    AGREE = "agree"


def classify(content: str, names: frozenset[str] = frozenset()) -> Kind:
    """Substance, or a greeting/thanks, a yes, a no or an agreement (English text)."""
    content = _SMALL_TALK.sub(" hello ", PLACEHOLDER.sub(" ", content.replace("’", "'")))
    words = _words(content, names)
    if not words:
        return Kind.FILLER
    first = words[0]
    said = " ".join(words)
    if first in ("thanks", "thank", "thx", "ty") and len(words) <= 10:
        return Kind.FILLER
    if any(ch.isdigit() for ch in said):
        return Kind.CONTENT
    content_free = all(w in _SOFT for w in words) or not (
        set(text.terms(content)) - _SOFT_TERMS - _name_stems(names)
    )
    if not content_free:
        pieces = [p for p in re.split(r"(?<=[.!?])\s+", content) if p.strip()]
        if all(is_filler_sentence(p, names) for p in pieces):
            return Kind.FILLER
        return Kind.CONTENT
    if first in _NO or said.startswith(_NO_PHRASES):
        return Kind.NO
    if first in _YES or said.startswith("of course"):
        return Kind.YES
    if all(w in _SOFT for w in words) and any(w in _AGREE for w in words):
        return Kind.AGREE
    return Kind.FILLER


def is_filler_sentence(sentence: str, names: frozenset[str] = frozenset()) -> bool:
    """A sentence that is only a greeting, thanks, "yes" or "sounds good" (names allowed)."""
    raw = _WORDS.findall(_SMALL_TALK.sub(" hello ", sentence.replace("’", "'")))
    lowered = _lowered(names)
    kept = [w for w in raw if w.lower() not in lowered]
    if not kept:
        return True
    if len(kept) <= 3 and all(w.istitle() for w in kept) and sentence.rstrip()[-1:] != "?":
        return True  # "Holiday Travel.": a name said to open a call or a message
    soft = [w for w in kept if w.lower() in _SOFT or w.lower() in _ADDRESS]
    # "Hey Jimmy.", "Excuse me, Mr. White?": the capitalised rest is whom it greets.
    rest = [w for w in kept if w.lower() not in _SOFT and w.lower() not in _ADDRESS]
    vocative = (
        soft
        and len(rest) <= 2
        and all(w[:1].isupper() and kept.index(w) > 0 for w in rest)
        and len(kept) <= 5
    )
    return not rest or bool(vocative)


def strip_markers(words: list[Chunk], names: frozenset[str] = frozenset()) -> list[Chunk]:
    """Drop what only leads into or trails a sentence: "So,", "You see,", "Tom,", ", sir"."""
    lowered = _lowered(names)
    start = 0
    while start < len(words) - 1:
        pair = f"{words[start].core.lower()} {words[start + 1].core.lower()}"
        comma = words[start + 1].trail.startswith(",")
        if pair in _MARKER_PAIRS and (comma or (pair == "i mean" and start + 2 < len(words))):
            start += 2
        elif _leads_in(words, start, lowered):
            start += 1
        else:
            break
    kept = words[start:]
    while len(kept) > 2 and kept[-1].core.lower() in _LAUGHS:
        kept = [*kept[:-2], kept[-2].with_trail(kept[-2].trail.rstrip(",") + kept[-1].trail)]
    if len(kept) > 2 and kept[-2].trail == ",":
        last = kept[-1].core
        named = last.istitle() and last.isalpha() and last.lower() not in text.STOPWORDS
        if last.lower() in _ADDRESS or last.lower() in lowered or named:
            kept = [*kept[:-2], kept[-2].with_trail(kept[-1].trail)]
    return kept


def _leads_in(words: list[Chunk], start: int, names: frozenset[str]) -> bool:
    """Whether the word at `start` only leads into the sentence ("So", "Well,", "Tom,", "@Tom")."""
    low = words[start].core.lower()
    if low in _MARKERS or words[start].lead.startswith("@") or low.startswith("@"):
        return True
    if not words[start].trail.endswith((",", "!", ".")):
        return False
    return low in _MARKERS_WITH_COMMA or low in names or _vocative(words[start], words[start + 1])


def _vocative(word: Chunk, following: Chunk) -> bool:
    """A name before a comma, then words said to them ("Julia, could you…")."""
    core = word.core
    return (
        word.trail == ","
        and core.istitle()
        and core.isalpha()
        and core.lower() not in text.STOPWORDS
        and core.lower() not in _NOT_NAMES
        and not core.lower().endswith("ly")
        and following.core.lower() in _SAID_TO
    )


def _words(content: str, names: frozenset[str]) -> list[str]:
    lowered = _lowered(names)
    cleaned = _EMOJI.sub(" ", content.lower())
    return [w for w in _WORDS.findall(cleaned) if w not in lowered]


_EMOJI = re.compile(r":[a-z0-9_+\-]+:|<a?:\w+:\d+>")


# A topic's participants are the same names for every message of it (often dozens of them):
# their lower-case forms and stems are worked out once per set of names, not once per call.
@lru_cache(maxsize=256)
def _lowered(names: frozenset[str]) -> frozenset[str]:
    return frozenset(n.lower() for n in names)


@lru_cache(maxsize=256)
def _name_stems(names: frozenset[str]) -> frozenset[str]:
    return frozenset(text.stem(n) for n in names)
