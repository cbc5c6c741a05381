"""Topic titles that name the subject: short noun phrases, as people wrote them.

A title is a phrase taken from the conversation ("Prezi subscription", "low-pass filter"),
never a list of common words. Candidates are runs of one to three content words between
punctuation and stop words, in any order ("iota subscript" is "subscript iota"). A candidate
scores by how many messages use it, how many people, whether the opening messages do, how rare
its words are in general English (`salience.py`: wordfreq's Zipf scale) and how much of the
window's use of its words falls in this conversation (a channel's everyday jargon names no
single topic). A longer phrase nearly as strong replaces one it contains ("iota" → "iota
subscript"); two subjects are never joined into a list ("FFT and rho").

Guards, because rarity alone rewards noise. A phrase needs a word rarer than everyday English
(Zipf under 4.5) and may not start or end with an everyday word. A word in another script
(Greek, Cyrillic, Hebrew, Arabic) is judged in its own language: a channel reading Greek names
its subjects in Greek (πορφυρας, μουσικην), so such a word may be a title when it has six
letters or more, is rare in that language (wordfreq's modern list, compared without accents:
και, τουτο and ομοιως are everyday words) and two people or more write it; the short function
words of older Greek that wordfreq lacks (ωσπερ, απερ) are too short. Greek written in Latin
letters is transliterated back and dropped when it is an everyday Greek word ("touto", "kai",
"kata"). Latin-script words wordfreq does not know (names, typos) count as only moderately
rare, and only when used more than once; participants' names and chat noise ("lmaooo", "tho")
never count. A phrase said once is only a fallback; when nothing qualifies, the title says who
talked ("Chat between Ann and Bo").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from functools import lru_cache
from itertools import chain
from typing import NamedTuple

from summarizer import text
from summarizer.models import ChatMessage
from summarizer.salience import (
    CODE,
    TOKEN,
    URL_OR_NOISE,
    is_chatter,
    is_greek_filler,
    is_latin,
    is_native_subject,
    rarity,
    zipf,
)

# At most this many characters; a phrase is at most this many words.
MAX_TITLE = 60
MAX_WORDS = 3
# Messages read per conversation: a long one says its subject many times over.
SCAN = 60
# A word this frequent in English (Zipf) is common: a phrase needs at least one rarer word…
SALIENT_ZIPF = 4.5
# …and may not begin or end with one this frequent ("new", "good", "work").
EDGE_ZIPF = 5.5
# Words of the first few messages weigh more: chat states its subject early.
OPENING = 3
OPENING_WEIGHT = 1.5
# Endings of adjectives, adverbs and past participles; such a word alone weighs this much.
_MODIFIER = ("ed", "ly", "ible", "able", "ous", "ful", "less", "ish", "ways", "wise")
MODIFIER_WEIGHT = 0.5
# A longer phrase this strong replaces a phrase it contains ("iota" → "iota subscript"). Two
# subjects are never joined: "Encoding and Philodemus" reads as a list of words, not a title.
WIDER = 0.6
# Punctuation ends a phrase; an apostrophe or hyphen inside a word does not. A delimiter is a
# run of punctuation, whitespace then quotes or dashes, quotes or dashes then whitespace, or a
# line break (`[P]+|\s['-]+|['-]+\s|\n`). Written as its first character, then the rest that
# character allows (told by looking back at it), so the engine scans for that character in C
# and starts a match only there, not at every letter (a third less than a leading lookahead).
_PUNCTUATION = r".,;:!?()\[\]{}\"“”‘’«»…/|*_~>=+&"
_CLAUSE = re.compile(
    rf"([{_PUNCTUATION}\s'-]"
    rf"(?:(?<=[{_PUNCTUATION}])[{_PUNCTUATION}]*|(?<=\s)['-]+|(?<=['-])['-]*\s|(?<=\n)))"
)
_SENTENCE_END = re.compile(r"[.!?\n]")


class _Candidate(NamedTuple):
    """One phrase (by its stemmed words): how often, by how many, and how it was written.

    Immutable and flat on purpose: a title reads hundreds of phrases, and a container per
    phrase would cost more in garbage collection than the counting itself.
    """

    messages: int
    # Distinct authors, counted up to three (more add nothing to the score).
    people: int
    # Said in the conversation's first messages, where chat states its subject.
    opening: bool
    # The way it was written most often (ties: the first in sort order).
    form: str


def topic_title(
    messages: Sequence[ChatMessage],
    members: Sequence[int],
    *,
    share: Callable[[str, int], float] | None = None,
    taken: Collection[str] = (),
) -> str:
    """A short noun phrase naming what `members` (positions in `messages`) talked about.

    `share(stem, uses)` says which part of the window's use of a word is in this conversation
    (1 when the window is this conversation); `taken` holds titles (lower case) other topics
    already have, so two topics of one digest are not named alike.
    """
    sample = _sample(members)
    names = _participant_words(messages, sample)
    tally, forms, proper = _candidates(messages, sample, names)
    scale = len(members) / len(sample)
    # A word said in one message counts one use, as `_score` reads a word it is not given.
    uses = Counter({key[0]: t[0] for key, t in tally.items() if len(key) == 1 and t[0] >= 2})
    ranked: list[tuple[float, tuple[str, ...]]] = []
    found: dict[tuple[str, ...], _Candidate] = {}
    # Phrases said once are scored (and made candidates) only when nothing repeated qualifies.
    for repeated in (True, False):
        found = _found(tally, forms, repeated=repeated)
        # Each word's share worked out once: a word is in many phrases ("iota", "iota subscript").
        belongs = None
        if share is not None:
            stems = dict.fromkeys(chain.from_iterable(found))
            belongs = {s: share(s, max(1, round(uses.get(s, 1) * scale))) for s in stems}
        for key, candidate in found.items():
            score = _score(key, candidate, belongs)
            # Most titles are the digest's first of their name: nothing to compare with.
            if score > 0 and (not taken or _shown(candidate, proper).lower() not in taken):
                ranked.append((score, key))
        if ranked:
            break
    ranked.sort(key=lambda item: (-item[0], item[1]))
    if not ranked:
        return _who(messages, members)
    return _fit(_phrase(ranked, found, proper))


def _phrase(
    ranked: Sequence[tuple[float, tuple[str, ...]]],
    found: dict[tuple[str, ...], _Candidate],
    proper: set[str],
) -> str:
    """The best phrase, or a longer one holding it that is nearly as strong."""
    title = _shown(found[ranked[_widen(ranked, 0)][1]], proper)
    return title[0].upper() + title[1:]


def _widen(ranked: Sequence[tuple[float, tuple[str, ...]]], index: int) -> int:
    """A longer phrase holding `ranked[index]` when nearly as strong ("iota subscript", "iota")."""
    score, key = ranked[index]
    for i, (other, longer) in enumerate(ranked):
        if other < WIDER * score:
            break
        if len(longer) > len(key) and set(key) <= set(longer):
            return i
    return index


def _sample(members: Sequence[int]) -> Sequence[int]:
    """At most SCAN members, evenly spread over the conversation."""
    if len(members) <= SCAN:
        return members
    step = len(members) / SCAN
    return [members[int(i * step)] for i in range(SCAN)]


def _participant_words(messages: Sequence[ChatMessage], members: Sequence[int]) -> set[str]:
    """Lower-case words of the participants' names: a title is about a subject, not a person."""
    words: set[str] = set()
    # Each name once: a conversation's sixty messages come from a handful of people.
    for name in {messages[p].author.name for p in members}:
        words.update(w.lower() for w in TOKEN.findall(name))
    return words


# Per phrase: [messages, distinct authors (up to three), said in the opening messages].
_Tally = dict[tuple[str, ...], list]
# Per phrase and a way it was written: how many times it was written so.
_Forms = dict[tuple[tuple[str, ...], str], int]


def _candidates(
    messages: Sequence[ChatMessage], members: Sequence[int], names: set[str]
) -> tuple[_Tally, _Forms, set[str]]:
    """Every phrase of the messages, its forms, and the words capitalised mid-sentence (names)."""
    # One entry per phrase, looked up once per message that says it (a title reads a thousand).
    tally: _Tally = {}
    # Every (phrase, way written) said, counted at the end (in C, first said first).
    written_as: list[tuple[tuple[str, ...], str]] = []
    write = written_as.append
    proper: set[str] = set()
    for number, p in enumerate(members):
        author = messages[p].author.id
        opening = number < OPENING
        seen: set[tuple[str, ...]] = set()
        for run, opens in _runs(messages[p].content, names):
            stems = list(map(_stem, run))
            edges = list(map(_edge, run))
            if not "".join(run).islower():  # a word with a capital, maybe a name
                proper.update(w for k, w in enumerate(run) if w[0].isupper() and (k or not opens))
            for i, j in _spans(len(run)):
                if not (edges[i] and edges[j]):
                    continue
                if i == j:
                    key = (stems[i],)
                    written = (key, run[i])
                elif j == i + 1:
                    # Word order aside, "iota subscript" and "subscript iota" are one subject.
                    a, b = stems[i], stems[j]
                    key = (a, b) if a <= b else (b, a)
                    written = (key, f"{run[i]} {run[j]}")
                else:
                    key = tuple(sorted(stems[i : j + 1]))
                    written = (key, " ".join(run[i : j + 1]))
                write(written)
                if key in seen:
                    continue
                seen.add(key)
                entry = tally.get(key)
                if entry is None:
                    tally[key] = [1, (author,), opening]
                    continue
                entry[0] += 1
                who = entry[1]
                if author not in who and len(who) < 3:
                    entry[1] = (*who, author)
                if opening:
                    entry[2] = True
    return tally, Counter(written_as), proper


def _found(tally: _Tally, forms: _Forms, *, repeated: bool) -> dict[tuple[str, ...], _Candidate]:
    """The phrases said in two messages or more (`repeated`), else those said in one, in order.

    Made apart: most phrases of a conversation are said once, and those are read only when
    nothing repeated names its subject.
    """
    wanted = {key: entry for key, entry in tally.items() if (entry[0] >= 2) == repeated}
    # The way a phrase was written most often; of a single word, a form that names a thing
    # before one that describes ("abbreviations" before "abbreviated", whatever their counts).
    best: dict[tuple[str, ...], tuple[bool, int, str]] = {}
    for (key, form), count in forms.items():
        if key not in wanted:
            continue
        describes = len(key) == 1 and form.lower().endswith(_MODIFIER)
        held = best.get(key)
        if held is None or (describes, -count, form) < (held[0], -held[1], held[2]):
            best[key] = (describes, count, form)
    return {
        key: _Candidate(uses, len(who), early, best[key][2])
        for key, (uses, who, early) in wanted.items()
    }


@lru_cache(maxsize=64)
def _spans(length: int) -> tuple[tuple[int, int], ...]:
    """Every (first, last) word of a phrase of at most MAX_WORDS in a run of `length` words."""
    return tuple((i, j) for i in range(length) for j in range(i, min(i + MAX_WORDS, length)))


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return text.stem(word.lower())


def _runs(content: str, names: set[str]) -> list[tuple[list[str], bool]]:
    """Runs of content words between punctuation and stop words; True if one opens a sentence."""
    # Each substitution only where its pattern could match: most messages have no code, link,
    # mention or emoji code (every one of which holds "`", "http", "<", ":" or "@").
    prose = CODE.sub(" . ", content) if "`" in content else content
    if "http" in prose or "<" in prose or ":" in prose or "@" in prose:
        prose = URL_OR_NOISE.sub(" . ", prose)
    runs: list[tuple[list[str], bool]] = []
    sentence = True
    for number, part in enumerate(_CLAUSE.split(prose)):
        if number % 2:  # a delimiter: does the next clause start a sentence?
            sentence = bool(_SENTENCE_END.search(part))
            continue
        run: list[str] = []
        opens = False
        for position, word in enumerate(part.split()):
            token = _title_token(word)
            # A content word that is not part of a participant's name.
            if token is not None and token.lower() not in names:
                if not run:
                    opens = sentence and position == 0
                run.append(token)
            elif run:
                runs.append((run, opens))
                run = []
        if run:
            runs.append((run, opens))
    return runs


@lru_cache(maxsize=65536)
def _title_token(word: str) -> str | None:
    """The word without the quotes and dashes around it, if it may be part of a title."""
    token = word.strip("'’-")
    return token if _word_may_title(token) else None


def _word_may_title(token: str) -> bool:
    """A word that may be part of a title: a Latin-script content word, not chat or Greek filler."""
    if not token or not TOKEN.fullmatch(token) or not token[0].isalpha():
        return False
    lower = token.lower()
    if len(lower) < 3 and not (token.isupper() and len(token) == 2):
        return False
    if lower in text.STOPWORDS or is_chatter(lower):
        return False
    if not is_latin(lower):
        return is_native_subject(lower)
    return not is_greek_filler(lower)


@lru_cache(maxsize=65536)
def _edge(word: str) -> bool:
    """A phrase may not begin or end with an everyday word ("new invoices table")."""
    return zipf(word.lower()) < EDGE_ZIPF


def _score(key: tuple[str, ...], candidate: _Candidate, belongs: dict[str, float] | None) -> float:
    """Uses × people × rarity × how much the phrase belongs to this conversation; 0 if unfit.

    `belongs` is each stem's `share` of the window's use in this conversation (None: all of it).
    """
    words = candidate.form.split()
    lowered = candidate.form.lower().split()
    # One pass over the words' frequencies (0.0: a word wordfreq does not list); a loop, as a
    # title weighs hundreds of phrases and a generator per test cost a fifth of each.
    known_rare = unknown = False
    for frequency in map(zipf, lowered):
        if frequency == 0.0:
            unknown = True
        elif frequency < SALIENT_ZIPF:
            known_rare = True
    repeated = candidate.messages >= 2
    if not (known_rare or (unknown and repeated)):
        return 0.0
    if unknown and not repeated:
        return 0.0
    # Another script's word is a subject when several people write it, not one person's notes.
    if candidate.people < 2 and not all(map(is_latin, lowered)):
        return 0.0
    rare = sum(map(rarity, words))
    people = 1.0 + 0.5 * (candidate.people - 1)
    belonging = 1.0
    if belongs is not None:
        parts = [belongs[stem] for stem in key]
        belonging = sum(parts) / len(parts)
    # Said in one message only, a phrase is a fallback: anything repeated beats it.
    weight = candidate.messages**0.75 if repeated else 0.2
    opening = OPENING_WEIGHT if candidate.opening else 1.0
    # A lone adjective or adverb ("abbreviated", "legible", "sideways") names no subject.
    modifier = MODIFIER_WEIGHT if len(words) == 1 and lowered[0].endswith(_MODIFIER) else 1.0
    return weight * people * opening * modifier * rare * (0.25 + 0.75 * belonging)


def _shown(candidate: _Candidate, proper: set[str]) -> str:
    """The phrase as people wrote it: names keep their capitals, other words are lower case."""
    return " ".join(w if w in proper or w.isupper() else w.lower() for w in candidate.form.split())


def _fit(title: str) -> str:
    return text.shorten(title, MAX_TITLE)


def _who(messages: Sequence[ChatMessage], members: Sequence[int]) -> str:
    """The fallback: who talked, most active first."""
    counts = Counter(messages[p].author.name for p in members)
    names = [name for name, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    if not names:
        return "Conversation"
    if len(names) == 1:
        return _fit(f"Messages from {names[0]}")
    if len(names) == 2:
        return _fit(f"Chat between {names[0]} and {names[1]}")
    others = len(names) - 2
    return _fit(f"Chat between {names[0]}, {names[1]} and {others} other{'s' * (others > 1)}")


def share_from_idf(idf: dict[str, float], window_size: int) -> Callable[[str, int], float]:
    """`share` for `topic_title` from the window's IDF: uses here ÷ messages using it anywhere."""

    def share(stem: str, uses: int) -> float:
        weight = idf.get(stem)
        if weight is None:
            return 1.0
        anywhere = (window_size + 1) / math.exp(weight - 1.0)
        return min(1.0, uses / max(anywhere, 1.0))

    return share
