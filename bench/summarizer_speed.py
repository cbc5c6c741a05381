"""Summarizing cost versus loading cost, at 10,000 and 100,000 messages.

A synthetic DiscordChatExporter export (realistic lengths, ~60 authors, replies, reactions,
links, bursts of talk with pauses) is written once per size, then timed twice in the same run:
`ExportSource` reading it into `ChatMessage`s, and `summarize()` on those messages.
Prints one JSON object; targets: ratio <= 1 and scaling <= 12.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from summarizer import summarize
from summarizer.models import SummaryLength, SummaryOptions
from summarizer.sources import ExportSource

SIZES = (10_000, 100_000)
SYLLABLES = ["ka", "lo", "mi", "ne", "ro", "ta", "vu", "zen", "pri", "stor", "dex", "qua"]
FILLER = [
    "I think the",
    "did anyone check the",
    "we should move the",
    "looks like the",
    "the new",
    "can someone review the",
    "I fixed the",
    "why is the",
    "maybe restart the",
    "ok so the",
    "heads up about the",
    "still seeing issues with the",
    "thanks, the",
]
TAILS = [
    "again",
    "after the update",
    "on prod",
    "this morning",
    "for the next sprint",
    "since yesterday",
    "with the new config",
    "before friday",
    "?",
    "lol",
    "👍",
    "",
]


def synthetic_export(size: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    vocabulary = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(3000)})
    # Each subject has its own words; people drift between a few subjects per burst.
    subjects = [rng.sample(vocabulary, 12) for _ in range(400)]
    authors = [
        {"id": str(10**17 + i), "name": f"member{i}", "nickname": f"Member {i}", "isBot": i < 2}
        for i in range(60)
    ]
    at = datetime(2024, 1, 1, tzinfo=UTC)
    messages = []
    subject = rng.choice(subjects)
    for i in range(size):
        pause = rng.random() < 1 / 40
        at += timedelta(seconds=rng.randint(1800, 7200) if pause else rng.choice((5, 20, 45, 90)))
        if pause or rng.random() < 0.03:
            subject = rng.choice(subjects)
        words = [rng.choice(FILLER), *rng.sample(subject, rng.randint(1, 5)), rng.choice(TAILS)]
        if rng.random() < 0.2:
            words.insert(1, " ".join(rng.choices(FILLER, k=rng.randint(1, 3))))
        if rng.random() < 0.05:
            words.append(f"https://example.com/{subject[0]}/{i % 500}")
        messages.append(
            {
                "id": str(2 * 10**17 + i),
                "type": "Default",
                "timestamp": at.isoformat(),
                "timestampEdited": None,
                "isPinned": False,
                "content": " ".join(words),
                "author": rng.choice(authors),
                "attachments": [],
                "embeds": [],
                "reactions": [{"emoji": {"id": "", "name": "👍"}, "count": rng.randint(1, 5)}]
                if rng.random() < 0.1
                else [],
                "mentions": [],
                **(
                    {"reference": {"messageId": str(2 * 10**17 + i - rng.randint(1, 8))}}
                    if i > 10 and rng.random() < 0.15
                    else {}
                ),
            }
        )
    return {
        "guild": {"id": "1", "name": "Bench"},
        "channel": {"id": "2", "type": "GuildTextChat", "name": "general"},
        "messages": messages,
    }


def measure(path: Path) -> tuple[int, float, float]:
    # Both timings start from a collected heap, so neither pays for the other's garbage.
    gc.collect()
    started = time.perf_counter()
    loaded = ExportSource(path).load()
    load_s = time.perf_counter() - started
    options = SummaryOptions(
        length=SummaryLength.STANDARD, generated_at=datetime(2024, 6, 1, tzinfo=UTC)
    )
    gc.collect()
    started = time.perf_counter()
    asyncio.run(summarize(loaded.messages, options))
    return len(loaded.messages), load_s, time.perf_counter() - started


def main() -> None:
    load, run = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            path = Path(tmp) / f"bench-{size}.json"
            path.write_text(json.dumps(synthetic_export(size)), encoding="utf-8")
            runs = [measure(path) for _ in range(3)]
            load.append(round(min(r[1] for r in runs), 3))
            run.append(round(min(r[2] for r in runs), 3))
    print(
        json.dumps(
            {
                "messages": list(SIZES),
                "load_s": load,
                "summarize_s": run,
                "ratio": [round(s / lo, 3) for s, lo in zip(run, load, strict=True)],
                "scaling": round(run[1] / run[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
