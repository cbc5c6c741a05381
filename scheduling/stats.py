"""A guild's runs over a period, in numbers: outcomes, deliveries, digest sizes, durations.

`/summarybot stats` reads this. The store hands over one small row per run and one total per
destination; everything else (the days in the guild's zone, medians and 95th percentiles) is
computed here, in plain Python, so the numbers are the same whatever database sits below.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from delivery.models import Destination
from scheduling.models import RunStatus

if TYPE_CHECKING:
    from scheduling.store import Store

# Runs that delivered a digest (to every destination, or to some): their message counts are
# the digest sizes. A skipped run summarized nothing; a failed one delivered nothing.
DIGEST_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.PARTIAL})


class RunFact(BaseModel):
    """What the statistics need of one run (not its window or error)."""

    model_config = ConfigDict(frozen=True)

    schedule_id: str
    status: RunStatus
    started_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    message_count: int | None = None

    @property
    def seconds(self) -> float | None:
        """How long the run took, once it finished."""
        if self.finished_at is None or self.status is RunStatus.RUNNING:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())


class DeliveryTotals(BaseModel):
    """One destination of one schedule over the period: finished deliveries and successes.

    `destination` is the latest snapshot the deliveries recorded, so a destination removed
    since is still described.
    """

    model_config = ConfigDict(frozen=True)

    schedule_id: str
    destination: Destination
    finished: int = Field(ge=0)
    delivered: int = Field(ge=0)


class Spread(BaseModel):
    """How a set of values is spread: the middle, the 95th percentile, the largest, the sum."""

    model_config = ConfigDict(frozen=True)

    count: int
    median: float
    p95: float
    largest: float
    total: float


class GuildStats(BaseModel):
    """A guild's runs between `since` and `until`, with per-day counts in the guild's zone."""

    model_config = ConfigDict(frozen=True)

    since: AwareDatetime
    until: AwareDatetime
    zone: str
    outcomes: dict[str, dict[RunStatus, int]]
    per_day: list[tuple[date, dict[RunStatus, int]]]
    deliveries: list[DeliveryTotals]
    digest_sizes: Spread | None
    durations: Spread | None

    @property
    def totals(self) -> dict[RunStatus, int]:
        """Runs per outcome over all schedules."""
        total: Counter[RunStatus] = Counter()
        for counts in self.outcomes.values():
            total.update(counts)
        return dict(total)


def period_start(now: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The start of the `days`-day period ending now: midnight, `days - 1` days before today.

    Days are the guild's calendar days, so "the last 7 days" are seven bars a reader recognises,
    whatever the UTC offset or a DST change in between.
    """
    first = now.astimezone(zone).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(0), tzinfo=zone)


def percentile(ordered: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of sorted values: a value that occurred, never interpolated."""
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def spread(values: Iterable[float]) -> Spread | None:
    """Median, 95th percentile, largest and total of `values` (None when there are none)."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return Spread(
        count=len(ordered),
        median=median,
        p95=percentile(ordered, 0.95),
        largest=ordered[-1],
        total=sum(ordered),
    )


def compile_stats(
    runs: Sequence[RunFact],
    deliveries: Sequence[DeliveryTotals],
    *,
    since: datetime,
    until: datetime,
    zone: ZoneInfo,
) -> GuildStats:
    """The statistics of these runs and deliveries (already limited to the period)."""
    outcomes: dict[str, Counter[RunStatus]] = {}
    days: dict[date, Counter[RunStatus]] = {}
    first, last = since.astimezone(zone).date(), until.astimezone(zone).date()
    for offset in range((last - first).days + 1):
        days[first + timedelta(days=offset)] = Counter()
    for run in runs:
        outcomes.setdefault(run.schedule_id, Counter())[run.status] += 1
        day = run.started_at.astimezone(zone).date()
        days.setdefault(day, Counter())[run.status] += 1
    sizes = (
        float(run.message_count)
        for run in runs
        if run.status in DIGEST_STATUSES and run.message_count is not None
    )
    return GuildStats(
        since=since,
        until=until,
        zone=zone.key,
        outcomes={key: dict(counts) for key, counts in outcomes.items()},
        per_day=[(day, dict(counts)) for day, counts in sorted(days.items())],
        deliveries=list(deliveries),
        digest_sizes=spread(sizes),
        durations=spread(s for run in runs if (s := run.seconds) is not None),
    )


async def guild_stats(
    store: Store, guild_id: int, *, days: int, now: datetime, zone: ZoneInfo
) -> GuildStats:
    """A guild's statistics over its last `days` calendar days (today included)."""
    since = period_start(now, days, zone)
    runs = await store.guild_runs_since(guild_id, since)
    deliveries = await store.delivery_totals(guild_id, since)
    return compile_stats(runs, deliveries, since=since, until=now, zone=zone)
