"""Chat lines as third-person statements: "I'll bring the cake" becomes "Maria will bring the cake".

A digest is read later, by people who were not there: a quoted "I don't know what it is" says
nothing without its speaker and its context. Each chosen English message is rewritten by rules
(no model): first-person pronouns become the speaker, "you" the addressee when the chat shows
who that is, the verb agrees with its new subject, questions are reported ("Maria asked Tom what
time the call starts"), greetings and filler are dropped, and a short "sure" that answers a point
is folded into it. Text that does not look English is left as it was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer import chatter, grammar, text
from summarizer.chatter import Kind
from summarizer.grammar import wordset
from summarizer.language import is_english
from summarizer.persons import PRONOUNS, Mentions, Voice, convert, inverted
from summarizer.phrasing import Chunk, chunks, join, lower_first, sentences
from summarizer.questions import DETERMINERS, SUBJECTS, WH, Question, reported

# A sentence opening with these already names its speaker once they are replaced.
_SPEAKER_FIRST = wordset("i i'm i've i'll i'd my we we're we've we'll we'd our")
_ADDRESSED = wordset("you your yours you're you've you'll you'd u yourself")
_BEFORE_LETS = wordset("now then ok okay alright so well right")
# Verbs that hedge a whole sentence when they close it: "…, I think".
_HEDGES = frozenset({"think", "believe", "guess", "suppose", "assume", "reckon", "feel"})
# An emoji by its name (":thisisfine:", as `text.clean` writes a custom one): no words of a point.
_EMOJI_NAME = re.compile(r"(?<!\S):[\w+\-]{2,}:(?!\S)")
# A sentence that is only a list's number or letter ("1.", "2)", "b."): what follows is the point.
_LIST_MARK = re.compile(r"\(?(?:\d{1,2}|[a-z])[.)]")
# Opening quotation marks and their closing ones; a quotation has at least _QUOTE_WORDS words.
_QUOTE_CLOSE = {'"': '"', "“": "”"}
_QUOTE_WORDS = 4
# What only leads into a question ("Out of curiosity, is there a plan…?").
_LEAD_INS = frozenset(
    ("out of curiosity", "just curious", "quick question", "by the way", "btw", "one more thing")
)
# At most this many words make a headline (`_headline`).
_HEADLINE_WORDS = 5
_NO_WORDS = wordset("no nope")  # the ones `chatter.strip_markers` drops before a comma


@dataclass(frozen=True)
class Statement:
    """A message reported in the third person, and how it ends: "said", "yes_no" or "open".

    What it ends on decides how an answer folds in: "said no" answers a yes/no question,
    "agreed" a statement, and an "ok" says nothing about an open ("who…?") question.
    """

    text: str
    ends: str = "said"


def kind(content: str, names: frozenset[str] = frozenset()) -> Kind:
    """Whether a message has substance, or is a greeting, a yes, a no or an agreement."""
    if text.URL.search(content) or not is_english(content):
        return Kind.CONTENT if content.strip() else Kind.FILLER
    return chatter.classify(content, names)


def statement(content: str, voice: Voice) -> Statement:
    """The message as third-person sentences naming its speaker (filler sentences left out)."""
    spoken = _spoken(content)
    if spoken is None:
        return Statement(f"{voice.speaker} shared a code block.")
    content = spoken
    quoted, rest = _leading_quote(content)
    if quoted is not None:
        return _quotation(quoted, rest, voice)
    mentions = Mentions()
    out: list[str] = []
    asks: list[Question] = []
    for sentence in sentences(content):
        if chatter.is_filler_sentence(sentence, voice.names) or _LIST_MARK.fullmatch(sentence):
            continue
        whole = _without_trailing_symbols(chatter.strip_markers(chunks(sentence), voice.names))
        if not whole:
            continue
        # "We can offer you…": a "we" beside a "you" is the speaker's side, not both of them.
        exclusive = voice.apart or any(w.core.lower() in _ADDRESSED for w in whole)
        for words, asking in _clauses(whole):
            mentions.sentence()
            mentions.exclusive = exclusive
            if asking:
                asks.append(reported(words, voice.addressee is not None))
                continue
            if asks:
                _asked(asks, voice, mentions, out)
                asks = []
            out.append(_said(words, voice, mentions, first=not out))
    ends = asks[-1].ends if asks else "said"
    if asks:
        _asked(asks, voice, mentions, out)
    if not out:
        cleaned = lower_first(text.clean(content), voice.lowered)
        return Statement(_period(f"{voice.speaker} said {cleaned}"))
    reported_text = _tidy(" ".join(out))
    if _opens_with_no(content):
        reported_text = _said_no(reported_text, voice.speaker)
    return Statement(reported_text, ends)


def _spoken(content: str) -> str | None:
    """The words a statement is made of; None when the message was only code.

    A code block (or the mark `text.clean` leaves of one) and an emoji's name are shown nowhere
    in a statement, and a message said wholly in parentheses is said without them. A message
    that is only an emoji's name is said as it is.
    """
    written, code = content, False
    if "`" in content or text.CODE_MARK in content:
        content = text.CODE_BLOCK.sub(" ", content).replace(text.CODE_MARK, " ")
        code = content != written
    if ":" in content:
        content = _EMOJI_NAME.sub(" ", content)
    if not content.strip():
        if code:
            return None
        content = written
    return _unwrapped(content)


def _quotation(quoted: str, rest: str, voice: Voice) -> Statement:
    """A quotation the message opens with, its words untouched, then what the speaker added.

    Someone else's words: their "we" is not the speaker's. `"…" - the release notes` names its
    source: "Priya quoted the release notes: “…”".
    """
    after = text.clean(rest)
    source = after.lstrip("-–— ").rstrip(".")
    if rest.lstrip(" \t")[:1] in ("-", "–", "—") and 0 < len(source.split()) <= 6:
        return Statement(f"{voice.speaker} quoted {source}: “{quoted}”")
    lead = f"{voice.speaker} quoted: “{quoted}”"
    if not after:
        return Statement(lead)
    added = statement(rest, voice)
    return Statement(f"{lead} {added.text}", added.ends)


def _without_trailing_symbols(words: list[Chunk]) -> list[Chunk]:
    """A sentence without the emoji and emoticons it ends on ("…as well. ❤️ :')))")."""
    end = len(words)
    while end and not any(ch.isalnum() for ch in words[end - 1].core):
        end -= 1
    return words[:end]


def _leading_quote(content: str) -> tuple[str | None, str]:
    """A quotation the message opens with (whole sentences in quotes), and what follows it.

    `"We will work with the winners…"` pasted from an announcement is not the speaker's "we";
    a quotation never closed is one all the same (a point keeps only its first sentences). A
    quoted word or phrase inside a sentence ("`"cache_dir" is the setting`") is no quotation.
    """
    start = content.lstrip()
    if start[:1] not in _QUOTE_CLOSE:
        return None, content
    end = start.find(_QUOTE_CLOSE[start[0]], 1)
    if end == -1:
        end = len(start)  # a point cut from a longer quotation lost its closing mark
    quoted, rest = text.clean(start[1:end]), start[end + 1 :]
    after = rest.lstrip(" \t")
    whole = quoted.endswith((".", "!", "?", "…")) and (not after or after[0].isupper())
    attributed = after[:1] in ("-", "–", "—")  # "…" - the announcement
    if len(quoted.split()) < _QUOTE_WORDS or not (
        not after or after[0] == "\n" or whole or attributed
    ):
        return None, content
    if not quoted.endswith((".", "!", "?", "…")):
        quoted += "."
    return quoted, rest


def _unwrapped(content: str) -> str:
    """A message said wholly in parentheses, without them: "(Here are the images…)"."""
    inner = content.strip()
    if inner.startswith("(") and inner.endswith(")") and inner.count("(") == 1:
        return inner[1:-1]
    return content


def _opens_with_no(content: str) -> bool:
    """Whether the message answers "no" before it goes on ("No, only the image cache stays")."""
    first = content.lstrip().split(None, 1)
    if len(first) < 2:
        return False
    word = first[0].lower()
    return word.rstrip(",.!;:") in _NO_WORDS and word[-1:] in (",", ".", "!", ";", ":")


def _said_no(reported_text: str, speaker: str) -> str:
    """Keep the "no" the markers dropped: without it the answer reads as the opposite."""
    lead = f"{speaker} said "
    if reported_text.startswith(lead):
        return f"{lead}no, {reported_text[len(lead) :]}"
    return f"{speaker} said no. {reported_text}"


def _clauses(words: list[Chunk]) -> list[tuple[list[Chunk], bool]]:
    """A sentence as (words, is a question) parts: "That's sad, but have you seen it?" is two.

    A question is marked by its "?" or by its form (an auxiliary, then a subject: "Can I help
    you."); a bare "What?" or "Did you?" asks nothing a digest can report.
    """
    if not words:
        return []
    asking = words[-1].trail.endswith("?") or inverted(words, 1) or _wh_asks(words)
    if not asking:
        return [(words, False)]
    for i in range(1, len(words) - 2):
        if words[i - 1].trail == ",":
            start = i + 1 if words[i].core.lower() in ("but", "and", "so") else i
            lead = words[start].core.lower()
            if (lead in grammar.AUXILIARIES and inverted(words, start + 1)) or lead in WH:
                before = " ".join(w.render() for w in words[:i])
                lead_in = before.lower().strip(" ,.:;!") in _LEAD_INS
                if (
                    lead_in
                    or chatter.is_filler_sentence(before)
                    or all(w.core.istitle() for w in words[:i])
                ):
                    return [(words[start:], True)]
                return [(words[:i], False), (words[start:], True)]
    if len(words) < 2 or (len(words) == 2 and inverted(words, 1)):
        return []  # "What?", "Did you?": nothing a digest can report
    return [(words, True)]


def folded(point: Statement, answers: list[tuple[str, Kind]]) -> str:
    """The point with the short answers it received: "…, and Tom agreed".

    An open question ("who can help?") takes no answers: "ok" does not answer it.
    """
    if not answers or point.ends == "open":
        return point.text
    phrases: dict[str, list[str]] = {}
    for name, answer in answers:
        if point.ends == "yes_no" and answer in (Kind.YES, Kind.NO):
            phrase = f"said {answer.value}"
        else:
            phrase = "disagreed" if answer is Kind.NO else "agreed"
        if name not in phrases.setdefault(phrase, []):
            phrases[phrase].append(name)
    told = join([f"{join(names)} {phrase}" for phrase, names in phrases.items()])
    base = point.text.rstrip()
    if base.endswith("."):
        return f"{base[:-1]}, and {told}."
    return f"{base} {told}."


def _said(words: list[Chunk], voice: Voice, mentions: Mentions, first: bool) -> str:
    """A statement sentence in the third person; "X said" in front when it names nobody."""
    words = _hedge_set_off(words)
    if len(words) > 2 and words[1].core.lower() == "let's":
        words = words[1:] if words[0].core.lower() in _BEFORE_LETS else words
    lead = words[0].core.lower()
    speaker, addressee = voice.speaker, voice.addressee
    if lead in ("let's", "lets") and len(words) > 1:
        whom = f" to {addressee} that they" if addressee else " that everyone"
        mentions.name("W")
        return _period(f"{speaker} suggested{whom} {convert(words[1:], voice, mentions, False)}")
    if lead == "let" and len(words) > 2 and words[1].core.lower() == "me":
        mentions.name("S")
        if words[2].core.lower() == "know" and len(words) > 3:
            # "Let me know if…" asks to be told; it offers nothing.
            return _period(f"{speaker} asked to be told {convert(words[3:], voice, mentions)}")
        return _period(f"{speaker} offered to {convert(words[2:], voice, mentions, False)}")
    if lead in ("thanks", "thank") and not words[0].trail and len(words) > 2:
        start = 2 if words[1].core.lower() in ("you", "u") else 1
        mentions.name("A")
        rest = convert(words[start:], voice, mentions, False)
        return _period(f"{speaker} thanked {addressee or 'everyone'} {rest}")
    asking = lead == "please" and len(words) > 2 and not words[0].trail
    if asking:
        # "Please ask the admins…" asks someone to do it: "Bob asked Ada to ask the admins…".
        words, lead = words[1:], words[1].core.lower()
    if lead in grammar.IMPERATIVES and not words[0].trail and len(words) > 1 and _imperative(words):
        negative = lead == "don't"
        told = f"{'asked' if asking else 'told'} {addressee}" if addressee else "said"
        mentions.name("A" if addressee else "S")
        verb = convert(words[1:] if negative else words, voice, mentions, False)
        return _period(f"{speaker} {told} {'not ' if negative else ''}to {_lowered(verb)}")
    trial = Mentions(exclusive=mentions.exclusive)
    converted = convert(words, voice, trial, initial=True)
    # "Maria is…" names its speaker; "The guide is…" needs "Maria said" in front of it.
    if not first or words[0].core.lower() in _SPEAKER_FIRST:
        mentions.last, mentions.named = trial.last, trial.named
        return _period(_capital(converted, voice))
    mentions.name("S")
    if addressee is None and _headline(words):
        # As written: a headline keeps its capital after the colon.
        return _period(f"{speaker} announced: {convert(words, voice, mentions, False)}")
    said = lower_first(convert(words, voice, mentions, False), voice.lowered)
    if voice.mentioned and addressee:
        # "told Adam that threads are…", not "told Adam Threads are…" ("told Ann that is…" as is).
        that = "" if said.split(" ", 1)[0].lower() == "that" else " that"
        return _period(f"{speaker} told {addressee}{that} {said}")
    return _period(f"{speaker} said {said}")


def _headline(words: list[Chunk]) -> bool:
    """A few words exclaimed without a verb: "Docs sprint this Saturday!", "Theme thread!".

    "Priya said docs sprint this Saturday" reads as a garbled sentence; it was announced. Only
    said to nobody in particular: "Node 20!" to someone is an answer, not an announcement.
    """
    if not 2 <= len(words) <= _HEADLINE_WORDS or "!" not in words[-1].trail:
        return False
    for word in words:
        low = word.core.lower()
        if low in grammar.AUXILIARIES or low in PRONOUNS or grammar.is_past(low):
            return False
        if low.endswith("ing") or not word.core[:1].isalnum():
            return False
    return True


def _hedge_set_off(words: list[Chunk]) -> list[Chunk]:
    """A closing "I believe" gets its comma: "…papyri, nat believes", not "…papyri nat believes".

    Chat leaves it out ("we have the scans I think"), and once "I" becomes a name the hedge
    runs on into the sentence as if the name were part of what was said.
    """
    if (
        len(words) > 3
        and words[-2].core.lower() == "i"
        and words[-1].core.lower() in _HEDGES
        and not words[-3].trail.strip()
    ):
        return [*words[:-3], words[-3].with_trail(","), *words[-2:]]
    return words


def _imperative(words: list[Chunk]) -> bool:
    """An order or advice, not a statement: "Check the logs", not "Check failed again"."""
    second = words[1].core.lower()
    return not grammar.is_past(second) and second not in ("is", "was", "are", "has", "were")


def _asked(questions: list[Question], voice: Voice, mentions: Mentions, out: list[str]) -> None:
    """Consecutive questions as one reported sentence: "Maria asked Tom whether …"."""
    whom = f" {voice.addressee}" if voice.addressee else ""
    speaker = voice.speaker
    joined = bool(out) and out[-1].startswith(speaker + " ") and " said " not in out[-1][:60]
    if not joined:
        mentions.sentence()
    for idea in (q for q in questions if q.suggest):
        mentions.name("S")
        suggested = convert(idea.words, voice, mentions, False).rstrip("?")
        out.append(_period(f"{speaker} suggested {suggested}"))
    questions = [q for q in questions if not q.suggest]
    if not questions:
        return
    mentions.name("S")
    mentions.name("A" if voice.addressee else "S")
    mentions.target = mentions.last
    said = [convert(q.words, voice, mentions, initial=False) for q in questions]
    if any(q.quoted for q in questions):
        body = ": " + " ".join(_capital(s, voice) for s in said)
        sentence = f"{speaker} asked{whom}{body}"
    else:
        sentence = f"{speaker} asked{whom} {join([s.rstrip('?.!') for s in said])}."
    if joined and not any(q.quoted for q in questions):
        out[-1] = out[-1].rstrip(".!,;: ") + ", and" + sentence[len(speaker) :]
    else:
        out.append(sentence)


def _wh_asks(words: list[Chunk]) -> bool:
    """A question by its form alone, its "?" left off ("What's the meaning of these marks.").

    A wh-word, an auxiliary, then what a subject starts with ("the", "this", "you"): "What is
    clear is…" and "What I meant was…" state something.
    """
    if len(words) < 4 or words[0].trail or words[1].trail:
        return False
    first, second, third = (w.core.lower() for w in words[:3])
    return (
        first in WH
        and second in grammar.AUXILIARIES
        and (third in DETERMINERS or third in SUBJECTS or third in PRONOUNS)
    )


def _capital(sentence: str, voice: Voice) -> str:
    """A sentence with a capital, unless it opens with a name (names are kept as written)."""
    names = {voice.speaker, voice.addressee or voice.speaker, *voice.names}
    if any(sentence.startswith(name) for name in names):
        return sentence
    return sentence[:1].upper() + sentence[1:]


def _lowered(sentence: str) -> str:
    """An imperative after "to": "Turn on the cache" -> "turn on the cache" (not "AVIF")."""
    first = sentence.split(" ", 1)[0]
    return sentence[0].lower() + sentence[1:] if first.istitle() else sentence


def _period(sentence: str) -> str:
    sentence = sentence.rstrip().rstrip(",;:").rstrip()
    stripped = sentence.rstrip("!").rstrip()
    if stripped.endswith((".", "?", "…", ":", ")", '"')):
        return stripped if stripped.endswith((".", "?", "…")) else stripped + "."
    return stripped + "."


def _tidy(result: str) -> str:
    return re.sub(r"\s+([,.;?!])", r"\1", re.sub(r"\s+", " ", result)).strip()
