"""Word-level helpers shared by the extractive engine: terms, sentences, questions, links.

Kept deliberately cheap (one regex pass per message, memoised stemming): the engine must cost
no more than reading the export it summarizes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from functools import lru_cache

from summarizer import mentions

URL = re.compile(r"https?://[^\s<>()\[\]{}\"'`|]+")
_NOISE = re.compile(r"<a?:\w+:\d+>|<[@#!&]+\d+>|:[a-z0-9_+\-]+:|```.*?```", re.S | re.I)
# A word is letters and digits of any script: Greek, Cyrillic or Japanese are words too, or a
# channel that writes them would be invisible to ranking, similarity and conversations.
# Underscores join words (`layout_dir` is one setting, not "layout" and "dir"), and combining
# marks stay inside one (the underdot of a papyrologist's "ο̣ντεϲ" does not cut it in two).
_WORD = re.compile(r"[^\W_][\w'\u0300-\u036f]*")
# The same on ASCII text, faster; questions count only these words (see `is_question`).
_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9_']*")
# Letter forms that are one letter for matching: final and lunate sigma are σ.
_SAME_LETTERS = {"ς": "σ", "ϲ": "σ", "Ϲ": "σ"}
_SAME_LETTER = str.maketrans(_SAME_LETTERS)
# Letters without marks of the scripts word lists are read in (ASCII, Greek, Cyrillic, Hebrew,
# Arabic), and line breaks: no combining mark among them (tests/summarizer/test_frequencies.py).
PLAIN_LETTER_RANGES = "a-zA-Z0-9\n\u0391-\u03a9\u03b1-\u03c9\u0410-\u044f\u05d0-\u05ea\u0621-\u064a"
_PLAIN_LETTERS = re.compile(f"[{PLAIN_LETTER_RANGES}]+")
_FEW_MARKS = 16
# A quote marker is `>` at the start of a line: written as the `>` first, then a look back
# that nothing but a line break stands before it, every alternative begins with a character
# and the engine scans for those in C (`^` first made it try at every character).
_MARKUP = re.compile(r"\|\||\*\*|__|~~|`+|>(?<![^\n]>)>*\s?")
_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(@#])")
_TRAILING_PUNCT = ".,;:!?)]}'\""
# Where a sentence ends inside a text: its stop and closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s|$)")
# Markup around a link is not part of it (`**https://x.org**`), as GitHub's autolinks agree.
_URL_END = _TRAILING_PUNCT + "*_~"
_MARKUP_OR_URL = re.compile(rf"(?P<url>{URL.pattern})|{_MARKUP.pattern}")
# Where a `?` belongs to something quoted, not to the writer: code, then quotation marks
# (a straight or curly single quote only where it cannot be an apostrophe), then brackets.
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_QUOTED = re.compile(
    r"\"[^\"\n]*\"|“[^”\n]*”|„[^“”\n]*[“”]|«[^»\n]*»"
    r"|(?<!\w)'[^\n]*?'(?!\w)|(?<!\w)‘[^\n]*?’(?!\w)"
)
_BRACKETED = re.compile(r"\([^()\n]*\)|\[[^\[\]\n]*\]|\{[^{}\n]*\}")

_STOPWORD_TEXT = """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each few for from further get got had hadn't has
    hasn't have haven't having he he'd he'll he's her here here's hers herself him himself
    his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's me
    more most mustn't my myself no nor not now of off on once only or other ought our ours
    ourselves out over own really same shan't she she'd she'll she's should shouldn't so
    some such than that that's the their theirs them themselves then there there's these
    they they'd they'll they're they've this those through to too under until up very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's
    which while who who's whom why why's will with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves yes yeah yep ok okay oh ah hi hey hello
    thanks thank lol lmm hmm well sure right like one two gonna wanna go going know think
    see want need let make much many thing things way still even maybe might must us im ive
    dont cant didnt doesnt isnt thats whats youre don doesn didn isn wasn aren haven hasn
    won wouldn couldn shouldn
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match `deploy`/`deploys`/`deployed`, not a Porter.

    Accents are dropped first (`πορφύρας` and `πορφυρας`, `café` and `cafe` are one word):
    people type them inconsistently, and a reading written with and without them is the same.
    """
    if not word.isascii():
        word = fold(word)
    if word.endswith("'s"):
        word = word[:-2]
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A word without accents or combining marks, one sigma: how it is matched, not shown."""
    decomposed = unicodedata.normalize("NFKD", word)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).translate(_SAME_LETTER)


def fold_all(words: list[str]) -> list[str]:
    """`fold` of every word, in one pass over the list joined: a word list is folded 5x faster.

    Normalization never reaches across a newline (a starter that composes with nothing), and
    the other steps go letter by letter, so each line comes out as `fold` makes it; a word that
    holds a line break itself is folded on its own.
    """
    joined = "\n".join(words)
    if joined.count("\n") != max(len(words) - 1, 0):  # a word holds a line break
        return [fold.__wrapped__(word) for word in words]
    decomposed = unicodedata.normalize("NFKD", joined)
    # The marks are looked for among what is left once the plain letters are gone: a set of a
    # whole word list makes an object of every letter (three quarters of the fold of Greek).
    rest = _PLAIN_LETTERS.sub("", decomposed)
    marks = [c for c in set(rest) if unicodedata.combining(c)]
    if len(marks) > _FEW_MARKS:
        decomposed = re.sub(f"[{re.escape(''.join(marks))}]+", "", decomposed)
    else:
        # A few marks (Greek's accents and breathings: 6) go faster one replace each.
        for mark in marks:
            decomposed = decomposed.replace(mark, "")
    folded = unicodedata.normalize("NFC", decomposed)
    # A replace per letter form, not `translate`: a dict look-up per letter of a whole word list
    # costs ~10x more, and no replacement yields a letter that another one replaces.
    for form, letter in _SAME_LETTERS.items():
        folded = folded.replace(form, letter)
    return folded.split("\n")


def terms(text: str) -> list[str]:
    """Content terms of a message (stemmed, stop words, links and emoji removed)."""
    return words_and_terms(text)[1]


def words_and_terms(text: str) -> tuple[int, list[str]]:
    """How many words a message has, and its content terms, in one pass."""
    words = _message_words(text)
    cache = _TERM_OF
    found = []
    for word in words:
        term = cache.get(word)
        if term is None:
            if len(cache) > _TERM_CACHE_SIZE:
                cache.clear()
            term = cache[word] = _term(word)
        if term:
            found.append(term)
    return len(words), found


def window_terms(texts: Iterable[str]) -> tuple[list[int], list[tuple[str, ...]]]:
    """Each text's word count and its distinct terms, first use first: a window's in one call.

    The terms are `words_and_terms`' with a repeat dropped: every reader of a window's terms
    (IDF, conversations, tiling, answers, vectors) counts a term once per message, so the
    distinct list is made once here instead of once per reader. A message's words are looked
    up in one `map` over the cache. Tuples: one allocation each, where a list takes two.
    """
    cache = _TERM_OF
    get = cache.get
    sizes: list[int] = []
    bags: list[tuple[str, ...]] = []
    for text in texts:
        # Most chat is ASCII without a link, a mention, an emoji code, code, an apostrophe or
        # an underscore: one byte translation lower-cases it, blanks what is not a word, and
        # marks those five characters, so one test tells it needs none of the careful way.
        data = text.encode("ascii").translate(_LOWER_MARKED) if text.isascii() else b"\x01"
        words = data.decode("ascii").split() if 1 not in data else _message_words(text)
        # Distinct at once: `dict.fromkeys` of the looked-up terms; a word not yet in the cache
        # shows as None (looked up, the message is read again), a word that is no term as "".
        found = dict.fromkeys(map(get, words))
        if None in found:
            if len(cache) > _TERM_CACHE_SIZE:
                cache.clear()
            for word in words:
                if word not in cache:
                    cache[word] = _term(word)
            found = dict.fromkeys(map(get, words))
        found.pop("", None)
        sizes.append(len(words))
        bags.append(tuple(found))
    return sizes, bags


# word -> its term ("" when it is not a content word): a plain dict beats lru_cache here.
_TERM_OF: dict[str, str] = {}


def words_read() -> Collection[str]:
    """Every word (lower case) `window_terms` and `words_and_terms` have read lately."""
    return _TERM_OF.keys()


_TERM_CACHE_SIZE = 200_000


def _term(word: str) -> str:
    if len(word) <= 2 or word in STOPWORDS or word.isdigit():
        return ""
    return stem(word)


def written_lower(word: str, texts: Iterable[str]) -> bool:
    """Whether any of `texts` writes `word` (lower case) in lower case: a common word, not a name.

    As a word, its plural or part of a setting's name (`layouts`, `layout_dir`): a name is
    capitalised every time.
    """
    pattern = re.compile(rf"(?<![^\W_]){re.escape(word)}(?:e?s)?(?![^\W_])")
    return any(word in t and pattern.search(t) for t in texts)


def clean(text: str) -> str:
    """Message text fit for a digest line: one line, no Discord markup, no struck-through words.

    Mentions a source could not name read as `@user`/`@role`/`#channel`, never as an id; links
    keep every character (`__` in an address is part of it, not underline markup).
    """
    # Each substitution only where its pattern could match (most messages have no "`" or "<").
    if "`" in text:
        text = CODE_BLOCK.sub(f" {CODE_MARK} ", text)
    if "~~" in text:
        # Struck through is taken back: "choose ~~HTML~~ **JSON**" says JSON.
        text = _STRUCK.sub(" ", text)
    if "<" in text:
        text = _EMOJI_CODE.sub(r":\1:", text)
    text = mentions.resolve(text)
    unmarked = _MARKUP_OR_URL.sub(_keep_url, text) if "http" in text else _MARKUP.sub("", text)
    return _SPACE.sub(" ", unmarked).strip()


# A fenced code block, and what a digest line shows in its place.
CODE_BLOCK = re.compile(r"```.*?```", re.S)
CODE_MARK = "[code]"
_STRUCK = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.S)
_EMOJI_CODE = re.compile(r"<a?:(\w+):\d+>")


def _keep_url(match: re.Match[str]) -> str:
    url = match["url"]
    if url is None:
        return ""  # markup
    address = url.rstrip(_URL_END)
    return address + _MARKUP.sub("", url[len(address) :])


def sentences(text: str) -> list[str]:
    """Split cleaned text into sentences (a chat message is often one already)."""
    return [s for s in _SENTENCE.split(text) if s]


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut with an ellipsis.

    After a link the ellipsis stands apart: glued to it, it would become part of the address.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    if not URL.search(cut.rsplit(" ", 1)[-1]):
        return cut + "…"
    if len(cut) + 2 > limit:
        cut = text[: limit - 2].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + " …"


def finished(text: str, limit: int, slack: float = 0.25) -> str:
    """`text` cut at `limit` characters, or where the sentence it cuts ends, up to `slack` more.

    A point cut a few words before its sentence ends loses what the sentence was saying
    ("…it helped enable the grand prize last year"); finishing it costs a few characters.
    """
    if len(text) <= limit:
        return text
    end = _SENTENCE_END.search(text, limit - 1)
    if end is None or end.end() > limit * (1 + slack):
        return shorten(text, limit)
    return text[: end.end()]


def leading(text: str, limit: int) -> str:
    """The text's whole leading sentences within `limit` characters, "…" if some are left out.

    A cut mid-sentence drops its end, which is often its point ("…they had about 400 full
    scrolls"); a first sentence longer than `limit` is still cut at a word (`shorten`).
    """
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in sentences(text):
        joined = f"{kept} {sentence}" if kept else sentence
        if len(joined) + 2 > limit:
            break
        kept = joined
    return f"{kept} …" if kept else shorten(text, limit)


def is_question(text: str) -> bool:
    """Whether a message asks something: a question mark in its own prose, not a lone `?`.

    A `?` in a link, in code, in quotation marks or in brackets belongs to what is quoted:
    `git log --oneline?`, he said "why?" and (see ?help) ask nobody anything; nor does one
    between two letters (`o?ti`, a reading's unsure letter).
    """
    if "?" not in text:
        return False
    stripped = _without_links_and_code(text)
    if "?" not in stripped:
        return False
    # `stripped` has no links or code left: `own_words` would only look for them again.
    return "?" in _own_prose(stripped) and _latin_words(stripped) >= 3


def _latin_words(text: str) -> int:
    """How many words `_LATIN_WORD` finds in the lower-cased text (as `_words` finds them)."""
    if text.isascii() and "'" not in text and "_" not in text:
        return len(text.encode("ascii").translate(_LOWER_BLANKED).split())
    return len(_LATIN_WORD.findall(text.lower()))


def own_words(text: str) -> str:
    """The text with what its writer quotes blanked out, every other character in its place.

    Links, code, quotations, brackets (innermost first) and a `?` between two letters become
    spaces of the same length, so a sentence or a `?` found in the result can be cut from
    `text` at the same offsets: `asking.py` splits a message this way.
    """
    return _own_prose(_without_links_and_code(text))


# What may open a quotation or brackets (one search, not a test per mark).
_OPENERS = re.compile("[\"'“‘„«(\\[{]")


def _own_prose(prose: str) -> str:
    """`own_words` of a text whose links and code are already blanked."""
    if _OPENERS.search(prose) is not None:
        prose = _QUOTED.sub(_blank, prose)
        for _ in range(3):  # brackets in brackets: the innermost go first
            unbracketed = _BRACKETED.sub(_blank, prose)
            if unbracketed == prose:
                break
            prose = unbracketed
    # Only a `?` followed by a letter can be one between letters: that search starts from the
    # `?` itself, the substitution's lookbehind from every character.
    if "?" in prose and _MARK_BEFORE_LETTER.search(prose) is not None:
        return _IN_WORD_MARK.sub(" ", prose)
    return prose


# A `?` with a letter on both sides stands for a letter, not for a question.
_IN_WORD_MARK = re.compile(r"(?<=[^\W\d_])\?+(?=[^\W\d_])")
_MARK_BEFORE_LETTER = re.compile(r"\?(?=[^\W\d_])")


def _without_links_and_code(text: str) -> str:
    if "http" in text:
        text = URL.sub(_blank, text)
    return _CODE.sub(_blank, text) if "`" in text else text


def _blank(match: re.Match[str]) -> str:
    return " " * len(match[0])


def links(text: str) -> list[str]:
    """URLs in a message, without trailing punctuation."""
    return [url.rstrip(_TRAILING_PUNCT) for url in URL.findall(text)]


def word_count(text: str) -> int:
    """How many words a person wrote (links and emoji codes not counted)."""
    return len(_message_words(text))


def _message_words(text: str) -> list[str]:
    """A message's words, lower case, without its links, mentions, emoji codes and code."""
    # Each substitution only where its pattern could match: a link holds "http", the rest
    # ":", "<" or "`".
    if "http" in text:
        text = URL.sub(" ", text)
    if ":" in text or "<" in text or "`" in text:
        text = _NOISE.sub(" ", text)
    return _words(text.lower())


def _words(lowered: str) -> list[str]:
    """The words of lower-case text; ASCII text (most chat) takes a faster way to them.

    Without an apostrophe or underscore (which may not start a word), an ASCII text's words
    are its runs of letters and digits: blanking every other byte and splitting finds exactly
    what `_LATIN_WORD` finds, in under two thirds of the regular expression's time, and
    finding words is most of what `words_and_terms` costs.
    """
    if not lowered.isascii():
        return _WORD.findall(lowered)
    if "'" in lowered or "_" in lowered:
        return _LATIN_WORD.findall(lowered)
    return lowered.encode("ascii").translate(_LATIN_BLANKED).decode("ascii").split()


# Every byte that `_LATIN_WORD` cannot hold becomes a space (apostrophe and underscore never
# reach this table: `_words` leaves texts with them to the pattern).
_LATIN_BLANKED = bytes(
    c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789" else 0x20 for c in range(256)
)
# The same, lower-casing ASCII capitals on the way (`window_terms` skips `str.lower`).
_LOWER_BLANKED = bytes(
    ord(chr(c).lower()) if chr(c).isascii() and chr(c).isalnum() else 0x20 for c in range(256)
)
# And marking (0x01) the characters a link, mention, emoji code or code starts with, and the
# apostrophe and underscore, which only `_words`' careful way reads right.
_LOWER_MARKED = bytes(0x01 if chr(c) in ":<`'_" else b for c, b in enumerate(_LOWER_BLANKED))
