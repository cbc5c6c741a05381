"""Patterns rewritten so the regex engine can scan for their first character still match alike.

A pattern that begins with an assertion (`^`, `\\b`, a look back) makes the engine try a match
at every character; written to begin with a character, it is tried only where that character
is. Each such pattern must find exactly what its plain form finds.
"""

from __future__ import annotations

import random
import re

import pytest

from summarizer import phrasing, text

CASES = [
    (
        text._MARKUP,
        re.compile(r"\|\||\*\*|__|~~|`+|^>+\s?", re.M),
        ["a", " ", ">", "\n", "\t", "|", "*", "_", "~", "`", "x", "\r", "\u2028"],
    ),
    (
        phrasing._LOOSE_PUNCTUATION,
        re.compile(r"(?<=\w)\s+([?!.,;:]+)(?=\s|$)"),
        ["a", "b", " ", "\n", "\t", "?", "!", ".", ",", ";", ":", "é", "_", "1", "\u00a0"],
    ),
    (
        phrasing._UR_IS,
        re.compile(
            r"\byour(?=\s+(?:so|very|too|right|welcome|not|gonna|going|such|always|never|kidding"
            r"|joking|really|still|just|the best|a|an)\b)"
        ),
        ["your", "y", "our", " ", "so", "an", "the best", "a", "x", "_", "\n", "é", "1"],
    ),
]


@pytest.mark.parametrize(("fast", "plain", "pieces"), CASES)
def test_a_fast_pattern_matches_where_its_plain_form_does(fast, plain, pieces):
    rng = random.Random(25)
    for _ in range(20_000):
        sample = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        found = [(m.span(), m.groups()) for m in fast.finditer(sample)]
        assert found == [(m.span(), m.groups()) for m in plain.finditer(sample)], repr(sample)
