"""Messages in, Summary out; knows nothing of Discord, schedules or delivery.

`summarize()` is the one entry point: it applies the privacy and size options, then hands the
remaining messages to the engine named in the options.
"""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable, Sequence
from itertools import islice
from typing import TYPE_CHECKING

from summarizer.errors import SummarizerError

if TYPE_CHECKING:
    from summarizer.llm import LLMEngine
    from summarizer.models import ChatMessage, KeyPoint, Summary, SummaryOptions

Engine = Callable[["Sequence[ChatMessage]", "SummaryOptions"], Awaitable["Summary"]]


async def _extractive(messages: Sequence[ChatMessage], options: SummaryOptions) -> Summary:
    """The offline engine, imported when it first runs.

    Importing `summarizer` (for its settings, or `summarizer.models`) must not load the engine:
    its word lists and language data cost ~0.15 s, which `summarybot --version`, `preview` and
    `check` would pay for nothing.
    """
    from summarizer.extractive import summarize_extractive

    return await summarize_extractive(messages, options)


# Engines that need nothing but the messages; a configured engine missing here is an error, not
# a fallback. The LLM engine needs a network session, so the caller owns it and passes it in.
ENGINES: dict[str, Engine] = {"extractive": _extractive}


async def summarize(
    messages: Sequence[ChatMessage], options: SummaryOptions, *, llm: LLMEngine | None = None
) -> Summary:
    """Summarize `messages` as `options` ask; raises `SummarizerError` for an unknown engine.

    `options.engine == "llm"` uses `llm` (one `LLMEngine` shared by every job, so its limiter
    and daily budgets cover them all).
    """
    engine: Engine | None = ENGINES.get(options.engine)
    if options.engine == "llm":
        if llm is None:
            raise SummarizerError(
                "the llm engine needs a model connection: pass llm=LLMEngine(settings, session)"
            )
        engine = llm
    if engine is None:
        available = ", ".join(sorted(ENGINES))
        raise SummarizerError(
            f"summary engine {options.engine!r} is not available in this build "
            f"(available: {available})"
        )
    kept = select_messages(messages, options)
    limit = options.max_messages
    left_out = len(kept) - limit if limit is not None else 0
    if left_out > 0:
        # The most recent messages are the ones a reader of the digest has not seen yet; the
        # window is still the whole one, from its first message, and the note says the rest.
        if options.start is None:
            options = options.model_copy(update={"start": kept[0].created_at})
        kept = kept[left_out:]
    summary = with_citations(await engine(kept, options), kept)
    if limit is not None and left_out > 0:
        from summarizer.notes import mark_truncated

        summary = mark_truncated(summary, limit=limit, left_out=left_out)
    return summary


def with_citations(summary: Summary, messages: Sequence[ChatMessage]) -> Summary:
    """Every key point with the link and time of the first message it cites.

    Both engines cite message ids; the link and the time follow from the messages, so they
    are filled here once for any engine that left them out (the model's points). A point
    that has its time was made from its message, link and all (the offline engine's are):
    when every point has it, the window is not walked and the summary is not copied.
    """
    cited = {p.message_ids[0] for t in summary.topics for p in t.points if p.said_at is None}
    if not cited:
        return summary
    first = {m.id: m for m in messages if m.id in cited}

    def completed(point: KeyPoint) -> KeyPoint:
        message = first.get(point.message_ids[0])
        if message is None:
            return point
        return point.model_copy(
            update={
                "jump_url": point.jump_url or message.jump_url,
                "said_at": point.said_at or message.created_at,
            }
        )

    topics = [
        t.model_copy(update={"points": [completed(p) for p in t.points]}) for t in summary.topics
    ]
    return summary.model_copy(update={"topics": topics})


def select_messages(messages: Sequence[ChatMessage], options: SummaryOptions) -> list[ChatMessage]:
    """Drop bots (unless asked) and opted-out members; order oldest first."""
    excluded = options.exclude_user_ids
    if options.include_bots:
        kept = [m for m in messages if m.author.id not in excluded] if excluded else [*messages]
    elif excluded:
        kept = [m for m in messages if not m.author.is_bot and m.author.id not in excluded]
    else:
        kept = [m for m in messages if not m.author.is_bot]
    # Each neighbouring pair compared once, by `map` (a window is nearly always in order).
    times = [m.created_at for m in kept]
    if any(map(operator.gt, times, islice(times, 1, None))):
        kept.sort(key=lambda m: (m.created_at, m.id))
    return kept


__all__ = ["ENGINES", "SummarizerError", "select_messages", "summarize", "with_citations"]
