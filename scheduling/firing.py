"""Fire times: when a recurrence fires, as a pure function of an explicit instant.

Calendar recurrences (daily, weekly, monthly, cron, once) are enumerated as *local dates and
wall-clock times* in the schedule's zone and only then turned into instants. That is what
makes them fire once per intended local date on DST change days:

- a wall time inside a spring gap (02:30 when clocks jump from 02:00 to 03:00) fires at the
  first valid instant after it: the moment of the jump (03:00);
- a wall time inside an autumn overlap (02:30 occurring twice) fires once, at its first
  occurrence (`fold=0`). APScheduler's CronTrigger fires twice there; this does not.

Intervals are plain elapsed time from their anchor and ignore wall clocks entirely.
"""

from __future__ import annotations

import bisect
import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduling.cron import parse_cron
from scheduling.recurrence_models import Cron, Daily, Interval, Monthly, Once, Recurrence, Weekly
from scheduling.zones import resolve_zone

# How far a search for the next/previous calendar fire looks before giving up (never fires).
SEARCH_DAYS = 366 * 5
# A gap shifts a wall time forward by at most this much (the largest DST jump in tzdata is
# one hour; Lord Howe's is 30 minutes); look this far back on the first day so a shifted time
# is not missed.
_GAP_SLACK_MINUTES = 120
_ONE_MINUTE = timedelta(minutes=1)
# Fire times exist only between these instants: far enough inside datetime's range (years 1
# to 9999) that turning a local wall time into UTC, in any zone, cannot overflow. The dates a
# schedule may name (1970–9000, `scheduling.bounds`) lie well inside, so this only ends a
# very long preview (a thousand yearly fires from the year 9000) early instead of crashing.
FIRST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
LAST_INSTANT = datetime(9999, 1, 1, tzinfo=UTC)
_FIRST_DAY = FIRST_INSTANT.date()
_LAST_DAY = LAST_INSTANT.date()


def _wall(moment: datetime) -> tuple[int, int, int, int, int]:
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute)


def resolve_local(day: date, minute_of_day: int, zone: ZoneInfo) -> datetime:
    """The instant a local wall time stands for, with the gap and overlap rules above."""
    hour, minute = divmod(minute_of_day, 60)
    first = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)  # fold=0
    wall = _wall(first)
    as_utc = first.astimezone(UTC)
    if _wall(as_utc.astimezone(zone)) == wall:
        return first
    # `wall` does not exist: fire at the jump, the first instant whose local time is after it.
    # It lies between the two readings of `wall`; transitions fall on whole minutes, so a
    # search over whole minutes lands on it exactly.
    low = first.replace(fold=1).astimezone(UTC)
    before, after = 0, int((as_utc - low) / _ONE_MINUTE)
    while after - before > 1:
        middle = (before + after) // 2
        if _wall((low + middle * _ONE_MINUTE).astimezone(zone)) > wall:
            after = middle
        else:
            before = middle
    return (low + after * _ONE_MINUTE).astimezone(zone)


class CalendarRule:
    """Which local dates match and at which wall times (minutes after midnight)."""

    __slots__ = ("day_matches", "first_date", "last_date", "minutes", "zone")

    def __init__(
        self,
        zone: ZoneInfo,
        minutes: tuple[int, ...],
        day_matches: Callable[[date], bool],
        first_date: date | None = None,
        last_date: date | None = None,
    ) -> None:
        self.zone = zone
        self.minutes = minutes
        self.day_matches = day_matches
        self.first_date = first_date
        self.last_date = last_date

    def next_after(self, after: datetime) -> datetime | None:
        """The first fire strictly after `after`, or None when there is none."""
        if after >= LAST_INSTANT:
            return None
        local = max(after, FIRST_INSTANT).astimezone(self.zone)
        day = local.date()
        if self.first_date is not None and day < self.first_date:
            day = self.first_date
        start = bisect.bisect_left(
            self.minutes, local.hour * 60 + local.minute - _GAP_SLACK_MINUTES
        )
        for offset in range(SEARCH_DAYS):
            if (self.last_date is not None and day > self.last_date) or day >= _LAST_DAY:
                return None
            if self.day_matches(day):
                for minute in self.minutes[start if offset == 0 else 0 :]:
                    moment = resolve_local(day, minute, self.zone)
                    if moment > after:
                        return moment if moment < LAST_INSTANT else None
            day += timedelta(days=1)
        return None

    def latest_until(self, before: datetime) -> datetime | None:
        """The last fire at or before `before`, or None when there is none."""
        if before < FIRST_INSTANT:
            return None
        before = min(before, LAST_INSTANT)
        day = before.astimezone(self.zone).date() + timedelta(days=1)
        if self.last_date is not None and day > self.last_date:
            day = self.last_date
        for _ in range(SEARCH_DAYS):
            if (self.first_date is not None and day < self.first_date) or day < _FIRST_DAY:
                return None
            if self.day_matches(day):
                for minute in reversed(self.minutes):
                    moment = resolve_local(day, minute, self.zone)
                    if moment <= before:
                        return moment
            day -= timedelta(days=1)
        return None


def _minute(at: time) -> int:
    return at.hour * 60 + at.minute


def _last_day(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _every_day(_: date) -> bool:
    return True


@lru_cache(maxsize=65536)
def calendar_rule(
    recurrence: Once | Daily | Weekly | Monthly | Cron, zone_name: str
) -> CalendarRule:
    """The rule of a calendar recurrence in a zone (cached: identical schedules share one)."""
    zone = resolve_zone(zone_name)
    if isinstance(recurrence, Daily):
        return CalendarRule(zone, (_minute(recurrence.time),), _every_day)
    if isinstance(recurrence, Weekly):
        days = frozenset(recurrence.weekdays)
        return CalendarRule(zone, (_minute(recurrence.time),), lambda d: d.isoweekday() in days)
    if isinstance(recurrence, Monthly):
        if recurrence.day == "last":
            return CalendarRule(zone, (_minute(recurrence.time),), _last_day)
        wanted = recurrence.day
        return CalendarRule(zone, (_minute(recurrence.time),), lambda d: d.day == wanted)
    if isinstance(recurrence, Once):
        on = recurrence.date
        return CalendarRule(zone, (_minute(recurrence.time),), lambda d: d == on, on, on)
    spec = parse_cron(recurrence.expression)
    return CalendarRule(zone, spec.minutes_of_day(), spec.day_matches)


def _interval_anchor(recurrence: Interval, start: datetime | None) -> datetime | None:
    """The instant an interval counts from, in UTC (None outside the span of fire times).

    Without its own anchor an interval counts from the first whole minute at or after `start`
    (its creation), so `every 6h` made at 19:27:46.956 fires at 01:28:00, not 01:27:46.956;
    that minute itself is not a fire (see `_first_step`). Only a `start` can lie outside the
    span: the model bounds an anchor.
    """
    if recurrence.anchor is not None:
        anchor = recurrence.anchor
    elif start is None:
        raise ValueError("an interval without an anchor needs `start` (the creation time)")
    else:
        anchor = _whole_minute_from(start)
    if not FIRST_INSTANT <= anchor < LAST_INSTANT:
        return None
    return anchor.astimezone(UTC)


def _whole_minute_from(moment: datetime) -> datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment or whole >= LAST_INSTANT else whole + _ONE_MINUTE


def _first_step(recurrence: Interval) -> int:
    """0 when the anchor itself fires (`from …`), 1 when it is only where counting starts."""
    return 0 if recurrence.anchor is not None else 1


def next_fire(
    recurrence: Recurrence, zone: str, after: datetime, start: datetime | None = None
) -> datetime | None:
    """The first fire strictly after `after`, in the schedule's zone (None: never again)."""
    if isinstance(recurrence, Interval):
        anchor = _interval_anchor(recurrence, start)
        if anchor is None or after >= LAST_INSTANT:
            return None
        period = recurrence.seconds
        if after < anchor:
            steps = _first_step(recurrence)
        else:
            steps = int((after - anchor).total_seconds() // period) + 1
        # Compared as numbers first: a schedule stored before the bound on intervals may hold
        # more seconds than a timedelta can.
        if steps * period >= (LAST_INSTANT - anchor).total_seconds():
            return None
        return (anchor + timedelta(seconds=steps * period)).astimezone(resolve_zone(zone))
    return calendar_rule(recurrence, zone).next_after(after)


def previous_fire(
    recurrence: Recurrence, zone: str, before: datetime, start: datetime | None = None
) -> datetime | None:
    """The last fire at or before `before` (None: it has not fired yet)."""
    if isinstance(recurrence, Interval):
        anchor = _interval_anchor(recurrence, start)
        if anchor is None:
            return None
        before = min(before, LAST_INSTANT)
        if before < anchor:
            return None
        steps = int((before - anchor).total_seconds() // recurrence.seconds)
        if steps < _first_step(recurrence):
            return None
        return (anchor + timedelta(seconds=steps * recurrence.seconds)).astimezone(
            resolve_zone(zone)
        )
    return calendar_rule(recurrence, zone).latest_until(before)
