"""Summarizing cost versus reading cost, at 10,000 and 100,000 messages, and the CLI end to end.

A synthetic DiscordChatExporter export (realistic lengths, ~60 authors, replies, reactions,
links, bursts of talk with pauses) is written once per size, then timed in the same run, each
the best of five from a collected heap:

- `json.load` of the file with the garbage collector paused: the floor. Any reader of the
  export must at least parse its JSON, the standard library's parser is what the project's
  loader starts from, and a parse makes no reference cycles, so the collector's passes over
  the growing heap (which more than double the time at 100,000 messages) are not part of
  the work: they are reported apart (`json_load_gc_s`, the plain call);
- `ExportSource(path).load()`: today's loader (parsing, checks, `ChatMessage`s);
- `summarize()` on the loaded messages (length standard), timed inside a running loop.

Both are timed in five rounds after one untimed round per size. The engine's first summary in
a process loads wordfreq's tables and fills its word caches: about twice a warm summary of the
10,000 messages, a cost loading has no counterpart of, paid once per process (reported apart
as `cold_summarize_s`; the CLI figures below include it). Counted, that round made the best of
three summaries a best of two against loading's best of three. Five: on a machine shared with
other work, single rounds of either vary by a quarter.

Then, in fresh processes: `summarybot summarize FILE --length standard` on the 100,000-message
file (best of three; peak RSS from `wait4` of a small launcher, so the figure is the CLI's own,
not a peak inherited from this process), `summarybot --version` and
`summarybot preview "every day at 09:00"` (best of five each). They run as an installed
command does, with its bytecode: the first run writes it if PYTHONDONTWRITEBYTECODE kept it
from being written.
Prints one JSON object; targets: ratio <= 1, scaling <= 12, the CLI within 2x the json.load
floor and 3x the file in memory, --version and preview within 0.15 s.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from summarizer import summarize
from summarizer.models import SummaryLength, SummaryOptions
from summarizer.sources import ExportSource

SIZES = (10_000, 100_000)
ROUNDS = 5
CLI_ROUNDS = 3
VERSION_ROUNDS = 5
PREVIEW = ["preview", "every day at 09:00"]
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
# Runs a command and reports its wall time and its own peak RSS (`wait4`), with its stdout
# discarded. Started with -I -S, the launcher is about 9 MB: a child inherits at most that.
LAUNCHER = """
import json, os, sys, time
argv = sys.argv[1:]
null = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
began = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=null)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - began
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"seconds": seconds, "maxrss_kb": usage.ru_maxrss, "exit": code}))
"""


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


def json_load(path: Path, *, collector: bool = False) -> float:
    """Seconds to parse the file with the standard library: the floor of any reader."""
    gc.collect()
    if not collector:
        gc.disable()
    try:
        started = time.perf_counter()
        with path.open(encoding="utf-8") as file:
            json.load(file)
        return time.perf_counter() - started
    finally:
        gc.enable()


def measure(path: Path) -> tuple[int, float, float]:
    # Both timings start from a collected heap, so neither pays for the other's garbage.
    gc.collect()
    started = time.perf_counter()
    loaded = ExportSource(path).load()
    load_s = time.perf_counter() - started
    options = SummaryOptions(
        length=SummaryLength.STANDARD, generated_at=datetime(2024, 6, 1, tzinfo=UTC)
    )
    return len(loaded.messages), load_s, asyncio.run(_timed_summary(loaded.messages, options))


async def _timed_summary(messages: list, options: SummaryOptions) -> float:
    """Seconds `summarize` takes in a running loop, as the bot awaits it.

    Timed inside the loop, not around `asyncio.run`: on Python 3.11, `asyncio.run` formats
    its main task's repr twice while restoring the SIGINT handler, and that repr includes the
    task's result, which for a `Summary` costs ~10 ms each time. That is the harness, not work
    any caller of `summarize` does.
    """
    gc.collect()
    started = time.perf_counter()
    await summarize(messages, options)
    return time.perf_counter() - started


def _summarybot() -> list[str]:
    """The installed `summarybot` entry point beside this interpreter (else `-m bot.cli`)."""
    script = Path(sys.executable).with_name("summarybot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def fresh_process(arguments: list[str], workdir: Path) -> dict:
    """One run of `summarybot ARGUMENTS` in a fresh process: seconds, peak RSS, exit code."""
    # No configuration file or SUMMARYBOT_* variable of the caller's changes what runs, and
    # bytecode is written as an installed command's is (the best of several runs is reported).
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SUMMARYBOT_") and key != "PYTHONDONTWRITEBYTECODE"
    }
    command = [sys.executable, "-I", "-S", "-c", LAUNCHER, *_summarybot(), *arguments]
    done = subprocess.run(command, capture_output=True, text=True, cwd=workdir, env=env)
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"launcher failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["exit"] != 0:
        raise SystemExit(f"summarybot {' '.join(arguments)} failed: {done.stderr[-2000:]}")
    return result


def main() -> None:
    load, run, floor, plain, sizes_mb = [], [], [], [], []
    cold = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for size in SIZES:
            path = workdir / f"bench-{size}.json"
            path.write_text(json.dumps(synthetic_export(size)), encoding="utf-8")
            sizes_mb.append(round(path.stat().st_size / 2**20, 1))
            floor.append(round(min(json_load(path) for _ in range(ROUNDS)), 3))
            plain.append(round(min(json_load(path, collector=True) for _ in range(ROUNDS)), 3))
            uncounted = measure(path)[2]
            if size == SIZES[0]:
                cold = round(uncounted, 3)  # the process's first summary
            runs = [measure(path) for _ in range(ROUNDS)]
            load.append(round(min(r[1] for r in runs), 3))
            run.append(round(min(r[2] for r in runs), 3))
            progress = f"{size}: json {floor[-1]} s, load {load[-1]} s, summarize {run[-1]} s"
            print(progress, file=sys.stderr)
        biggest = str(workdir / f"bench-{SIZES[-1]}.json")
        cli = [
            fresh_process(["summarize", biggest, "--length", "standard"], workdir)
            for _ in range(CLI_ROUNDS)
        ]
        version = [fresh_process(["--version"], workdir) for _ in range(VERSION_ROUNDS)]
        preview = [fresh_process(PREVIEW, workdir) for _ in range(VERSION_ROUNDS)]
    print(
        json.dumps(
            {
                "messages": list(SIZES),
                "file_mb": sizes_mb,
                "json_load_s": floor,
                "json_load_gc_s": plain,
                "load_s": load,
                "summarize_s": run,
                "cold_summarize_s": cold,
                "ratio": [round(s / lo, 3) for s, lo in zip(run, load, strict=True)],
                "scaling": round(run[1] / run[0], 2),
                "ratio_to_json_load": [round(s / f, 3) for s, f in zip(run, floor, strict=True)],
                "load_ratio_to_json_load": [
                    round(lo / f, 3) for lo, f in zip(load, floor, strict=True)
                ],
                "cli_messages": SIZES[-1],
                "cli_s": round(min(c["seconds"] for c in cli), 3),
                "cli_runs_s": [round(c["seconds"], 3) for c in cli],
                "cli_peak_rss_mb": round(max(c["maxrss_kb"] for c in cli) / 1024, 1),
                "cli_ratio_to_json_load": round(min(c["seconds"] for c in cli) / floor[-1], 2),
                "cli_peak_rss_to_file": round(
                    max(c["maxrss_kb"] for c in cli) / 1024 / sizes_mb[-1], 2
                ),
                "version_s": round(min(v["seconds"] for v in version), 3),
                "preview_s": round(min(v["seconds"] for v in preview), 3),
                "targets": {
                    "ratio": 1,
                    "scaling": 12,
                    "cli_ratio_to_json_load": 2,
                    "cli_peak_rss_to_file": 3,
                    "version_s": 0.15,
                    "preview_s": 0.15,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
