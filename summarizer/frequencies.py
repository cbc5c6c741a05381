"""Word frequencies from wordfreq's own tables, read straight from the files it ships.

Asking wordfreq (`zipf_frequency(word, "en")`) costs a command about 0.25 s before its first
answer: importing wordfreq brings ftfy, langcodes and regex (~0.1 s), `get_frequency_list` asks
langcodes for the nearest language, and the first look-up turns the 321,000 English words into
a dict of floats in a Python loop (~0.1 s). A digest asks about a few hundred words, nearly all
plain lower-case letters, which wordfreq's tokenizer keeps whole (Unicode word boundaries never
fall between two ASCII letters) or splits at hyphens (they always do around one). Those are
answered here from the same file with wordfreq's own arithmetic; any other word (digits,
apostrophes, accents, another script) goes through wordfreq's tokenizer, imported only then.
`tests/summarizer/test_frequencies.py` holds every answer to wordfreq's.
"""

from __future__ import annotations

import gzip
import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import msgspec

# Words wordfreq's English tokenizer keeps whole, or splits exactly at their hyphens.
_PLAIN = re.compile(r"[a-z]+(?:-[a-z]+)*")
# zipf_frequency's default floor (`zipf_to_freq(0.0)`): what a word not in the list gets.
_MINIMUM = 10**0.0 / 1e9
# A run of digits wordfreq replaces with zeros (its MULTI_DIGIT_RE, on ASCII digits).
_DIGITS = re.compile(r"[0-9][0-9.,]+")
_PIECE = re.compile(r"[^\W_]+")


def _zeros(match: re.Match[str]) -> str:
    return re.sub(r"[0-9]", "0", match.group())


def _data_dir() -> Path:
    """The data folder of wordfreq, found without importing it (its import is the cost)."""
    spec = find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("wordfreq is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@lru_cache(maxsize=8)
def bands(language: str) -> list[list[str]]:
    """The "best" wordfreq list of a language (its large list if it ships one, else the small).

    Band `i` holds the words used -`i` centibels often (wordfreq's `read_cBpack` format:
    a gzipped msgpack list, a header first). Decoded by msgspec, about twice as fast as msgpack.
    """
    data = _data_dir()
    paths = [data / f"{size}_{language}.msgpack.gz" for size in ("large", "small")]
    path = next((p for p in paths if p.exists()), None)
    if path is None:
        raise LookupError(f"wordfreq has no word list for {language!r}")
    decoded = msgspec.msgpack.decode(gzip.decompress(path.read_bytes()))
    header = decoded[0]
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"{path}: unexpected header {header!r}")
    return decoded[1:]


def band_frequency(index: int) -> float:
    """The frequency of band `index`, as wordfreq computes it (`cB_to_freq(-index)`)."""
    return 10 ** (-index / 100)


@lru_cache(maxsize=1)
def _english() -> dict[str, int]:
    """Each English word's band; a word listed twice keeps its last, as in wordfreq's dict."""
    table: dict[str, int] = {}
    for index, band in enumerate(bands("en")):
        table.update(dict.fromkeys(band, index))
    return table


# The bands of the words `expect` was told of, and those words: until a word outside them is
# asked for, the whole table (a dict of 321,000 words, ~0.06 s to build) is not made.
_expected: dict[str, int] = {}
_expected_words: frozenset[str] = frozenset()


def expect(words: Iterable[str]) -> None:
    """Look up, in one pass over the table, the words a summary is about to ask for.

    Hashing each of the table's words once to test it against a window's few thousand costs a
    quarter of putting all of them in a dict. Only the first call before the table is needed
    does anything: later windows (the bot's) go to the whole table when they ask for more.
    """
    global _expected, _expected_words
    if _expected_words or _english.cache_info().currsize:
        return
    wanted = set(words)
    # wordfreq's tokens of a word that is not plain letters: its case-folded form (a final
    # sigma is σ), its pieces between underscores and the like, and numbers with their digits
    # as zeros (`smash_numbers`: "2024" is "0000"). A token missed only costs the whole table.
    odd = [word for word in wanted if not word.isascii() or not word.isalpha()]
    folded = [unicodedata.normalize("NFC", word).casefold() for word in odd]
    wanted.update(folded)
    wanted.update([piece for word in folded for piece in _PIECE.findall(word)])
    wanted.update([_DIGITS.sub(_zeros, word) for word in folded if _DIGITS.search(word)])
    found: dict[str, int] = {}
    for index, band in enumerate(bands("en")):
        for word in wanted.intersection(band):
            found[word] = index  # a later band wins, as in the whole table
    _expected, _expected_words = found, frozenset(wanted)


def _index(word: str) -> int | None:
    """The band of an English word, or None when wordfreq does not list it."""
    if word in _expected_words:
        return _expected.get(word)
    return _english().get(word)


def _zipf_of(frequency: float) -> float:
    """The rounding wordfreq does: three significant digits, then the Zipf scale to 0.01."""
    unrounded = max(frequency, _MINIMUM)
    leading_zeroes = math.floor(-math.log(unrounded, 10))
    return round(math.log(round(unrounded, leading_zeroes + 3), 10) + 9, 2)


UNKNOWN_ZIPF = round(math.log(_MINIMUM, 10) + 9, 2)


def _combined(frequencies: list[float]) -> float:
    """The Zipf of a word made of several tokens: 1/f = 1/f1 + 1/f2 + … (wordfreq's formula)."""
    one_over_result = 0.0
    for frequency in frequencies:
        one_over_result += 1.0 / frequency
    return _zipf_of(1.0 / one_over_result)


@lru_cache(maxsize=1024)
def _band_zipf(index: int) -> float:
    return _combined([band_frequency(index)])


def english_zipf(word: str) -> float:
    """`wordfreq.zipf_frequency(word, "en")`, exactly, without wordfreq for plain words."""
    lower = word.lower()
    if not word.isascii() or not _PLAIN.fullmatch(lower):
        return _tokenized_zipf(word)
    if "-" not in lower:
        index = _index(lower)
        return UNKNOWN_ZIPF if index is None else _band_zipf(index)
    frequencies = []
    for part in lower.split("-"):
        index = _index(part)
        if index is None:
            return UNKNOWN_ZIPF
        frequencies.append(band_frequency(index))
    return _combined(frequencies)


def _tokenized_zipf(word: str) -> float:
    """Any other word, tokenized by wordfreq itself (`_word_frequency`, on this table)."""
    from wordfreq.numbers import digit_freq, smash_numbers
    from wordfreq.tokens import lossy_tokenize

    tokens = lossy_tokenize(word, "en")
    if not tokens:
        return UNKNOWN_ZIPF
    frequencies = []
    for token in tokens:
        smashed = smash_numbers(token)
        index = _index(smashed)
        if index is None:
            return UNKNOWN_ZIPF
        frequency = band_frequency(index)
        if smashed != token:
            # wordfreq lists a number's digits as zeros and spreads their frequency by its own
            # estimate of that digit sequence.
            frequency *= digit_freq(token)
        frequencies.append(frequency)
    return _combined(frequencies)
