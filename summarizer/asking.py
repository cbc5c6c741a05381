"""What a message asks: the sentences that ask something, and how a digest shows them.

A chat message is often a paragraph with its question somewhere in the middle, so a digest
shows that question (with the sentence before it when it does not stand alone), never just
the message's opening. And not every `?` asks: a greeting ("how are you?"), a tag on a
statement ("…, right?", "y'know?"), a set phrase ("who knows?") or a question tucked into an
argument the writer goes on making asks nothing that could stay open. Rules, no model; only
messages that `text.is_question` accepts are read, so a window pays for its questions only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from summarizer import text

# Sentences end at . ! ? … before a space, and at line breaks (chat writes one per line).
_BOUNDARY = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")
# "e.g. this" or "St. Orkuk" is not the end of a sentence.
_ABBREVIATION = re.compile(r"(?:^|\W)(?:e\.g|i\.e|vs|cf|mr|mrs|ms|dr|st|approx|ca)\.$", re.I)
# Emoji written as codes at the end of a sentence: `<:hmm:123>`, `:thinking:`.
_EMOJI_CODE = re.compile(r"(?:<a?:\w+:\d+>|:[a-z0-9_+\-]+:)\s*$", re.I)
# Words that point back: "Is it a disease then?" needs the sentence before it.
_LEANS_BACK_TEXT = """
    it its it's this that these those they them he she him her so and but or then also
    same such there's
"""
_LEANS_BACK = frozenset(_LEANS_BACK_TEXT.split())
# A question that is this short says too little without the sentence before it.
_STANDS_ALONE_WORDS = 5
# Context shorter than this (once cut to fit) would be a fragment: the question goes alone.
_MIN_CONTEXT = 40
# The opening words of a question proper (an auxiliary or a question word).
_QUESTION_START_TEXT = """
    who whom whose what which when where why how is are am was were do does did can could will
    would shall should may might must have has had isn't aren't wasn't weren't don't doesn't
    didn't can't couldn't won't wouldn't shouldn't haven't hasn't any anyone anybody what's
    where's who's how's whats wheres hows
"""
_QUESTION_START = frozenset(_QUESTION_START_TEXT.split())
_LEAD_IN = re.compile(r"^(?:(?:so|and|but|also|ok|okay|well|oh|hey|hi|hello|anyway)\b[\s,!.]*)+")
_GREETING = re.compile(
    r"\b(?:how (?:are|r) (?:you|u|ya|y'?all|you all|you guys|things|everyone|everybody)"
    r"(?: (?:doing|going|holding up|today|all))*|how'?s (?:it going|everyone|everybody|things|"
    r"life|your (?:day|week|weekend))|how is (?:it going|everyone|everybody)|"
    r"how (?:have|'ve) you been|what'?s (?:up|new|good)|wassup|sup|how (?:you|u) doing|"
    r"how was your (?:day|week|weekend|trip))(?:[\s,]+[\w@']+){0,2}\W*$"
)
_GREETING_WORDS = 8
# A tag that asks the reader to agree with the statement before it.
_TAG = re.compile(
    r"(?:^|[,;–—-]\s*)(?:no|right|eh|yeah|y'?know|you know|ya know|isn'?t it|aren'?t they|"
    r"innit|huh|amirite|am i right|don'?t you think|wouldn'?t you say|don'?t we|didn'?t we)"
    r"\W*$"
)
_RHETORICAL = re.compile(
    r"^(?:who knows|who cares|what could (?:possibly )?go wrong|what else is new|guess what|"
    r"how (?:cool|awesome|amazing|great|crazy|wild) is that|who would(?: have|'ve) thought|"
    r"what'?s not to (?:like|love)|know what i mean|see what i mean|why (?:not|bother) indeed|"
    r"(?:yeah|yes|yep|sure|ok|okay)\W+why not)"
    r"\W*$"
)
# "let's move this to #offtopic?" or "you might want to post it there?" tells, asks nothing.
_ADVISES = re.compile(r"(?:maybe |perhaps )?(?:let'?s|you (?:might|may) want to)\b")
_MENTION = re.compile(r"@\S+")
# The asker takes the question back: "Edit: nevermind, I just saw…", "found it".
_WITHDRAWN = re.compile(
    r"\b(?:never ?mind|nvm|found it|figured it out|got it working|solved it|sorted it out|"
    r"ignore (?:that|this|me|my (?:last|previous) (?:message|question)))\b"
)
# Words of a message that argues a point: a question in the middle of one is rhetorical.
_ARGUES = re.compile(
    r"\b(?:i think|i believe|i know|i'?d argue|i'?d say|the (?:issue|problem|point|thing) is|"
    r"in my (?:opinion|view)|imo|imho|i disagree|my point)\b"
)
_ARGUMENT_WORDS = 40
# Questions that propose: settled by someone agreeing, not by an answer.
_PROPOSES = re.compile(
    r"^(?:why not|why don'?t (?:we|you|i)|should (?:we|i)|shall (?:we|i)|how about|what about|"
    r"what if (?:we|you|i)|maybe (?:we|you|i) (?:should|could|can)|could (?:we|i tempt)|"
    r"can we|wanna|want to|would (?:you|anyone) (?:like|want)|do you want to|"
    r"would it (?:make sense|be (?:better|worth|a good idea)))\b"
)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a message: as a digest shows it, and as its writer's own words."""

    shown: str
    own: str  # lower case, quotes, brackets, code and links blanked out, spaces collapsed
    ends_with_question: bool


@dataclass(frozen=True)
class Asked:
    """What a message asks: its sentences and which of them ask something."""

    sentences: tuple[Sentence, ...]
    asking: tuple[int, ...]
    proposes: bool  # every asking sentence is a suggestion ("should we…?", "why not…?")

    def excerpt(self, limit: int) -> str:
        """The question as a digest shows it, ending with its `?`, at most `limit` characters.

        The whole message when it is short and opens or closes with a question (the reader
        sees all of it); otherwise the first asking sentence and the questions right after
        it, with the sentence before when the question leans on it ("Is it a disease then?").
        """
        sentences = self.sentences
        whole = " ".join(s.shown for s in sentences)
        if len(whole) <= limit and (
            sentences[0].ends_with_question or sentences[-1].ends_with_question
        ):
            return whole
        first = self.asking[0]
        last = first
        while (
            last + 1 < len(sentences)
            and sentences[last + 1].ends_with_question
            and len(_join(sentences, first, last + 1)) <= limit
        ):
            last += 1
        asked = _clip(_join(sentences, first, last), limit)
        room = limit - len(asked) - 1
        if first == 0 or room < _MIN_CONTEXT or not _leans_back(sentences[first]):
            return asked
        # The sentence before, cut short if need be: "I think it might be a pi, but… per?"
        return f"{text.shorten(sentences[first - 1].shown, room)} {asked}"


def read(content: str) -> Asked:
    """The sentences of a message and those of them that ask something."""
    sentences = split(content)
    argues = _argues(sentences)
    asking = tuple(k for k in range(len(sentences)) if _asks(sentences, k, argues=argues))
    if asking and any(withdraws(s.own) for s in sentences[asking[0] + 1 :]):
        asking = ()  # "Any idea what this is? Edit: nevermind, I just saw the proposal"
    proposes = bool(asking) and all(
        _PROPOSES.search(_LEAD_IN.sub("", sentences[k].own)) for k in asking
    )
    return Asked(sentences=sentences, asking=asking, proposes=proposes)


def withdraws(said: str) -> bool:
    """Whether an asker takes their question back ("nevermind", "found it")."""
    return _WITHDRAWN.search(said.lower()) is not None


def split(content: str) -> tuple[Sentence, ...]:
    """A message's sentences, cut where its writer's own words end one.

    The cut is found in `text.own_words` (a `?` or `.` inside a quotation, brackets or code
    ends nothing), and each piece of the original is cleaned for showing. A piece without a
    word (an emoji, a lone code block) joins the sentence before it.
    """
    own = text.own_words(content)
    pieces: list[tuple[str, str]] = []
    start = 0
    for boundary in (*_BOUNDARY.finditer(own), None):
        end = len(own) if boundary is None else boundary.start()
        raw, mine = content[start:end], own[start:end]
        if raw.strip():
            glue = pieces and (_ABBREVIATION.search(pieces[-1][1]) or text.word_count(mine) == 0)
            if glue:
                before_raw, before_own = pieces.pop()
                raw, mine = f"{before_raw} {raw}", f"{before_own} {mine}"
            pieces.append((raw, mine))
        if boundary is not None:
            start = boundary.end()
    shown = [(text.clean(raw), mine) for raw, mine in pieces]
    return tuple(
        Sentence(
            shown=cleaned,
            own=" ".join(mine.lower().split()),
            ends_with_question=_trim(mine).endswith("?"),
        )
        for cleaned, mine in shown
        if cleaned
    )


def _asks(sentences: tuple[Sentence, ...], k: int, *, argues: bool) -> bool:
    """Whether sentence `k` asks something that could stay open."""
    sentence = sentences[k]
    if not sentence.ends_with_question:
        return False
    own = _trim(sentence.own)
    bare = _LEAD_IN.sub("", own)
    if not bare.strip(" ?!.,"):
        return False
    if len(own.split()) <= _GREETING_WORDS and _GREETING.search(own):
        return False
    if _RHETORICAL.match(bare) or _ADVISES.match(bare) or _is_tag(bare, sentences, k):
        return False
    return not (_is_ping(bare) or (argues and _argued_past(sentences, k)))


def _is_ping(bare: str) -> bool:
    """Names and a `?` ("@Kilian ? @Michael McOsker ?"): a call for attention, not a question."""
    return "@" in bare and len(_MENTION.sub(" ", bare).strip(" ?!.,").split()) <= 1


def _is_tag(bare: str, sentences: tuple[Sentence, ...], k: int) -> bool:
    """A statement with a tag ("…, no?", "…, y'know?"), or a tag after one ("Right?")."""
    tag = _TAG.search(bare)
    if tag is None:
        return False
    before = bare[: tag.start()].split()
    if not before:  # the tag is the whole sentence: it asks about the statement before it
        return k > 0 and not sentences[k - 1].ends_with_question
    return before[0] not in _QUESTION_START


def _argues(sentences: tuple[Sentence, ...]) -> bool:
    """Whether a message argues a point: long enough, with an "I think" or "the issue is"."""
    own = " ".join(s.own for s in sentences)
    return len(own.split()) >= _ARGUMENT_WORDS and _ARGUES.search(own) is not None


def _argued_past(sentences: tuple[Sentence, ...], k: int) -> bool:
    """A question in an argument that does not open like one, and that the writer goes past.

    "The plan assumes two weeks' notice but are you going to get that? If there is…" asks
    nobody: the writer carries on arguing. A question proper ("Is it all caps?") still asks.
    """
    goes_on = any(not s.ends_with_question for s in sentences[k + 1 :])
    words = sentences[k].own.split()
    opens_as_question = bool(words) and words[0] in _QUESTION_START
    return goes_on and not opens_as_question


def _leans_back(sentence: Sentence) -> bool:
    """Whether a question needs the sentence before: short, or about "it"/"that" from there.

    The pronoun opens it ("that one, is it new?") or follows its verb ("Is it the cache?").
    """
    words = _LEAD_IN.sub("", sentence.own).split()
    if len(words) < _STANDS_ALONE_WORDS:
        return True
    return words[0] in _LEANS_BACK or (words[0] in _QUESTION_START and words[1] in _LEANS_BACK)


def _join(sentences: tuple[Sentence, ...], first: int, last: int) -> str:
    return " ".join(s.shown for s in sentences[first : last + 1])


def _clip(shown: str, limit: int) -> str:
    """A question too long to show whole: its opening and its end, which carries the `?`."""
    if len(shown) <= limit:
        return shown
    tail_room = limit // 3
    tail = shown[-tail_room:]
    tail = tail[tail.find(" ") + 1 :] if " " in tail else tail
    head = text.shorten(shown, limit - len(tail) - 1)
    return f"{head} {tail}"


def _trim(sentence: str) -> str:
    """Without trailing emoji (characters or codes), symbols, spaces and emphasis marks."""
    while True:
        trimmed = _EMOJI_CODE.sub("", sentence)
        end = len(trimmed)
        while end and (
            trimmed[end - 1].isspace()
            or unicodedata.category(trimmed[end - 1]).startswith("S")
            or trimmed[end - 1] in "*_~|\ufe0f\u200d"
        ):
            end -= 1
        if end == len(sentence):
            return sentence
        sentence = trimmed[:end]
