"""Questions as reported speech: "Do you have allergies?" becomes "whether Tom has allergies".

A question is un-inverted by rules: the auxiliary goes after its subject ("are you" -> "you
are", "did you go" -> "you went"), "where is the station" becomes "where the station is", "can
you send it" becomes a request ("to send it"). A subject these rules cannot find (a long noun
phrase after "can") leaves the question quoted as it was asked, which is never wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from summarizer import grammar, text
from summarizer.grammar import wordset
from summarizer.phrasing import Chunk

SUBJECTS = wordset(
    "i you u we they he she it there this that these those everything everyone everybody "
    "anyone anybody anything someone somebody something nobody nothing"
)
_SINGULAR = SUBJECTS - {"i", "you", "u", "we", "they", "these", "those"}
WH = wordset("what when where why how who which whose whom")
_BE = wordset("is are was were am isn't aren't wasn't weren't")
# "is the door open": with no preposition to place the verb before, a subject and complement
# this short are all the verb may be moved behind.
_BE_LAST_WORDS = 4
# Modals whose subject may be a phrase, found by the "be" or "have" after it ("can the build
# be cached" -> "the build can be cached"); a subject longer than _SUBJECT_WORDS is quoted.
_MODAL_BEFORE = wordset("can could will would should might must may shall")
_SUBJECT_WORDS = 5
# "Anyone have…?", "someone know…?": the "does" chat leaves out, and the verbs it goes with.
_ANYONE = wordset("anyone anybody someone somebody everyone everybody")
_ANYONE_DOES = wordset("have know want need use see think remember")
# Verbs an embedded question follows ("does anyone know is there…").
_KNOW = wordset("know knows wonder wondering")
DETERMINERS = wordset(
    "the a an this that these those my your our their his her its some any no every"
)
PREPOSITIONS = wordset("for of in on at with from to about than like by into over under")
# Sentence-initial words that are lower-cased once a question follows "asked".
_LOWERED = text.STOPWORDS | WH | DETERMINERS | SUBJECTS - {"i"}
_PERSONAL = wordset("i me my you your u we our us i'm you're we're i've you've we've")


@dataclass(frozen=True)
class Question:
    """A question ready to follow "asked": its words, and how it joins the sentence."""

    words: list[Chunk]
    # What an answer to it means: "yes_no", "open" (who/what…) or "said" (a request, an idea).
    ends: str = "open"
    quoted: bool = False
    suggest: bool = False


def reported(words: list[Chunk], addressed: bool) -> Question:
    """A question turned into what follows "asked": "whether …", "what time …", "to …".

    `addressed`: the chat shows whom the question is for, so "can you…" is a request to them.
    """
    question = _reported(words, addressed)
    if question.quoted:
        return question
    return replace(question, words=_embedded(question.words))


def _with_dropped_auxiliary(words: list[Chunk]) -> list[Chunk]:
    """What chat leaves out after "anyone": "anyone have…?" has, "anyone else seeing…?" is."""
    k = 2 if len(words) > 2 and words[1].core.lower() == "else" and not words[0].trail else 1
    if k + 1 >= len(words) or words[k - 1].trail:
        return words
    verb = words[k].core
    if verb.lower() in _ANYONE_DOES:
        return [*words[:k], words[k].with_core(grammar.third_person(verb)), *words[k + 1 :]]
    if verb.lower().endswith("ing") and len(verb) > 4:
        return [*words[:k], _word("is"), *words[k:]]
    return words


def _embedded(words: list[Chunk]) -> list[Chunk]:
    """Chat's embedded question: "…know is there a corpus" as "…know whether there is a corpus"."""
    for i in range(len(words) - 2):
        if (
            words[i].core.lower() in _KNOW
            and not words[i].trail
            and not words[i + 1].trail
            and words[i + 1].core.lower() in grammar.AUXILIARIES
            and words[i + 2].core.lower() in SUBJECTS
        ):
            aux, subject = words[i + 1], words[i + 2]
            moved = [_word("whether"), subject.as_subject(), aux.bare().with_trail(subject.trail)]
            return [*words[: i + 1], *moved, *words[i + 3 :]]
    return words


def _reported(words: list[Chunk], addressed: bool) -> Question:
    words = _without_tag(_without_please(words))
    words = _from_question(words)
    lead = words[0].core.lower()
    if lead in ("if", "unless"):
        # "If it is ειν then it should be εἶναι…?": a reasoning put as a question; as written.
        return Question(words, ends="yes_no", quoted=True)
    if words[0].core.istitle() and (lead in _LOWERED or lead in grammar.AUXILIARIES):
        words = [words[0].with_core(lead), *words[1:]]
    second = words[1].core.lower() if len(words) > 1 else ""
    if lead in grammar.AUXILIARIES and len(words) > 1:
        request = lead in ("can", "could", "will", "would") and second in ("you", "u")
        if request and len(words) > 2 and words[2].core.lower() not in ("like", "mind", "be"):
            if addressed:
                return Question([_word("to"), *words[2:]], ends="said")
            return Question([_word("whether anyone could"), *words[2:]], ends="yes_no")
        flat = _uninverted(words, 0)
        if flat is None:
            return Question(words, ends="yes_no", quoted=True)
        return Question([_word("whether"), *flat], ends="yes_no")
    if lead in PREPOSITIONS and second in WH:
        # "To which gate do I go?": the wh-phrase starts with its preposition.
        for k in range(2, min(len(words) - 1, 6)):
            if words[k].core.lower() in grammar.AUXILIARIES:
                flat = _uninverted(words, k)
                return Question(words[:k] + flat) if flat else Question(words, quoted=True)
        return Question(words)
    if lead in WH:
        if second == "about" and len(words) > 2:
            if lead == "how":
                offer = words[3:] if words[2].core.lower() in ("at", "on", "in") else words[2:]
                return Question(offer or words[2:], ends="said", suggest=True)
            return Question([_word("about"), *words[2:]])
        for k in range(1, min(len(words) - 1, 5)):
            if words[k].core.lower() in grammar.AUXILIARIES:
                flat = _uninverted(words, k)
                return Question(words[:k] + flat) if flat else Question(words, quoted=True)
        return Question(words)
    cores = {w.core.lower() for w in words}
    if cores & (SUBJECTS | grammar.AUXILIARIES | _PERSONAL):
        if lead in _ANYONE:
            words = _with_dropped_auxiliary(words)
        return Question([_word("whether"), *words], ends="yes_no")
    first = words[0].core
    if lead in DETERMINERS or lead.endswith("s") or first.isupper():
        if first.istitle() and lead.endswith("s"):
            words = [words[0].with_core(lead), *words[1:]]
        return Question([_word("about"), *words])
    if first.istitle():
        words = [words[0].with_core(lead), *words[1:]]
    return Question([_word("whether it is"), *words], ends="yes_no")


def _from_question(words: list[Chunk]) -> list[Chunk]:
    """Words before an inverted question are left out: "Now have you been asked?" -> "have…"."""
    for k in range(1, min(3, len(words) - 2)):
        if (
            words[k].core.lower() in grammar.AUXILIARIES
            and words[k + 1].core.lower() in SUBJECTS
            and words[0].core.lower() not in WH
            and words[0].core.lower() not in PREPOSITIONS
            and words[0].core.lower() not in _ANYONE  # "anyone else have this problem?"
            and not any(w.core.lower() in grammar.AUXILIARIES for w in words[:k])
        ):
            return words[k:]
    return words


def _word(core: str) -> Chunk:
    return Chunk("", core, "")


def _uninverted(words: list[Chunk], k: int) -> list[Chunk] | None:
    """`aux subject rest` from position k as `subject aux rest`, or None if the subject is long."""
    aux, rest = words[k], list(words[k + 1 :])
    if not rest:
        return None
    low, subject = aux.core.lower(), rest[0].core.lower()
    if low in _MODAL_BEFORE:
        at = _be_or_have(rest)
        if at is not None and at > 1:
            # "can that 8 turned sideways be read as…": the subject runs up to "be".
            head = rest[0].as_subject() if subject in SUBJECTS else rest[0]
            return [head, *rest[1:at], aux.bare().with_core(low), *rest[at:]]
    if subject in SUBJECTS or (rest[0].core[:1].isupper() and subject not in DETERMINERS):
        after = rest[1:]
        if low not in ("do", "does", "did"):
            return [rest[0].as_subject(), aux.bare().with_core(low), *after]
        verb = _first_verb(after)
        if verb is None:
            return None
        if low == "did":
            after[verb] = after[verb].with_core(grammar.base_to_past(after[verb].core))
        elif low == "does":
            after[verb] = after[verb].with_core(grammar.third_person(after[verb].core))
        return [rest[0].as_subject(), *after]
    if low == "do" and subject in DETERMINERS and len(rest) > 2:
        # "do your parents give you…": a plural subject keeps its verb as it is.
        return rest
    if low in _BE and subject in DETERMINERS and "'" not in low and "’" not in low:
        # "where is the station" -> "where the station is"; before a preposition if one follows.
        # Without a preposition the verb goes last, which only reads right after a short
        # subject ("is the door open" -> "the door is open" needs a parser: quote it instead).
        # "Wasn't the dye expensive?" argues more than it asks: it is quoted as written.
        moved = aux.bare().with_core(low)
        if k == 0:
            # A yes/no question ("is the build still failing"): the verb goes after a
            # determiner and its noun when what follows cannot be part of the subject.
            if len(rest) > 2 and _after_subject(rest[2].core):
                return [*rest[:2], moved, *rest[2:]]
            return None
        end = next((i for i in range(2, len(rest)) if rest[i].core.lower() in PREPOSITIONS), None)
        if end is None:
            if len(rest) > _BE_LAST_WORDS:
                return None
            return [*rest[:-1], rest[-1].bare(), moved.with_trail(rest[-1].trail)]
        return [*rest[:end], moved, *rest[end:]]
    return None


def _be_or_have(rest: list[Chunk]) -> int | None:
    """Where "be" or "have" follows a modal's subject (within `_SUBJECT_WORDS`), if it does."""
    for i, word in enumerate(rest[: _SUBJECT_WORDS + 1]):
        low = word.core.lower()
        if low in ("be", "have"):
            return i
        if word.trail or low in grammar.AUXILIARIES or low in PREPOSITIONS:
            return None
    return None


def _after_subject(word: str) -> bool:
    """A word that starts what is said of a subject: an adverb, a participle, a preposition."""
    low = word.lower()
    return (
        grammar.is_adverb(low)
        or grammar.is_past(low)
        or low in PREPOSITIONS
        or (len(low) > 4 and low.endswith("ing"))
    )


def _without_please(words: list[Chunk]) -> list[Chunk]:
    """The question without its "please" (or "pretty please"): the report says "asked"."""
    kept = [w for w in words if w.core.lower() != "please"]
    if len(kept) < len(words):
        # "pretty" right before a dropped "please" goes with it.
        kept = [
            w
            for i, w in enumerate(words)
            if w.core.lower() != "please"
            and not (
                w.core.lower() == "pretty"
                and i + 1 < len(words)
                and words[i + 1].core.lower() == "please"
            )
        ]
    return kept or words


def _first_verb(words: list[Chunk]) -> int | None:
    for i, word in enumerate(words):
        if word.trail and i + 1 < len(words):
            return None
        if not grammar.is_adverb(word.core):
            return i
    return None


def _without_tag(words: list[Chunk]) -> list[Chunk]:
    """Drop a tag ("…, right?", "…, isn't it?", "… or not?") from a question."""
    for size in (1, 2):
        if len(words) > size + 1 and words[-size - 1].trail.endswith(","):
            tag = " ".join(w.core.lower() for w in words[-size:])
            if tag in ("right", "ok", "okay", "yeah", "no", "or not") or (
                size == 2 and tag.split()[0] in grammar.AUXILIARIES
            ):
                return [*words[: -size - 1], words[-size - 1].with_trail("?")]
    if len(words) > 2 and " ".join(w.core.lower() for w in words[-2:]) == "or not":
        return [*words[:-3], words[-3].with_trail("?")]
    return words
