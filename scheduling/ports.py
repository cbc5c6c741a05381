"""What scheduling needs from its collaborators, injected by the composition root.

Scheduling runs and is tested without Discord: it is handed a message source, a summarize
callable and a deliver callable (fakes in tests; `bot.history`, `summarizer.summarize` and
`delivery.deliver_all` in the bot).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from scheduling.models import Delivery, Run, Schedule, ScheduleNotice
from summarizer.models import ChatMessage, Summary, SummaryOptions
from summarizer.sources import FetchResult, MessageSource

__all__ = [
    "Deliver",
    "FetchResult",
    "MessageSource",
    "Notify",
    "RunObserver",
    "Summarize",
    "ThreadFilter",
    "summary_options",
    "tell",
]

log = logging.getLogger(__name__)

# Tells a guild's admins what the scheduler decided (the bot posts it to the log channel).
Notify = Callable[[ScheduleNotice], Awaitable[None]]
# Asked by a message source about each part with an audience of its own (a private thread).
ThreadFilter = Callable[[Any], Awaitable[bool]]


async def tell(notify: Notify | None, notice: ScheduleNotice) -> None:
    """Send a notice, logging one that cannot be sent: the decision it reports is stored."""
    if notify is None:
        return
    try:
        await notify(notice)
    except Exception:
        log.exception("schedule %s: could not send a notice", notice.schedule_id)


class Summarize(Protocol):
    """`summarizer.summarize`: messages and options in, a `Summary` out."""

    async def __call__(self, messages: Sequence[ChatMessage], options: SummaryOptions) -> Summary:
        """Summarize `messages` as `options` ask."""


class Deliver(Protocol):
    """Send a run's summary to its pending deliveries; returns each row's final state.

    Rows already `delivered` (a resumed run) are returned unchanged, not sent again.
    """

    async def __call__(
        self, schedule: Schedule, run: Run, summary: Summary, deliveries: list[Delivery]
    ) -> list[Delivery]:
        """Deliver and return the final state of every row."""


class RunObserver(Protocol):
    """Told of every finished run attempt and its deliveries (metrics); must not raise or block.

    Called synchronously from the job, after the outcome is stored.
    """

    def run_finished(self, run: Run) -> None:
        """A run attempt ended (`run.status` is its outcome, retried or not)."""

    def deliveries_finished(self, deliveries: Sequence[Delivery]) -> None:
        """A run's deliveries reached their final state for this attempt."""


def summary_options(
    schedule: Schedule,
    fetched: FetchResult,
    *,
    start: datetime,
    end: datetime,
    max_messages: int,
    default_engine: str,
    generated_at: datetime,
) -> SummaryOptions:
    """The summarizer options for one run of a schedule: its settings and its window."""
    return SummaryOptions.model_validate(
        {
            "engine": schedule.engine or default_engine,
            "length": schedule.length,
            "language": schedule.language,
            "max_messages": max_messages,
            "title": schedule.name or None,
            "guild": fetched.guild,
            "channels": tuple(fetched.channels),
            "start": start,
            "end": end,
            "generated_at": generated_at,
        }
    )
