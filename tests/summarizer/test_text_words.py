"""The fast way to an ASCII text's words finds exactly what the word patterns find."""

from __future__ import annotations

import random

import pytest

from summarizer import text


@pytest.mark.parametrize(
    "sample",
    [
        "ok so the deploy failed again on prod",
        "why is the layout_dir ignored? it's set",
        "'quoted' and __dunder__ and _lead trail_",
        "tabs\tand\nnewlines, commas;semicolons: 42x 0.5 v2-beta",
        "",
        "...",
    ],
)
def test_words_of_chat_are_the_patterns_words(sample: str) -> None:
    lowered = sample.lower()
    assert text._words(lowered) == text._LATIN_WORD.findall(lowered)


def test_words_of_random_ascii_are_the_patterns_words() -> None:
    # Every ASCII character class the blanking table treats apart: letters, digits, the two
    # that continue a word, whitespace of every kind and control bytes.
    alphabet = "abz09 _'\t\n\r\x0b\x0c\x1c\x00\x7f.,?!-:/<>`@#"
    rng = random.Random(14)
    for _ in range(5000):
        sample = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert text._words(sample) == text._LATIN_WORD.findall(sample), repr(sample)


def test_a_windows_terms_are_each_messages_own() -> None:
    # `window_terms` takes one byte translation for plain chat and the careful way for the
    # rest (links, mentions, emoji codes, code, apostrophes, underscores, other scripts):
    # either way a message gets the words and terms it gets alone, each term once.
    alphabet = "abXYZ09 :<`'_\x01-.,?!/hé👍tps@#&"
    rng = random.Random(24)
    samples = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)
    ]
    samples += ["see https://example.com/a_b here", "at 10:30 <@123> said :smile:", "ok 👍 done"]
    sizes, bags = text.window_terms(samples)
    for sample, size, bag in zip(samples, sizes, bags, strict=True):
        words, terms = text.words_and_terms(sample)
        assert (size, bag) == (words, tuple(dict.fromkeys(terms))), repr(sample)


def test_words_of_other_scripts_keep_the_unicode_pattern() -> None:
    lowered = "η πορφύρα ο̣ντεϲ, café!"
    assert text._words(lowered) == text._WORD.findall(lowered)


def test_struck_through_words_are_taken_back():
    assert text.clean("Choose ~~HTML~~ **JSON** format") == "Choose JSON format"
    # Tildes that strike nothing take nothing back (the markup itself goes, as before).
    assert text.clean("about ~~ 5 minutes, ~/notes stays") == "about 5 minutes, ~/notes stays"
