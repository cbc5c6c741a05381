"""ROUGE of the extractive engine on DialogSum dev, next to Lead-3 and LexRank baselines.

Each dialogue becomes a DiscordChatExporter export (one message per turn, the speaker as the
author, one minute apart), is read by `ExportSource` and summarized with `--length brief`,
rendered as `--format text`: the same calls `summarybot summarize` makes. Prints one JSON object.
Needs the `bench` extra (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rouge_score import rouge_scorer

from bot.cli_summarize import summarize_export
from delivery.render import render

DEV_SET = Path("shared") / "eval" / "dialogsum.dev.jsonl"
# The checkout sits next to `shared/` (or a worktree one level deeper): look upwards for it.
DATA = next(
    (p / DEV_SET for p in Path(__file__).resolve().parents if (p / DEV_SET).exists()),
    DEV_SET,
)
TURN = re.compile(r"^#(Person\d+)#:\s*(.*)$")
START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


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


_WORDS = re.compile(r"[a-z0-9]+")


def lexrank(dialogue: list[tuple[str, str]], top: int = 3) -> str:
    """TF-IDF cosine graph over the turns, power iteration (damping 0.85), top 3 in order."""
    bags = [Counter(_WORDS.findall(said.lower())) for _, said in dialogue]
    df = Counter(word for bag in bags for word in bag)
    n = len(bags)
    vectors = []
    for bag in bags:
        vector = {w: c * math.log((n + 1) / df[w]) for w, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    sim = [[sum(v * b.get(w, 0.0) for w, v in a.items()) for b in vectors] for a in vectors]
    rows = []
    for row in sim:
        total = sum(row) or 1.0
        rows.append([value / total for value in row])
    rank = [1.0 / n] * n
    for _ in range(100):
        new = [0.15 / n + 0.85 * sum(rank[j] * rows[j][i] for j in range(n)) for i in range(n)]
        done = sum(abs(a - b) for a, b in zip(new, rank, strict=True)) < 1e-8
        rank = new
        if done:
            break
    best = sorted(sorted(range(n), key=lambda i: (-rank[i], i))[:top])
    return "\n".join(f"{dialogue[i][0]}: {dialogue[i][1]}" for i in best)


def sentence_lines(summary: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+|\n", summary)
    return "\n".join(p for p in parts if p.strip())


def main() -> None:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else len(rows)
    rows = rows[:limit]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    systems = ("summarybot", "lead3", "lexrank")
    totals = {s: Counter() for s in systems}
    with tempfile.TemporaryDirectory() as tmp:
        for row in rows:
            dialogue = turns(row["dialogue"])
            path = Path(tmp) / f"{row['fname']}.json"
            path.write_text(json.dumps(export(row["fname"], dialogue)), encoding="utf-8")
            outputs = {
                "summarybot": render(
                    asyncio.run(summarize_export(path, length="brief"))[0], "text"
                ),
                "lead3": lead3(dialogue),
                "lexrank": lexrank(dialogue),
            }
            reference = sentence_lines(row["summary"])
            for system, output in outputs.items():
                scores = scorer.score(reference, sentence_lines(output))
                for key, value in scores.items():
                    totals[system][key] += value.fmeasure
    result = {
        "dataset": "dialogsum.dev",
        "dialogues": len(rows),
        **{
            system: {
                key.replace("rouge", "rouge_").lower(): round(
                    100 * totals[system][key] / len(rows), 2
                )
                for key in ("rouge1", "rouge2", "rougeLsum")
            }
            for system in systems
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
