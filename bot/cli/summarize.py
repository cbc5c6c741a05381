"""`summarybot summarize SOURCE`: summarize a DiscordChatExporter export to stdout.

Needs no Discord token and always summarizes, however few messages the window holds (the
minimum-count rule is for scheduled runs). Every failure is one `summarybot: …` line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from bot.config import load_section, load_settings
from delivery.render import render
from summarizer import summarize
from summarizer.errors import SummarizerError
from summarizer.models import Summary, SummaryLength, SummaryOptions
from summarizer.notes import count
from summarizer.settings import LLMSettings, SummarizerSettings
from summarizer.sources import ExportSource

EXIT_FAILED, EXIT_USAGE = 1, 2
T = TypeVar("T")
SECRET_ENV = "SUMMARYBOT_WEBHOOK_SECRET"  # noqa: S105 -- the variable name


def configure(parser: argparse.ArgumentParser) -> None:
    """Give `summarize` its description, options and handler."""
    parser.description = (
        "Summarize a DiscordChatExporter JSON export (one file or a directory of "
        "them) and print the digest. Needs no Discord token."
    )
    parser.add_argument("source", metavar="SOURCE", help="export file or directory")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML file (default: $SUMMARYBOT_CONFIG, else ./config.toml if present)",
    )
    parser.add_argument(
        "--engine", choices=["extractive", "llm"], help="summary engine (default: from config)"
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=["markdown", "json", "text"],
        help="markdown (default), json or text; also the format of --to files (over their name)",
    )
    parser.add_argument(
        "--length", choices=[length.value for length in SummaryLength], default="standard"
    )
    parser.add_argument("--since", metavar="ISO", help="first instant to include (with offset)")
    parser.add_argument("--until", metavar="ISO", help="first instant to leave out (with offset)")
    parser.add_argument(
        "--to",
        action="append",
        default=[],
        metavar="DEST",
        help="deliver instead of printing: https://… (signed webhook) or file:PATH / PATH "
        "(under delivery.file_root); repeatable",
    )
    parser.add_argument(
        "--webhook-secret",
        metavar="WHSEC",
        help=f"whsec_… signing secret for --to webhooks (default: ${SECRET_ENV}, else a new one)",
    )
    parser.error = _one_line_error  # type: ignore[method-assign]
    parser.set_defaults(handler=_handle)


def _one_line_error(message: str) -> NoReturn:
    print(f"summarybot: summarize: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def _handle(args: argparse.Namespace) -> int:
    # Delivering needs every setting; printing only [summarizer], which is its defaults (and
    # pydantic-settings is not imported) when there is no file and no variable to read.
    settings = load_settings(args.config) if args.to else None
    section = (
        settings.summarizer
        if settings is not None
        else load_section("summarizer", SummarizerSettings, args.config)
    )
    try:
        since = _instant(args.since, "--since")
        until = _instant(args.until, "--until")
        if since and until and until <= since:
            raise SummarizerError("--until must be later than --since")
        destinations = []
        if settings is not None:
            # discord.py and aiohttp, imported only for a command that delivers.
            from bot.cli.destinations import parse_destinations

            destinations = parse_destinations(args.to, settings, args.webhook_secret, args.fmt)
        engine = args.engine or section.engine
        summary, guild_id = _run(
            summarize_export(
                Path(args.source),
                length=args.length,
                engine=engine,
                since=since,
                until=until,
                max_messages=section.max_messages,
                llm_settings=section.llm,
                progress=sys.stderr.isatty(),
            ),
            waits=engine == "llm",
        )
        if destinations:
            from bot.cli.destinations import deliver

            results = _run(deliver(summary, destinations, settings, guild_id), waits=True)
    except SummarizerError as exc:
        print(f"summarybot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not destinations:
        output = render(summary, args.fmt or "markdown")
        sys.stdout.write(output if output.endswith("\n") or not output else output + "\n")
        return 0
    from bot.cli.destinations import describe_result

    for destination, result in zip(destinations, results, strict=True):
        print(describe_result(destination, result))
    return 0 if all(result.delivered for result in results) else EXIT_FAILED


def _run(work: Coroutine[Any, Any, T], *, waits: bool) -> T:
    """Run `work` to its end: in an event loop if it `waits` (for the network), else at once.

    The offline engine never waits (reading the export and summarizing are plain calls behind
    `async` signatures), so it runs without asyncio, whose import is ~0.02 s of the command.
    """
    if waits:
        import asyncio

        return asyncio.run(work)
    try:
        work.send(None)
    except StopIteration as done:
        return done.value
    work.close()
    raise RuntimeError("the offline engine waited for something; run it in an event loop")


def _instant(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SummarizerError(
            f"{option}: {value!r} is not an ISO 8601 date-time (e.g. 2024-05-01T09:00+02:00)"
        ) from None
    if parsed.tzinfo is None:
        raise SummarizerError(f"{option}: {value!r} has no UTC offset; add one (e.g. Z or +02:00)")
    try:
        # In UTC now, as the summary keeps it: at year 1 or 9999 the offset can carry it out of
        # the calendar, which is better said here than as an OverflowError deep in the summary.
        return parsed.astimezone(UTC)
    except OverflowError:
        raise SummarizerError(
            f"{option}: {value!r} falls outside the calendar (years 1 to 9999) in UTC"
        ) from None


async def summarize_export(
    source: Path,
    *,
    length: str = "standard",
    engine: str = "extractive",
    since: datetime | None = None,
    until: datetime | None = None,
    max_messages: int | None = None,
    progress: bool = False,
    llm_settings: LLMSettings | None = None,
) -> tuple[Summary, int | None]:
    """Read an export and summarize it; also returns the export's guild id.

    `max_messages` is applied while reading: only the most recent messages of the window
    become `ChatMessage`s, and the note says exactly how many earlier ones were left out.
    """
    _progress(progress, f"reading {source.name}…")
    loaded = ExportSource(source).load(since, until, limit=max_messages)
    _progress(progress, f"summarizing {count(len(loaded.messages), 'message')}…")
    options = SummaryOptions(
        engine=engine,  # type: ignore[arg-type]
        length=SummaryLength(length),
        max_messages=max_messages,
        title=loaded.title,
        guild=loaded.guild,
        channels=tuple(loaded.channels),
        # A cut window still starts at its first message, as `summarize` does when it cuts.
        start=since or (loaded.first_at if loaded.truncated else None),
        end=until,
    )
    if engine == "llm":
        import aiohttp

        from summarizer.llm import LLMEngine

        # One session for the whole command, as the bot shares one for every job.
        async with aiohttp.ClientSession() as session:
            model = LLMEngine(llm_settings or LLMSettings(), session)
            summary = await summarize(loaded.messages, options, llm=model)
    else:
        summary = await summarize(loaded.messages, options)
    if max_messages is not None:
        summary = loaded.mark_truncation(summary, max_messages)
    _progress(progress, "")
    return summary, loaded.guild.id if loaded.guild else None


def _progress(enabled: bool, message: str) -> None:
    if enabled:
        # \r and a clear-to-end-of-line keep the indication on one terminal line.
        sys.stderr.write(f"\r\x1b[K{message}")
        sys.stderr.flush()
