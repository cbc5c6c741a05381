"""Who a pronoun in a chat line stands for, and the verb that then agrees with it.

"I'll bring the cake" said by Maria is "Maria will bring the cake"; "can you send it" said to
Tom is about Tom; "we" is "Maria and Tom" in a reply, "Maria's team" in the channel. A repeat in
one sentence becomes "they" only where nobody else was named (`Mentions`). Used by
`statements.py`, which decides what kind of sentence each part of a message is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from summarizer import grammar
from summarizer.grammar import wordset
from summarizer.phrasing import Chunk
from summarizer.questions import PREPOSITIONS, SUBJECTS, WH

# "I 100% agree": a share said before the verb, as an adverb would be.
_PERCENT = re.compile(r"\d{1,3}%")
_YOU_GROUP = wordset("guys all both two folks lot")
# "You would hope…", "you'd think…", "you never know": "you" is anyone, not the addressee.
_ANYONE_VERBS = wordset("hope think expect imagine assume know")
_ANYONE_BEFORE = wordset("would 'd never")
_THEN_HAD = wordset("better been had already never gone done seen got forgotten heard")
# Person words: whom they stand for (S speaker, A addressee, W "we"), their case, and the
# verb fused into them ("I'm" is "I" and "am").
PRONOUNS: dict[str, tuple[str, str, str | None]] = {
    "i": ("S", "subj", None),
    "i'm": ("S", "subj", "am"),
    "i've": ("S", "subj", "have"),
    "i'll": ("S", "subj", "will"),
    "i'd": ("S", "subj", "'d"),
    "me": ("S", "obj", None),
    "my": ("S", "poss", None),
    "mine": ("S", "own", None),
    "myself": ("S", "self", None),
    "you": ("A", "you", None),
    "u": ("A", "you", None),
    "you're": ("A", "subj", "are"),
    "you've": ("A", "subj", "have"),
    "you'll": ("A", "subj", "will"),
    "you'd": ("A", "subj", "'d"),
    "your": ("A", "poss", None),
    "yours": ("A", "own", None),
    "yourself": ("A", "self", None),
    "we": ("W", "subj", None),
    "we're": ("W", "subj", "are"),
    "we've": ("W", "subj", "have"),
    "we'll": ("W", "subj", "will"),
    "we'd": ("W", "subj", "'d"),
    "us": ("W", "obj", None),
    "our": ("W", "poss", None),
    "ours": ("W", "own", None),
    "ourselves": ("W", "self", None),
}
_THEY = {"subj": "they", "obj": "them", "poss": "their", "own": "theirs", "self": "themself"}


@dataclass(frozen=True)
class Voice:
    """Who says a message and, when the chat shows it, to whom."""

    speaker: str
    addressee: str | None = None
    names: frozenset[str] = frozenset()
    # The message opens by mentioning its addressee ("@Ann the notes are late"): "told Ann".
    mentioned: bool = False
    # "We" is the speaker's side, not speaker and addressee (an answer: "we split the index").
    apart: bool = False
    # Whether the conversation writes a word in lower case (`phrasing.lower_first`).
    lowered: Callable[[str], bool] | None = None


@dataclass
class Mentions:
    """Who a sentence named: a repeat may become "they" only where that cannot be misread."""

    last: str | None = None
    named: set[str] = field(default_factory=set)
    said: set[str] = field(default_factory=set)
    # "Maria asked Tom whether they…": the person asked is who "they" means next.
    target: str | None = None
    exclusive: bool = False

    def name(self, role: str) -> None:
        """Record that the text just named a role ("S", "A" or "W")."""
        self.last = role
        self.named.add(role)

    def sentence(self) -> None:
        """A new sentence: pronouns must not reach back across it."""
        self.last, self.target = None, None
        self.named.clear()

    def pronoun(self, role: str) -> bool:
        """Whether a repeat of `role` reads unambiguously as "they"."""
        return self.last == role and (self.named == {role} or self.target == role)


def convert(words: list[Chunk], voice: Voice, mentions: Mentions, initial: bool = True) -> str:
    """Pronouns to people, with the verbs after them agreeing; returns the rebuilt text."""
    out = list(words)
    for i, word in enumerate(words):
        entry = PRONOUNS.get(word.core.lower())
        if entry is None:
            continue
        role, case, aux = entry
        if role == "A" and (
            voice.addressee is None or _next_core(words, i) in _YOU_GROUP or _anyone(words, i)
        ):
            continue
        swapped = inverted(words, i) and case in ("subj", "you")
        if case == "you":
            case = "subj" if (word.subject or swapped or _opens_clause(words, i)) else "obj"
        start = initial and i == 0
        said, number = _refer(role, case, voice, mentions, start)
        agree = grammar.third_person if number == "one" else grammar.plural
        if aux is not None:
            said += " " + _agreed(aux, number, _next_core(words, i))
        elif swapped:
            out[i - 1] = out[i - 1].with_core(agree(out[i - 1].core))
        elif case == "subj" and not word.trail:
            verb = _verb_after(words, i)
            if verb is not None:
                out[verb] = out[verb].with_core(agree(out[verb].core))
        if start and said.split(" ", 1)[0] in _THEY.values():
            said = said[0].upper() + said[1:]
        out[i] = out[i].with_core(said)
    return " ".join(w.render() for w in out)


def _anyone(words: list[Chunk], i: int) -> bool:
    """Whether "you" at i is anyone at all: "You would hope that…", "you never know"."""
    if i + 2 >= len(words) or words[i].trail or words[i + 1].trail:
        return False
    after = words[i + 1].core.lower()
    if words[i].core.lower() == "you'd":
        return after in _ANYONE_VERBS
    return after in _ANYONE_BEFORE and words[i + 2].core.lower() in _ANYONE_VERBS


def inverted(words: list[Chunk], i: int) -> bool:
    """A subject after its auxiliary, as in a quoted question: "do you", "am I", "have we"."""
    if i == 0 or i >= len(words) or words[i - 1].trail:
        return False
    if words[i].core.lower() not in PRONOUNS and words[i].core.lower() not in SUBJECTS:
        return False
    before = words[i - 1].core.lower()
    opens = (
        i == 1
        or bool(words[i - 2].trail)
        or words[i - 2].core.lower() in WH
        or words[i - 2].core.lower() in ("but", "and", "so", "or")
    )
    return opens and before in grammar.AUXILIARIES


def _refer(role: str, case: str, voice: Voice, mentions: Mentions, start: bool) -> tuple[str, str]:
    """How to name a role here, and whether its verb agrees with one person or with "they"."""
    if role == "W" and voice.addressee and mentions.exclusive:
        role = "S"
        case = "poss" if case == "own" else case
    mentions.said.add(role)
    if mentions.pronoun(role) and not start:
        return _THEY[case] if role != "W" or case != "self" else "themselves", "many"
    mentions.name(role)
    if role == "W" and voice.addressee:
        group = f"{voice.speaker} and {voice.addressee}"
        forms = {"poss": f"{group}'s", "own": f"{group}'s", "self": "themselves"}
        return forms.get(case, group), "many"
    if role == "W":
        # "we" in a channel is the speaker's side of it: their team, project or household.
        team = f"{voice.speaker}'s team"
        return {"poss": f"{voice.speaker}'s", "own": f"{team}'s", "self": "themselves"}.get(
            case, team
        ), "one"
    name = voice.speaker if role == "S" else voice.addressee or "you"
    return (f"{name}'s" if case in ("poss", "own") else name), "one"


def _agreed(aux: str, number: str, following: str) -> str:
    if aux == "'d":
        return "had" if following in _THEN_HAD or grammar.is_past(following) else "would"
    if number == "one":
        return grammar.third_person(aux)
    return grammar.plural(aux)


def _opens_clause(words: list[Chunk], i: int) -> bool:
    """Whether "you" at i is a subject: not the object of a verb or preposition, verb after."""
    before = words[i - 1] if i else None
    if before is not None and not before.trail:
        low = before.core.lower()
        if low not in grammar.CLAUSE_OPENERS and (
            low in grammar.TAKES_OBJECT or low in PREPOSITIONS or grammar.is_past(low)
        ):
            return False
    return _verb_after(words, i) is not None


def _verb_after(words: list[Chunk], i: int) -> int | None:
    """The verb of the subject at i: the next word after adverbs, with no punctuation between."""
    j = i + 1
    while j < len(words) and not words[j - 1].trail:
        core = words[j].core
        if (grammar.is_adverb(core) or _PERCENT.fullmatch(core)) and j + 1 < len(words):
            j += 1
            continue
        return j if grammar.may_be_verb(words[j].core) else None
    return None


def _next_core(words: list[Chunk], i: int) -> str:
    return words[i + 1].core.lower() if i + 1 < len(words) and not words[i].trail else ""
