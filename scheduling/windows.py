"""Which stretch of time a run summarizes: pure functions of their inputs.

Windows are anchored: a run covers `[end of the anchor's window, scheduled_for)`, the anchor
being the latest run that ended succeeded, partial or skipped. So consecutive windows tile
time, with no message read twice and none skipped, across failures, downtime and DST.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict


class Window(BaseModel):
    """A half-open interval `[start, end)` of message times, aware UTC."""

    model_config = ConfigDict(frozen=True)

    start: AwareDatetime
    end: AwareDatetime
    # True when `max_lookback` cut the window short (the digest should say so).
    capped: bool = False

    @property
    def empty(self) -> bool:
        """Nothing to summarize: the anchor already reaches the slot."""
        return self.start >= self.end


def window_for(
    scheduled_for: datetime,
    *,
    anchor_end: datetime | None,
    lookback: timedelta,
    max_lookback: timedelta,
    first_slot: datetime | None = None,
) -> Window:
    """The window of the run for `scheduled_for`.

    Without an anchor (a first run) it reaches back `lookback` from the schedule's first slot
    (`first_slot`, else `scheduled_for`): a first run that comes late, caught up after the
    bot was down over the first slots, also covers the windows of those it missed. Either way
    it never reaches back more than `max_lookback`, so a schedule resumed after months does
    not summarize months.
    """
    if anchor_end is not None:
        start = anchor_end
    else:
        first = min(scheduled_for, first_slot or scheduled_for)
        start = first - min(lookback, max_lookback)
    floor = scheduled_for - max_lookback
    capped = start < floor
    return Window(start=max(start, floor), end=scheduled_for, capped=capped)
