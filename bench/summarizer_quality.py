"""ROUGE of the extractive engine on DialogSum dev, next to Lead-3 and LexRank (sumy).

The 500 dev dialogues are split once and for all into a tuning half and a held-out half: the
`fname`s in file order, shuffled with `random.Random(SPLIT_SEED)`, the first 250 tuning, the
other 250 held out. Nothing from the data is stored in the repository, only the seed and the method.
Tune on `tuning`; the issue's targets are judged on `held_out`.

Each dialogue becomes a DiscordChatExporter export (one message per turn, the speaker as the
author, one minute apart), is read by `ExportSource` and summarized with `--length brief`,
rendered as `--format text`: the same calls `summarybot summarize` makes. Baselines on the same
dialogues: Lead-3 (the first three turns) and sumy's `LexRankSummarizer` (three turns, each
turn one sentence), both with the speaker prefix kept as the engine's text output keeps it.
Prints one JSON object as its last line. Needs the `bench` extra (`pip install -e '.[bench]'`).

    .venv/bin/python bench/summarizer_quality.py                  # both halves, 500 dialogues
    .venv/bin/python bench/summarizer_quality.py --half held_out --limit 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rouge_score import rouge_scorer
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from bot.cli.summarize import summarize_export
from delivery.render import render

DEV_SET = Path("shared") / "eval" / "dialogsum.dev.jsonl"
# The checkout sits next to `shared/` (or a worktree one level deeper): look upwards for it.
DATA = next(
    (p / DEV_SET for p in Path(__file__).resolve().parents if (p / DEV_SET).exists()),
    DEV_SET,
)
SPLIT_SEED = 20261201
SPLIT_METHOD = (
    "fnames in file order, random.Random(20261201).shuffle, first half tuning, second half held_out"
)
HALVES = ("tuning", "held_out")
SYSTEMS = ("summarybot", "lead3", "lexrank")
KEYS = ("rouge1", "rouge2", "rougeLsum")
# The targets, judged on the held-out half: engine minus Lead-3, in ROUGE points.
TARGET_MARGIN_R1 = 4.0
TARGET_MARGIN_RLSUM = 2.5
TURN = re.compile(r"^#(Person\d+)#:\s*(.*)$")
START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def split(fnames: list[str]) -> dict[str, list[str]]:
    """The fixed tuning / held-out split of the dev set's dialogue names."""
    order = list(fnames)  # file order: the split the engine was tuned on
    random.Random(SPLIT_SEED).shuffle(order)
    middle = len(order) // 2
    return {"tuning": order[:middle], "held_out": order[middle:]}


def turns(dialogue: str) -> list[tuple[str, str]]:
    found = []
    for line in dialogue.split("\n"):
        match = TURN.match(line.strip())
        if match:
            found.append((match.group(1), match.group(2).strip()))
    return found


def export(fname: str, dialogue: list[tuple[str, str]]) -> dict:
    people = sorted({speaker for speaker, _ in dialogue})
    ids = {speaker: str(1000 + i) for i, speaker in enumerate(people)}
    return {
        "guild": {"id": "1", "name": "DialogSum"},
        "channel": {"id": "2", "type": "GuildTextChat", "name": fname},
        "messages": [
            {
                "id": str(10_000 + i),
                "type": "Default",
                "timestamp": (START + timedelta(minutes=i)).isoformat(),
                "content": said,
                "author": {"id": ids[speaker], "name": speaker, "isBot": False},
                "attachments": [],
                "reactions": [],
            }
            for i, (speaker, said) in enumerate(dialogue)
        ],
    }


def lead3(dialogue: list[tuple[str, str]]) -> str:
    return "\n".join(f"{speaker}: {said}" for speaker, said in dialogue[:3])


class TurnTokenizer:
    """Words for sumy without nltk's punkt data: a turn is one sentence, words by regex."""

    _WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """A turn is one sentence."""
        return (paragraph,)

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Runs of letters and digits, apostrophes inside kept (`don't`)."""
        return tuple(self._WORDS.findall(sentence))


_TOKENIZER = TurnTokenizer()
# nltk's Snowball English stemmer is code only (no data download); sumy ships its stop words.
_LEXRANK = LexRankSummarizer(Stemmer("english"))
_LEXRANK.stop_words = get_stop_words("english")


def lexrank(dialogue: list[tuple[str, str]], top: int = 3) -> str:
    """Sumy's LexRank over the turns (ranked on what was said), the top 3 in dialogue order."""
    sentences = [Sentence(said, _TOKENIZER) for _, said in dialogue]
    document = ObjectDocumentModel([Paragraph(sentences)])
    # Sentences are compared by text; map the chosen ones back to their turns by identity.
    where = {id(sentence): i for i, sentence in enumerate(document.sentences)}
    chosen = sorted(where[id(s)] for s in _LEXRANK(document, top))
    return "\n".join(f"{dialogue[i][0]}: {dialogue[i][1]}" for i in chosen)


def sentence_lines(summary: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+|\n", summary)
    return "\n".join(p for p in parts if p.strip())


def engine(fname: str, dialogue: list[tuple[str, str]], folder: Path) -> str:
    path = folder / f"{fname}.json"
    path.write_text(json.dumps(export(fname, dialogue)), encoding="utf-8")
    return render(asyncio.run(summarize_export(path, length="brief"))[0], "text")


def score_half(rows: list[dict], scorer: rouge_scorer.RougeScorer, folder: Path) -> dict:
    totals = {system: Counter() for system in SYSTEMS}
    for done, row in enumerate(rows, 1):
        dialogue = turns(row["dialogue"])
        outputs = {
            "summarybot": engine(row["fname"], dialogue, folder),
            "lead3": lead3(dialogue),
            "lexrank": lexrank(dialogue),
        }
        reference = sentence_lines(row["summary"])
        for system, output in outputs.items():
            for key, value in scorer.score(reference, sentence_lines(output)).items():
                totals[system][key] += value.fmeasure
        if done % 50 == 0:
            print(f"  {done}/{len(rows)}", file=sys.stderr)
    means = {
        system: {key: 100 * totals[system][key] / len(rows) for key in KEYS} for system in SYSTEMS
    }
    result: dict = {"dialogues": len(rows)}
    for system in SYSTEMS:
        result[system] = {
            key.replace("rouge", "rouge_").lower(): round(means[system][key], 2) for key in KEYS
        }
    result["margin_r1"] = round(means["summarybot"]["rouge1"] - means["lead3"]["rouge1"], 2)
    result["margin_rlsum"] = round(
        means["summarybot"]["rougeLsum"] - means["lead3"]["rougeLsum"], 2
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--half", choices=[*HALVES, "both"], default="both")
    parser.add_argument("--limit", type=int, help="first N dialogues of each half (split order)")
    parser.add_argument("--data", type=Path, default=DATA, help="dialogsum.dev.jsonl")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line]
    by_name = {row["fname"]: row for row in rows}
    halves = split(list(by_name))
    wanted = HALVES if args.half == "both" else (args.half,)
    scorer = rouge_scorer.RougeScorer(list(KEYS), use_stemmer=True)
    result: dict = {
        "dataset": "dialogsum.dev",
        "split": {"seed": SPLIT_SEED, "method": SPLIT_METHOD},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for half in wanted:
            names = halves[half][: args.limit]
            print(f"{half}: {len(names)} dialogues", file=sys.stderr)
            result[half] = score_half([by_name[n] for n in names], scorer, Path(tmp))
    held = result.get("held_out")
    result["targets"] = {
        "held_out_margin_r1": TARGET_MARGIN_R1,
        "held_out_margin_rlsum": TARGET_MARGIN_RLSUM,
    }
    result["targets_met"] = (
        None
        if held is None
        else held["margin_r1"] >= TARGET_MARGIN_R1 and held["margin_rlsum"] >= TARGET_MARGIN_RLSUM
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
