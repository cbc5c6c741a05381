"""How common a word is in English, and whether a message says anything at all.

Salience is judged against general language, not only against the window: wordfreq (offline,
its data ships with the package) gives each word's frequency on the Zipf scale (log10 of uses
per billion words: 7 is "the", about 4 "subscription", 2 "papyri", 0 unknown), and a word of
another script its frequency in that script's language. Titles use it to prefer rare subject
words; key points use `is_filler` to skip messages that say nothing. Its tables are read by
`frequencies.py`, which answers as wordfreq does without paying for wordfreq's import.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from summarizer import text
from summarizer.frequencies import band_frequency, bands, english_zipf, expect

# Rarity is measured below this Zipf value; a word wordfreq does not know counts as this rare.
CEILING = 6.0
UNKNOWN_RARITY = 3.5
# A message with no word rarer than this says nothing on its own ("not all of it makes sense").
FILLER_ZIPF = 5.0
# A message this long says something, whatever its words.
FILLER_MAX_WORDS = 12
# One or two words say something only if one of them is this rare ("Herculaneum?", not "context").
FILLER_SHORT_ZIPF = 3.5


URL_OR_NOISE = re.compile(rf"{text.URL.pattern}|<a?:\w+:\d+>|<[@#!&]+\d+>|:[a-z0-9_+\-]+:|@\S+")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
TOKEN = re.compile(r"[^\W_][\w'’-]*[^\W_]|[^\W_]")
_LAUGH = re.compile(r"^(?:[ah]*h[ah]*a[ah]*|(?:l+o+)+l+|x+d+|a*w+|h+m+|u+h+m*)$")
_REPEATS = re.compile(r"(\w)\1\1")
_CHAT_TEXT = """
    lol lmao lmfao rofl omg omfg btw idk imo imho tbh afaik iirc fyi pls plz thx ty np ngl
    smh wtf brb gg ok okay yeah yep yup nope nah wow yay huh hmm ugh oops haha hehe xd ah oh
    gonna wanna gotta kinda sorta dunno guess stuff thing things lot lots bit something anything
    everything nothing someone anyone everyone also else actually basically probably maybe
    definitely really pretty quite sure thanks thank great good nice cool awesome abt bc cuz
    tho rn atm irl tbf wasnt werent arent hasnt havent hadnt wouldnt couldnt shouldnt wont ill
    id ive youve theyre theres hes shes lemme lemmie gimme fantastic amazing excellent wonderful
    brilliant incredible perfect exciting interesting etc
"""
_CHAT = frozenset(_CHAT_TEXT.split())


def expect_words(words: Iterable[str]) -> None:
    """The words of a window (lower case) whose frequencies `zipf` is about to be asked for."""
    expect(words)


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common a word is in English (Zipf: log10 of uses per billion words; 0 if unknown)."""
    return english_zipf(word)


@lru_cache(maxsize=65536)
def is_latin(word: str) -> bool:
    """Whether every letter of a word is a Latin letter (é and ß included)."""
    return all(
        not ch.isalpha() or ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")
        for ch in word
    )


# Greek written in Latin letters, longest spellings first ("ph" is φ, not π then η).
_GREEK = (
    ("th", "θ"),
    ("ph", "φ"),
    ("kh", "χ"),
    ("ch", "χ"),
    ("ps", "ψ"),
    ("a", "α"),
    ("b", "β"),
    ("g", "γ"),
    ("d", "δ"),
    ("e", "ε"),
    ("z", "ζ"),
    ("h", "η"),
    ("i", "ι"),
    ("k", "κ"),
    ("c", "κ"),
    ("l", "λ"),
    ("m", "μ"),
    ("n", "ν"),
    ("x", "ξ"),
    ("o", "ο"),
    ("p", "π"),
    ("r", "ρ"),
    ("s", "σ"),
    ("t", "τ"),
    ("u", "υ"),
    ("y", "υ"),
    ("f", "φ"),
    ("w", "ω"),
)
# Transliterated Greek this frequent in (modern) Greek is a function word: "touto", "kai", "kata".
GREEK_FILLER_ZIPF = 3.0
# Only words this rare in English are suspected of being Greek ("men" is English).
GREEK_SUSPECT_ZIPF = 4.0


# The language whose frequencies judge a word written in another script than Latin.
_SCRIPT_LANGUAGE = {"GREEK": "el", "CYRILLIC": "ru", "HEBREW": "he", "ARABIC": "ar"}
# A word of another script this frequent in its language is an everyday word there ("και").
NATIVE_FILLER_ZIPF = 3.0
# wordfreq knows the modern language, not its older forms; their function words (ωσπερ,
# ουτως, εστιν) are short, as function words are in every language, and subjects are longer.
NATIVE_MIN_LETTERS = 6


@lru_cache(maxsize=16384)
def script_language(word: str) -> str | None:
    """The wordfreq language of a word's script (Greek, Cyrillic, Hebrew, Arabic), if one."""
    letters = [ch for ch in word if ch.isalpha()]
    if not letters:
        return None
    script = unicodedata.name(letters[0], "").split(" ", 1)[0]
    language = _SCRIPT_LANGUAGE.get(script)
    if language is None or any(not unicodedata.name(ch, "").startswith(script) for ch in letters):
        return None
    return language


@lru_cache(maxsize=16384)
def native_zipf(word: str) -> float | None:
    """How common a word of another script is in its own language (Zipf), None if not one."""
    language = None if is_latin(word) else script_language(word)
    return None if language is None else folded_zipf(word, language)


def folded_zipf(word: str, language: str) -> float:
    """A word's Zipf frequency in `language`, whatever accents it was typed with.

    wordfreq lists words with their accents (ομοίως 3.7) and chat often drops them (ομοιως is
    0.0 as typed), so both are compared without accents; the commonest spelling counts.
    """
    return _folded_zipfs(language).get(_fold(word.lower()), 0.0)


@lru_cache(maxsize=8)
def _folded_zipfs(language: str) -> dict[str, float]:
    """The words wordfreq lists for a language, without accents, each with its highest Zipf.

    Read once per language a window writes in (Greek: 47,000 words, about 0.06 s): wordfreq's
    bands, commonest first, folded in one pass (`text.fold_all`, not `fold`'s cache, which is
    for the window's words), so a spelling's first band is its highest.
    """
    listed = bands(language)
    folded = iter(text.fold_all([word for band in listed for word in band]))
    zipfs: dict[str, float] = {}
    for index, band in enumerate(listed):
        # As get_frequency_dict gives it: band `index` is -index centibels.
        band_zipf = round(math.log10(band_frequency(index)) + 9.0, 2)
        for key in itertools.islice(folded, len(band)):
            if key not in zipfs:
                zipfs[key] = band_zipf
    return zipfs


def _fold(word: str) -> str:
    """`text.fold` without its cache: a look-up must not push out the window's words."""
    return text.fold.__wrapped__(word)


def is_native_subject(word: str) -> bool:
    """Whether a word of another script may name a subject: long, and rare in its language.

    A channel that reads Greek talks about Greek words (πορφυρας, μουσικην); its function
    words (και, της, τουτο) are everyday modern Greek, and the older ones are short.
    """
    frequency = native_zipf(word)
    if frequency is None or sum(ch.isalpha() for ch in word) < NATIVE_MIN_LETTERS:
        return False
    return frequency < NATIVE_FILLER_ZIPF


@lru_cache(maxsize=16384)
def is_greek_filler(word: str) -> bool:
    """Whether a Latin-script word is an everyday Greek word spelled in Latin letters."""
    lower = word.lower()
    if not lower.isascii() or not lower.isalpha() or zipf(lower) >= GREEK_SUSPECT_ZIPF:
        return False
    greek, i = [], 0
    while i < len(lower):
        for latin, letter in _GREEK:
            if lower.startswith(latin, i):
                greek.append(letter)
                i += len(latin)
                break
        else:
            return False
    return folded_zipf("".join(greek), "el") >= GREEK_FILLER_ZIPF


@lru_cache(maxsize=65536)
def rarity(word: str) -> float:
    """How uncommon a word is, 0 (everyday) to 6; unknown English words count as moderate.

    A word of another script is measured in its own language: one modern Greek never uses (an
    ancient form such as προχειρως) is as rare as words get; an unknown Latin-script word is
    as often a name or a typo as a rare word.
    """
    lower = word.lower()
    native = native_zipf(lower)
    if native is not None:
        return max(0.0, CEILING - native)
    frequency = zipf(lower)
    if frequency == 0.0:
        return UNKNOWN_RARITY
    return max(0.0, CEILING - frequency)


def is_filler(content: str) -> bool:
    """Whether a message says nothing a digest could report on its own.

    True for reactions and small talk ("lol", "OMG this looks really good!", "I don't know what
    it is", "not all of it makes sense"): short, and no word rarer than everyday English (one
    or two words need a rare one: "context" alone is filler). Code, another script or twelve
    words or more are never filler. Only words count: a bare link or an image is filler by its
    words, and `context.context_phrase` says what it shared.
    """
    if "`" in content and CODE.search(content):
        return False
    prose = URL_OR_NOISE.sub(" ", content)
    words = TOKEN.findall(prose)
    if not words:
        return True
    if len(words) >= FILLER_MAX_WORDS:
        return False
    bar = FILLER_SHORT_ZIPF if len(words) < 3 else FILLER_ZIPF
    for word in words:
        lower = word.lower()
        if not is_latin(lower):
            return False
        if lower in text.STOPWORDS or is_chatter(lower):
            continue
        frequency = zipf(lower)
        if lower.isdigit() or 0.0 < frequency < bar:
            return False
        if frequency == 0.0 and len(lower) > 3:
            return False
    return True


def is_chatter(lower: str) -> bool:
    """Whether a lower-case word is chat noise: "lol", "hahaha", "lmaooo", "tho", "awesome"."""
    return lower in _CHAT or bool(_LAUGH.match(lower) or _REPEATS.search(lower))
