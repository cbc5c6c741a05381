"""Sentences cut into words that keep their punctuation, so rules can move and replace words.

A chat line is rebuilt from these chunks after the rules ran: each word carries the
punctuation around it, which keeps times (`3:30`), links and settings (`cache_dir = "x"`) whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from summarizer import text
from summarizer.grammar import wordset

_CHUNK = re.compile(r"^([\"'(\[{“‘*_]*)(.*?)([.,!?;:)\]}\"'”’…*_]*)$", re.S)
# "I ' ve", "don ' t": dialogue corpora and some keyboards space out contractions.
_SPACED = re.compile(r"\b(\w+) ?['’] ?(s|t|re|ve|ll|d|m)\b", re.I)
_BARE = {
    "im": "I'm",
    "ive": "I've",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "havent": "haven't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "youre": "you're",
    "whats": "what's",
    "thats": "that's",
}
# Chat spelling of "you": "r u", "u r", "ur" ("you're" before a description, else "your").
_CHAT = {"r u": "are you", "u r": "you are", "ur": "your"}
_CHAT_YOU = re.compile(r"\b(?:r u|u r|ur)\b", re.I)
# Written `y(?<=\by)our`, not `\byour`: a pattern that begins with a character lets the engine
# scan for it in C instead of trying every position (the same below for loose punctuation).
_UR_IS = re.compile(
    r"y(?<=\by)our(?=\s+(?:so|very|too|right|welcome|not|gonna|going|such|always|never|kidding"
    r"|joking|really|still|just|the best|a|an)\b)"
)
_BARE_WORD = re.compile(r"\b(" + "|".join(_BARE) + r")\b", re.I)
# "Mr. White": a full stop that does not end the sentence.
_ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "vs.", "e.g.", "i.e.", "etc.")
# "<file_photo>", "<media omitted>": what an export put where an attachment was.
PLACEHOLDER = re.compile(r"<[a-z_]+(?: [a-z_]+)?>")
# "Really ?", "1st .": punctuation typed apart from its word.
_LOOSE_PUNCTUATION = re.compile(r"\s(?<=\w\s)\s*([?!.,;:]+)(?=\s|$)")
# "For me,the clock…": a comma typed without its space, between two words of letters.
_TIGHT_COMMA = re.compile(r"(?<=[^\W\d_]{2}),(?=[^\W\d_]{2})")
# "p. m.", "J. K.": a single letter before the full stop.
_INITIAL = re.compile(r"(?:^|\s)[A-Za-z]\.$")
_EXPAND = {"'s": "is", "'re": "are", "'d": "did", "'ve": "have"}


@dataclass(frozen=True)
class Chunk:
    """One word with the punctuation before and after it; `subject` marks a known subject."""

    lead: str
    core: str
    trail: str
    subject: bool = False

    def with_core(self, core: str) -> Chunk:
        """The same place in the sentence with other words in it."""
        return replace(self, core=core)

    def with_trail(self, trail: str) -> Chunk:
        """The word with other punctuation after it."""
        return replace(self, trail=trail)

    def bare(self) -> Chunk:
        """The word without its punctuation (it moves to another place in the sentence)."""
        return replace(self, lead="", trail="")

    def as_subject(self) -> Chunk:
        """The word marked as the subject of its clause (after a question is un-inverted)."""
        return replace(self, subject=True)

    def render(self) -> str:
        """The word back as text."""
        return f"{self.lead}{self.core}{self.trail}"


def normalised(content: str) -> str:
    """Cleaned message text with contractions written the usual way."""
    cleaned = PLACEHOLDER.sub(" ", text.clean(content).replace("’", "'"))
    cleaned = _LOOSE_PUNCTUATION.sub(r"\1", cleaned).strip()
    if "," in cleaned and "://" not in cleaned:
        cleaned = _TIGHT_COMMA.sub(", ", cleaned)
    if "'" in cleaned:  # the only apostrophe left (’ became ' above): most lines have none
        cleaned = _SPACED.sub(lambda m: f"{m.group(1)}'{m.group(2).lower()}", cleaned)
    cleaned = _CHAT_YOU.sub(lambda m: _cased(m.group(0), _CHAT[m.group(0).lower()]), cleaned)
    cleaned = _UR_IS.sub("you're", cleaned)
    return _BARE_WORD.sub(lambda m: _cased(m.group(1), _BARE[m.group(1).lower()]), cleaned)


def sentences(content: str) -> list[str]:
    """Sentences of a message, not cut after "Mr." or "e.g."."""
    merged: list[str] = []
    for piece in text.sentences(normalised(content)):
        if merged and (merged[-1].lower().endswith(_ABBREVIATIONS) or _INITIAL.search(merged[-1])):
            merged[-1] += " " + piece
        else:
            merged.append(piece)
    return merged


def chunks(sentence: str) -> list[Chunk]:
    """The words of a sentence, each with its punctuation; "what's" becomes "what is"."""
    found: list[Chunk] = []
    for token in sentence.split():
        match = _CHUNK.match(token)
        lead, core, trail = match.groups() if match else ("", token, "")
        if not core:
            lead, core, trail = "", token, ""
        low = core.lower()
        if not found and "'" in low and low.split("'")[0] in _WH_WORDS:
            head, _, tail = core.partition("'")
            verb = _EXPAND.get("'" + tail.lower())
            if verb:
                found += [Chunk(lead, head, ""), Chunk("", verb, trail)]
                continue
        found.append(Chunk(lead, core, trail))
    return found


def join(items: list[str]) -> str:
    """Items as a list in prose: "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def lower_first(sentence: str, lowered: Callable[[str], bool] | None = None) -> str:
    """Lower-case the first word when it is a common word ("The cache…" -> "the cache…").

    `lowered(word)` says whether the conversation writes a word in lower case elsewhere: then
    "Theme changes…" is "theme changes…", while "Node 20" and "Python 3.12", which it only
    ever capitalises, keep their capital.
    """
    first = sentence.split(" ", 1)[0]
    core = first.strip("\"'(").rstrip(".,!;:").lower()
    common = core in text.STOPWORDS or core in _SOFT_OPENERS or core.endswith("ly")
    if not common and lowered is not None and first[:1].isupper() and first[1:].islower():
        common = core.isalpha() and lowered(core)
    if common and core != "i" and not core.startswith("i'") and first[:1].isupper():
        return sentence[0].lower() + sentence[1:] if sentence[:1].isalpha() else sentence
    return sentence


def _cased(original: str, new: str) -> str:
    return new if original[:1].islower() and new[:1] != "I" else new[0].upper() + new[1:]


# Common words that open a sentence with a capital only because they open it.
_SOFT_OPENERS = wordset(
    "sorry next today tomorrow yesterday tonight now then maybe perhaps probably everyone "
    "nobody someone nothing something everything anyway please good great nice cool new old "
    "last first another every many few several sounds looks seems worth glad happy quite "
    "yes yeah yep yup no nope nah sure welcome help tell always sometimes almost indeed however "
    "actually"
)
_WH_WORDS = frozenset(("what", "when", "where", "why", "how", "who"))
