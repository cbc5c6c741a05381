"""`summarizer.frequencies` answers exactly as wordfreq does, with or without `expect`."""

from __future__ import annotations

import itertools
import math
import random
import re
import unicodedata

import pytest
from wordfreq import cB_to_freq, get_frequency_list, zipf_frequency

from summarizer import frequencies, salience, text

# Words wordfreq tokenizes on its own: apostrophes (split before a vowel), digits (smashed to
# zeros), accents, case folding (ß, final sigma), other scripts, symbols, nothing at all.
ODD_WORDS = [
    "",
    "-",
    "a--b",
    "I",
    "K",
    "İstanbul",
    "don't",
    "d'ya",
    "y'know",
    "it’s",
    "rc1",
    "2024",
    "utf8",
    "3.5",
    "1,000",
    "v2.0",
    "café",
    "naïve",
    "straße",
    "ΚΑΙ",
    "μουσικην",
    "προχειρως",
    "日本語",
    "👍",
    "layout_dir",
    "hello world",
    "@s",
]


@pytest.fixture(autouse=True)
def fresh_tables():
    """Each test starts before any English look-up, as a new process does."""

    def reset() -> None:
        frequencies._english.cache_clear()
        frequencies._expected = {}
        frequencies._expected_words = frozenset()

    reset()
    yield
    reset()


def _sample_words(count: int) -> list[str]:
    rng = random.Random(16)
    listed = [word for band in get_frequency_list("en") for word in band]
    plain = rng.sample([w for w in listed if re.fullmatch(r"[a-z]+", w)], count)
    others = rng.sample([w for w in listed if not re.fullmatch(r"[a-z]+", w)], count // 4)
    hyphenated = ["-".join(rng.sample(plain, rng.randint(2, 3))) for _ in range(count // 4)]
    cased = [w.capitalize() for w in plain[: count // 8]] + [w.upper() for w in plain[-50:]]
    unknown = [w + "qzx" for w in plain[:50]]
    return plain + others + hyphenated + cased + unknown + ODD_WORDS


def test_every_answer_is_wordfreqs() -> None:
    for word in _sample_words(4000):
        assert frequencies.english_zipf(word) == zipf_frequency(word, "en"), repr(word)


def test_expected_words_are_answered_without_the_whole_table() -> None:
    words = _sample_words(800)
    frequencies.expect([w.lower() for w in words])
    plain = [w for w in words if re.fullmatch(r"[a-zA-Z]+(?:-[a-zA-Z]+)*", w)]
    for word in plain:
        assert frequencies.english_zipf(word) == zipf_frequency(word, "en"), repr(word)
    assert frequencies._english.cache_info().currsize == 0


def test_a_word_not_expected_reads_the_whole_table() -> None:
    frequencies.expect(["subscription", "the"])
    assert frequencies.english_zipf("papyri") == zipf_frequency("papyri", "en")
    assert frequencies._english.cache_info().currsize == 1
    assert frequencies.english_zipf("subscription") == zipf_frequency("subscription", "en")


def test_expect_is_ignored_once_the_table_is_read() -> None:
    frequencies.english_zipf("papyri")
    frequencies.expect(["subscription"])
    assert not frequencies._expected_words


def test_folded_tables_are_wordfreqs_folded() -> None:
    for language in ("el",):
        listed = get_frequency_list(language)
        expected: dict[str, float] = {}
        for index, band in enumerate(listed):
            band_zipf = round(math.log10(cB_to_freq(-index)) + 9.0, 2)
            for word in band:
                expected.setdefault(text.fold.__wrapped__(word), band_zipf)
        assert list(salience._folded_zipfs.__wrapped__(language).items()) == list(expected.items())


def test_fold_all_is_fold_of_each_word() -> None:
    words = ["ομοίως", "Ϲοφία", "τέλος", "ο̣ντεϲ", "café", "ﬁne", "naïve", "", "x", "ά\u0301"]
    assert text.fold_all(words) == [text.fold.__wrapped__(w) for w in words]
    # More marks than a few: removed by one pattern instead of a replace each.
    many_marks = ["a" + "".join(map(chr, range(0x300, 0x320))), "ο̣ντεϲ", "ἄνθρωπος"]
    assert text.fold_all(many_marks) == [text.fold.__wrapped__(w) for w in many_marks]
    with_break = ["a\nb", "έ"]
    assert text.fold_all(with_break) == [text.fold.__wrapped__(w) for w in with_break]


def test_plain_letters_hold_no_combining_mark() -> None:
    everything = "".join(map(chr, range(0x110000)))
    held = re.findall(f"[{text.PLAIN_LETTER_RANGES}]", everything)
    assert held
    assert not [c for c in held if unicodedata.combining(c)]


def test_band_frequencies_are_wordfreqs() -> None:
    for index in itertools.chain(range(0, 50), range(700, 900)):
        assert frequencies.band_frequency(index) == cB_to_freq(-index)
