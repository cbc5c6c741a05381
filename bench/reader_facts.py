"""Does a brief digest tell a reader what happened? Facts stated, and three reader checks.

Each window in `tests/data/reader/facts/*.toml` names an export (a real DiscordChatExporter
export of the Vesuvius Challenge #papyrology channel: a day, a week, a month, the whole range;
and the made-up sample export) and the facts a good brief digest of it must state, written by a
person who read the messages before the engine ever ran on them. This script runs the engine as
`summarybot summarize EXPORT --length brief` does (`summarize_export`), renders the digest as
Markdown (what a member reads) and as text, and reports per window:

- `hit_rate`: facts stated / facts, on the Markdown. A fact is a list of keyword groups; it is
  stated when every group has at least one alternative in the digest (see `fact_stated`).
- `bare_id_lines`: lines that cite a raw Discord snowflake, like `(1162283943425478668)`.
- `common_word_titles`: topic titles every word of which is common English (wordfreq
  `zipf_frequency(word, "en") >= 4.5`), or that are only a comma/"and" list of single words.
- `false_open_questions`: open questions that are not: the question as the digest shows it
  neither opens nor closes with a sentence ending in `?` (outside quotes, brackets and code),
  someone else replied to it in the window, or a person who read the window marked it answered
  or not a question (`facts/not-open.toml`, and the sample's complete list of open questions).

`tests/summarizer/test_reader_facts.py` asserts the same with the same functions. Last line of
stdout: one JSON object. Needs the `bench` extra (wordfreq).

    .venv/bin/python bench/reader_facts.py                 # every window
    .venv/bin/python bench/reader_facts.py day week         # some windows
    .venv/bin/python bench/reader_facts.py --write-slices   # rebuild tests/data/reader exports
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.cli.summarize import summarize_export
from delivery.render import render
from summarizer.models import Summary

ROOT = Path(__file__).resolve().parents[1]
READER = ROOT / "tests" / "data" / "reader"
FACTS = READER / "facts"
COMMON_WORDS = READER / "common-words-en.txt"
NOT_OPEN = FACTS / "not-open.toml"
WINDOWS = ("day", "week", "month", "all", "sample")
# "Most" of a window's facts: the share a brief digest must state.
HIT_THRESHOLD = 0.6
# Common English, as wordfreq counts it: about the 3,000 most frequent words.
COMMON_ZIPF = 4.5


@dataclass(frozen=True)
class Fact:
    """One thing the digest must say, and the keyword groups that show it said it."""

    says: str
    match: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Window:
    """A window of the reader set: its export, its facts and what is known of its questions."""

    name: str
    export: Path
    facts: tuple[Fact, ...]
    since: datetime | None = None
    until: datetime | None = None
    # When given: every question in the window nobody answered (message ids).
    open_questions: frozenset[int] | None = None
    # Messages that look like questions but were answered in the window or ask nothing.
    not_open: frozenset[int] = frozenset()


def load_window(name: str, folder: Path = FACTS) -> Window:
    spec = tomllib.loads((folder / f"{name}.toml").read_text(encoding="utf-8"))
    open_questions = spec.get("open_questions")
    # Snowflakes are unique, so the hand-read list serves every window that holds them.
    not_open = tomllib.loads((folder / NOT_OPEN.name).read_text(encoding="utf-8"))["message"]
    return Window(
        name=spec["window"],
        export=(folder.parent / spec["export"]).resolve(),
        facts=tuple(
            Fact(f["says"], tuple(tuple(group) for group in f["match"])) for f in spec["fact"]
        ),
        since=spec.get("since"),
        until=spec.get("until"),
        open_questions=None if open_questions is None else frozenset(map(int, open_questions)),
        not_open=frozenset(int(m["id"]) for m in not_open),
    )


def summarize(window: Window) -> Summary:
    """The brief digest `summarybot summarize EXPORT --length brief` prints for the window."""
    return asyncio.run(summarize_export(window.export, length="brief"))[0]


# -- facts ---------------------------------------------------------------------------------

_URL = re.compile(r"<?https?://[^\s>)]+>?")
_ESCAPE = re.compile(r"\\(.)")
_SPACES = re.compile(r"\s+")
# Lunate and final sigma are the same letter as σ for matching.
_SIGMAS = str.maketrans({"ς": "σ", "ϲ": "σ", "Ϲ": "σ"})


def normalize(text: str) -> str:
    """Case-folded, accents and Markdown escapes removed, one space between words."""
    text = _ESCAPE.sub(r"\1", text)
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return _SPACES.sub(" ", bare.casefold().translate(_SIGMAS)).strip()


def fact_stated(fact: Fact, digest: str) -> bool:
    """Whether every keyword group has an alternative that starts a word of the digest.

    So `erupt` matches `eruption` and `rich` does not match `enrich`; case, accents and
    Markdown escapes are ignored. `digest` must already be `normalize`d.
    """
    return all(
        any(re.search(r"(?<!\w)" + re.escape(normalize(alt)), digest) for alt in group)
        for group in fact.match
    )


def facts_stated(window: Window, rendered: str) -> list[bool]:
    """Which facts the digest states; links are not read (a URL states nothing)."""
    digest = normalize(_URL.sub(" ", rendered))
    return [fact_stated(fact, digest) for fact in window.facts]


# -- checks --------------------------------------------------------------------------------

SNOWFLAKE = re.compile(r"(?<![\w/])\d{15,20}(?![\w/])")


def bare_id_lines(rendered: str) -> list[str]:
    """Lines citing a raw snowflake (a 15–20 digit number outside a link)."""
    return [line for line in rendered.splitlines() if SNOWFLAKE.search(_URL.sub(" ", line))]


_TITLE_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_LIST_SEPARATOR = re.compile(r"\s*(?:,|&|/|\+|·|\band\b)\s*")


def title_problem(title: str, is_common: Callable[[str], bool]) -> str | None:
    """Why a topic title says nothing: every word common English, or only a list of words."""
    words = _TITLE_WORD.findall(title)
    if words and all(is_common(word.lower()) for word in words):
        return "every word common"
    parts = [p for p in _LIST_SEPARATOR.split(title.strip()) if p]
    if len(parts) >= 2 and all(len(p.split()) == 1 for p in parts):
        return "a list of single words"
    return None


def common_word_titles(summary: Summary, is_common: Callable[[str], bool]) -> list[str]:
    """The digest's topic titles that fail `title_problem`, each with its reason."""
    found = ((t.title, title_problem(t.title, is_common)) for t in summary.topics)
    return [f"{title} ({why})" for title, why in found if why]


def load_common_words(path: Path = COMMON_WORDS) -> Callable[[str], bool]:
    """The test's stand-in for wordfreq: the English words with zipf >= 4.5, one per line."""
    words = frozenset(
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return words.__contains__


def wordfreq_common() -> Callable[[str], bool]:
    from wordfreq import zipf_frequency

    return lambda word: zipf_frequency(word, "en") >= COMMON_ZIPF


_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_QUOTED_LINE = re.compile(r"^\s*>.*$", re.M)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»")


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def reads_as_question(text: str) -> bool:
    """Whether the question as shown opens or closes with a sentence ending in `?`.

    Code, quoted lines, quotes, brackets, links and trailing emoji are set aside first; a text
    cut with `…` does not close with a question.
    """
    text = _URL.sub(" ", _QUOTED_LINE.sub(" ", _CODE.sub(" ", text)))
    for pattern in (_QUOTED, _BRACKETED, _BRACKETED):
        text = pattern.sub(" ", text)
    sentences = [_trim(s) for s in _SENTENCE_END.split(text.strip())]
    sentences = [s for s in sentences if s]
    return bool(sentences) and (sentences[0].endswith("?") or sentences[-1].endswith("?"))


def _trim(sentence: str) -> str:
    """Without trailing emoji, symbols (Unicode S*) and Markdown emphasis."""
    end = len(sentence)
    while end and (
        sentence[end - 1].isspace()
        or unicodedata.category(sentence[end - 1]).startswith("S")
        or sentence[end - 1] in "*_~|"
    ):
        end -= 1
    return sentence[:end]


def replied_by_others(export: Path) -> set[int]:
    """Messages someone other than their author replied to (Discord's reply), in the export.

    Read from the export's JSON directly, not through the engine's parser: the check must not
    share what it checks.
    """
    files = sorted(export.glob("*.json")) if export.is_dir() else [export]
    messages = [
        m for f in files for m in json.loads(f.read_text(encoding="utf-8")).get("messages", [])
    ]
    author = {m["id"]: m["author"]["id"] for m in messages}
    replied = set()
    for m in messages:
        target = (m.get("reference") or {}).get("messageId")
        if target in author and author[target] != m["author"]["id"]:
            replied.add(int(target))
    return replied


def false_open_questions(summary: Summary, window: Window, replied: set[int]) -> list[dict]:
    found = []
    for question in summary.open_questions:
        reasons = []
        if not reads_as_question(question.text):
            reasons.append("not shown as a question")
        if question.message_id in replied:
            reasons.append("someone replied to it")
        if question.message_id in window.not_open or (
            window.open_questions is not None and question.message_id not in window.open_questions
        ):
            reasons.append("answered in the window, or asks nothing")
        if reasons:
            found.append({"id": str(question.message_id), "text": question.text, "why": reasons})
    return found


# -- the report ----------------------------------------------------------------------------


def judge(window: Window, is_common: Callable[[str], bool]) -> dict:
    started = time.perf_counter()
    summary = summarize(window)
    seconds = time.perf_counter() - started
    markdown, text = render(summary, "markdown"), render(summary, "text")
    stated = facts_stated(window, markdown)
    return {
        "messages": summary.stats.message_count,
        "facts": len(stated),
        "stated": sum(stated),
        "hit_rate": round(sum(stated) / len(stated), 3),
        "hit_rate_text": round(sum(facts_stated(window, text)) / len(stated), 3),
        "missed": [f.says for f, ok in zip(window.facts, stated, strict=True) if not ok],
        "titles": [t.title for t in summary.topics],
        "bare_id_lines": len(bare_id_lines(markdown)) + len(bare_id_lines(text)),
        "common_word_titles": common_word_titles(summary, is_common),
        "false_open_questions": false_open_questions(
            summary, window, replied_by_others(window.export)
        ),
        "open_questions": len(summary.open_questions),
        "seconds": round(seconds, 2),
    }


def report(names: Iterable[str], is_common: Callable[[str], bool]) -> dict:
    windows = {}
    for name in names:
        print(f"{name}…", file=sys.stderr)
        windows[name] = judge(load_window(name), is_common)
    rates = [w["hit_rate"] for w in windows.values()]
    return {
        "windows": windows,
        "mean_hit_rate": round(sum(rates) / len(rates), 3),
        "hit_threshold": HIT_THRESHOLD,
        "all_windows_meet_threshold": all(rate >= HIT_THRESHOLD for rate in rates),
        "checks_pass": all(
            not (w["bare_id_lines"] or w["common_word_titles"] or w["false_open_questions"])
            for w in windows.values()
        ),
    }


# -- building the test data ----------------------------------------------------------------

FULL_EXPORT = "vesuvius-papyrology.json"
LICENCE = "LICENSE.vesuvius_discord_study"


def shared_reader_set() -> Path:
    """`shared/eval/reader` beside the checkout (or a worktree one level deeper)."""
    found = (p / "shared" / "eval" / "reader" for p in ROOT.parents)
    return next((p for p in found if p.is_dir()), ROOT.parent / "shared" / "eval" / "reader")


def write_slices(source: Path | None = None, target: Path = READER) -> None:
    """Copy the full export and its licence, and cut the windows' exports out of it.

    A slice is the export with only the window's messages (`since <= timestamp < until`),
    `messageCount` and `dateRange` set as DiscordChatExporter sets them for `--after/--before`,
    written compactly (the full file is kept byte for byte).
    """
    source = source or shared_reader_set()
    shutil.copyfile(source / FULL_EXPORT, target / FULL_EXPORT)
    shutil.copyfile(source / LICENCE, target / LICENCE)
    export = json.loads((source / FULL_EXPORT).read_text(encoding="utf-8"))
    for name in WINDOWS:
        window = load_window(name)
        if window.since is None or window.export.name == FULL_EXPORT:
            continue
        kept = [
            m
            for m in export["messages"]
            if window.since <= datetime.fromisoformat(m["timestamp"]) < window.until
        ]
        sliced = {
            **export,
            "dateRange": {"after": window.since.isoformat(), "before": window.until.isoformat()},
            "messages": kept,
            "messageCount": len(kept),
        }
        window.export.write_text(
            json.dumps(sliced, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
        print(f"{window.export.name}: {len(kept)} messages", file=sys.stderr)


def write_common_words(target: Path = COMMON_WORDS) -> None:
    from wordfreq import iter_wordlist, zipf_frequency

    words = []
    for word in iter_wordlist("en"):
        if zipf_frequency(word, "en") < COMMON_ZIPF:
            break
        if _TITLE_WORD.fullmatch(word):
            words.append(word)
    header = (
        "# English words with wordfreq zipf_frequency(word, 'en') >= 4.5 (wordfreq 3.1.1),\n"
        "# letters only. Data: wordfreq, CC BY-SA 4.0 (see README.md). One word a line.\n"
    )
    target.write_text(header + "\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"{target.name}: {len(words)} words", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("windows", nargs="*", metavar="WINDOW", help=f"of {', '.join(WINDOWS)}")
    parser.add_argument("--write-slices", action="store_true", help="rebuild the exports")
    parser.add_argument("--write-common-words", action="store_true", help="rebuild the list")
    args = parser.parse_args()
    unknown = set(args.windows) - set(WINDOWS)
    if unknown:
        parser.error(
            f"unknown window {', '.join(sorted(unknown))}; choose from {', '.join(WINDOWS)}"
        )
    if args.write_slices or args.write_common_words:
        if args.write_slices:
            write_slices()
        if args.write_common_words:
            write_common_words()
        return
    print(json.dumps(report(args.windows or WINDOWS, wordfreq_common()), ensure_ascii=False))


if __name__ == "__main__":
    main()
