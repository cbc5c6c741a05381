"""What scheduling needs from its collaborators, injected by the composition root.

Scheduling runs and is tested without Discord: it is handed a message source, a summarize
callable and a deliver callable (fakes in tests; `bot.history`, `summarizer.summarize` and
`delivery.deliver_all` in the bot).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from scheduling.models import Delivery, Run, Schedule

if TYPE_CHECKING:
    from summarizer.models import ChatMessage, Summary, SummaryOptions
    from summarizer.sources import MessageSource as MessageSource
else:
    from summarizer.sources import MessageSource as MessageSource


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


def summary_options(schedule: Schedule, max_messages: int) -> SummaryOptions:
    """The summarizer options a schedule asks for."""
    from summarizer.models import SummaryOptions

    fields: dict[str, object] = {"length": str(schedule.length), "max_messages": max_messages}
    if schedule.engine is not None:
        fields["engine"] = schedule.engine
    if schedule.language is not None:
        fields["language"] = schedule.language
    return SummaryOptions.model_validate(fields)
