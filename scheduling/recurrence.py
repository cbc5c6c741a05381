"""The `when` grammar ↔ Recurrence ↔ APScheduler trigger, and fire-time previews.

`parse_when("weekdays at 9am")` gives a Recurrence; `describe()` writes it back in the
grammar's own words so that `parse_when(describe(r)) == r`. The time zone is the schedule's,
shown beside the description, never part of it.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import lru_cache

from apscheduler.triggers.base import BaseTrigger

from scheduling.bounds import MAX_SPAN_SECONDS, date_problem, instant_problem, span_problem
from scheduling.cron import MACROS, normalize, parse_cron
from scheduling.errors import RecurrenceError
from scheduling.firing import CalendarRule, calendar_rule, next_fire, previous_fire
from scheduling.recurrence_models import Cron, Daily, Interval, Monthly, Once, Recurrence, Weekly
from scheduling.zones import UnknownTimeZoneError, resolve_zone

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_LOOKUP = {
    name[:length]: number
    for number, name in enumerate(DAY_NAMES, start=1)
    for length in (3, len(name))
} | {"tues": 2, "wednes": 3, "thur": 4, "thurs": 4}
_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 604800),
}
# A unit word alone, the way people say it: `hourly` is `every hour`, which is `every 1 hour`.
_BARE_UNITS = {"hourly": "hour", "daily": "day", "weekly": "week"}
_UNIT_NAMES = ((604800, "week"), (86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))
FORMS = (
    "daily at 09:00 · weekdays at 17:30 · weekends at 10 · every monday,thursday at 9am · "
    "every 6h · every 90 minutes · every hour · monthly on 1 at 08:00 · "
    "monthly on last at 18:00 · once 2026-12-24 18:00 · cron 0 9 * * 1-5"
)
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
# `every 6h`, `every 2 weeks from …Z`, `every day`; a decimal amount only to suggest a whole one.
_INTERVAL = re.compile(r"every\s+(?:(\d*\.?\d+)\s*)?([a-z]+)(?:\s+from\s+(\S+))?")
_DATE = r"(?P<date>\d{4}-\d{2}-\d{2})"
# `once [on|at] DATE [at] TIME`, `once DATETTIME` and `once [at] TIME on DATE`.
_ONCE_FORMS = (
    re.compile(rf"(?:(?:on|at)\s+)?{_DATE}(?:t|\s+(?:at\s+)?)(?P<time>.+)", re.I),
    re.compile(rf"(?:at\s+)?(?P<time>.+?)\s+on\s+{_DATE}", re.I),
)


def _error(text: str, problem: str) -> RecurrenceError:
    return RecurrenceError(f"`{text}`: {problem}")


def parse_time(text: str, whole: str) -> time:
    """`9`, `09:00`, `9am`, `9:30pm`, `21:30`, `noon`, `midnight` → a wall-clock time."""
    word = text.strip().lower()
    if word in {"noon", "midday"}:
        return time(12, 0)
    if word == "midnight":
        return time(0, 0)
    match = _TIME.match(word)
    if match is None:
        raise _error(whole, f"{text.strip()!r} is not a time (try 09:00, 9am or 17:30)")
    hour, minute, meridiem = int(match[1]), int(match[2] or 0), match[3]
    if meridiem:
        if not 1 <= hour <= 12:
            raise _error(whole, f"{text.strip()}: with am/pm the hour must be 1–12")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23:
        raise _error(whole, f"{text.strip()}: hour must be 0–23")
    if minute > 59:
        raise _error(whole, f"{text.strip()}: minute must be 0–59")
    return time(hour, minute)


def _weekdays(text: str, whole: str) -> tuple[int, ...]:
    days = []
    for token in re.split(r"\s*(?:,|\band\b|&)\s*", text.strip()):
        key = token.strip().lower().removesuffix("s") if len(token) > 4 else token.strip().lower()
        if key not in _DAY_LOOKUP:
            raise _error(
                whole,
                f"{token.strip()!r} is not a day of the week (monday … sunday); forms: {FORMS}",
            )
        days.append(_DAY_LOOKUP[key])
    return tuple(sorted(set(days)))


def parse_when(text: str) -> Recurrence:
    """Parse the `when` grammar (case-insensitive); errors list what was expected."""
    whole = " ".join(text.split())
    lowered = whole.lower()
    if not lowered:
        raise RecurrenceError(f"say when, e.g. {FORMS}")
    if lowered.startswith("cron "):
        return _cron(whole[5:], whole)
    if lowered in MACROS or _looks_like_cron(whole):
        return _cron(whole, whole)
    if lowered.startswith("once "):
        return _once(whole[5:], whole)
    match = _INTERVAL.fullmatch(
        f"every 1 {_BARE_UNITS[lowered]}" if lowered in _BARE_UNITS else lowered
    )
    # Without a number only a unit counts (`every day`): `every monday` needs its `at`.
    if match and (match[1] is not None or match[2] in _UNITS):
        return _interval(match, whole)
    subject, at, clock = lowered.rpartition(" at ")
    if not at:
        raise _error(whole, f"not understood; use one of: {FORMS}")
    moment = parse_time(clock, whole)
    if subject in {"daily", "every day", "each day"}:
        return Daily(time=moment)
    if subject in {"weekdays", "every weekday", "on weekdays"}:
        return Weekly(weekdays=(1, 2, 3, 4, 5), time=moment)
    if subject in {"weekends", "every weekend", "on weekends"}:
        return Weekly(weekdays=(6, 7), time=moment)
    monthly = re.fullmatch(r"monthly on (?:the )?(last|\d{1,2})(?:st|nd|rd|th)?(?: day)?", subject)
    if monthly:
        day = monthly[1]
        if day != "last" and not 1 <= int(day) <= 31:
            raise _error(whole, f"day of month {day} must be 1–31 or last")
        return Monthly(day="last" if day == "last" else int(day), time=moment)
    weekly = re.fullmatch(r"(?:every |on )?([a-z ,&]+)", subject)
    if weekly:
        return Weekly(weekdays=_weekdays(weekly[1], whole), time=moment)
    raise _error(whole, f"not understood; use one of: {FORMS}")


def _looks_like_cron(text: str) -> bool:
    parts = text.split()
    return (
        len(parts) == 5
        and all(re.fullmatch(r"[\d*/,\-a-zA-Z]+", p) for p in parts)
        and any(c.isdigit() or c == "*" for c in parts[0])
    )


def _cron(expression: str, whole: str) -> Cron:
    parse_cron(expression)  # raises with the field and range
    return Cron(expression=normalize(expression))


def _once(rest: str, whole: str) -> Once:
    match = next(filter(None, (form.fullmatch(rest.strip()) for form in _ONCE_FORMS)), None)
    if match is None:
        raise _error(
            whole,
            "a one-time schedule is `once YYYY-MM-DD HH:MM` (or `once at HH:MM on YYYY-MM-DD`)",
        )
    try:
        day = date.fromisoformat(match["date"])
    except ValueError:
        raise _error(whole, f"{match['date']} is not a calendar date") from None
    problem = date_problem(day)
    if problem is not None:
        raise _error(whole, problem)
    return Once(date=day, time=parse_time(match["time"], whole))


def _interval(match: re.Match[str], whole: str) -> Interval:
    digits, unit, anchor_text = match[1] or "1", match[2], match[3]
    if unit not in _UNITS:
        raise _error(whole, f"unit {unit!r} is not minutes, hours, days or weeks")
    if not digits.isdigit():
        raise _error(whole, _whole_amount_hint(digits, _UNITS[unit], anchor_text))
    # int() refuses more than 4,300 digits (a ValueError); ten digits are too long already.
    significant = digits.lstrip("0") or "0"
    too_long = len(significant) > len(str(MAX_SPAN_SECONDS))
    seconds = MAX_SPAN_SECONDS + 1 if too_long else int(significant) * _UNITS[unit]
    if seconds == 0:
        raise _error(whole, "an interval must be longer than zero")
    problem = span_problem(seconds, "an interval")
    if problem is not None:
        raise _error(whole, problem)
    anchor = None
    if anchor_text:
        try:
            anchor = datetime.fromisoformat(anchor_text.upper())
        except ValueError:
            raise _error(whole, f"{anchor_text} is not an ISO date-time") from None
        if anchor.tzinfo is None:
            raise _error(whole, f"{anchor_text}: give the anchor a UTC offset (e.g. …Z)")
        problem = instant_problem(anchor)
        if problem is not None:
            raise _error(whole, f"the anchor {problem}")
    return Interval(seconds=seconds, anchor=anchor)


def _whole_amount_hint(amount: str, unit_seconds: int, anchor_text: str | None) -> str:
    """What to write instead of a decimal amount: the same span in a smaller unit, if exact.

    `every 1.5 hours` is `every 90 minutes`. More than seven decimals never come out whole (a
    week is 2⁷·3³·5²·7 seconds), which also keeps a 5,000-digit amount cheap to judge.
    """
    integer, _, decimals = amount.partition(".")
    integer, decimals = integer.lstrip("0"), decimals.rstrip("0")
    if len(integer) > len(str(MAX_SPAN_SECONDS)):
        return str(span_problem(MAX_SPAN_SECONDS + 1, "an interval"))
    advice = "amounts are whole numbers of seconds, minutes, hours, days or weeks"
    if len(decimals) > 7:
        return advice
    scale = 10 ** len(decimals)
    seconds = Fraction(int(integer or "0") * scale + int(decimals or "0"), scale) * unit_seconds
    if seconds == 0:
        return "an interval must be longer than zero"
    if seconds.denominator != 1:
        return advice
    problem = span_problem(int(seconds), "an interval")
    if problem is not None:
        return problem
    size, name = next((s, n) for s, n in _UNIT_NAMES if s <= unit_seconds and seconds % s == 0)
    count = int(seconds) // size
    suggestion = f"every {count} {name}{'' if count == 1 else 's'}"
    if anchor_text:
        suggestion += f" from {anchor_text.upper()}"
    return f"amounts are whole numbers; did you mean `{suggestion}`?"


def describe(recurrence: Recurrence) -> str:
    """The recurrence in the grammar's own words (without its zone)."""
    if isinstance(recurrence, Daily):
        return f"daily at {recurrence.time:%H:%M}"
    if isinstance(recurrence, Weekly):
        at = f"{recurrence.time:%H:%M}"
        if recurrence.weekdays == (1, 2, 3, 4, 5):
            return f"weekdays at {at}"
        if recurrence.weekdays == (6, 7):
            return f"weekends at {at}"
        return f"every {','.join(DAY_NAMES[d - 1] for d in recurrence.weekdays)} at {at}"
    if isinstance(recurrence, Monthly):
        return f"monthly on {recurrence.day} at {recurrence.time:%H:%M}"
    if isinstance(recurrence, Once):
        return f"once {recurrence.date.isoformat()} {recurrence.time:%H:%M}"
    if isinstance(recurrence, Interval):
        seconds = recurrence.seconds
        # The largest whole unit: "every 2 weeks", not "every 336h" (the grammar reads both).
        if seconds % 604800 == 0:
            weeks = seconds // 604800
            text = "every week" if weeks == 1 else f"every {weeks} weeks"
        elif seconds % 86400 == 0:
            days = seconds // 86400
            text = "every day" if days == 1 else f"every {days} days"
        elif seconds % 3600 == 0:
            text = f"every {seconds // 3600}h"
        elif seconds % 60 == 0:
            text = f"every {seconds // 60} minute{'' if seconds == 60 else 's'}"
        else:
            text = f"every {seconds} second{'' if seconds == 1 else 's'}"
        if recurrence.anchor is not None:
            text += f" from {recurrence.anchor.astimezone(UTC).isoformat().replace('+00:00', 'Z')}"
        return text
    return f"cron {recurrence.expression}"


def nominal_period(recurrence: Recurrence) -> timedelta:
    """One period: the default reach of a first window ("since the last one would have run")."""
    if isinstance(recurrence, Interval):
        # Capped: a schedule stored before the bound may hold more seconds than a timedelta.
        return timedelta(seconds=min(recurrence.seconds, MAX_SPAN_SECONDS))
    if isinstance(recurrence, Daily | Once):
        return timedelta(days=1)
    if isinstance(recurrence, Weekly):
        # The longest gap between two of its days: a Monday digest of a Mon/Thu schedule
        # reaches back to Thursday.
        days = recurrence.weekdays
        gaps = [(days[(i + 1) % len(days)] - d) % 7 or 7 for i, d in enumerate(days)]
        return timedelta(days=max(gaps))
    if isinstance(recurrence, Monthly):
        return timedelta(days=31)
    fires = next_fire_times(recurrence, "UTC", after=datetime(2026, 1, 1, tzinfo=UTC), count=8)
    gaps = [b - a for a, b in itertools.pairwise(fires)]
    return max(gaps, default=timedelta(days=1))


def validate_recurrence(
    recurrence: Recurrence, *, zone: str, now: datetime, min_interval_seconds: int
) -> None:
    """Refuse what could be stored but would never do what the person meant."""
    try:
        resolve_zone(zone)
    except UnknownTimeZoneError as exc:
        raise RecurrenceError(str(exc)) from None
    problem = _bounds_problem(recurrence)
    if problem is not None:
        raise RecurrenceError(f"{describe(recurrence)}: {problem}")
    if isinstance(recurrence, Interval) and recurrence.seconds < min_interval_seconds:
        shortest = describe(Interval(seconds=min_interval_seconds)).removeprefix("every ")
        raise RecurrenceError(
            f"{describe(recurrence)} is shorter than the shortest interval allowed ({shortest})"
        )
    if isinstance(recurrence, Cron):
        parse_cron(recurrence.expression)
    if next_fire(recurrence, zone, now, start=now) is None:
        if isinstance(recurrence, Once):
            raise RecurrenceError(f"{describe(recurrence)} ({zone}) is in the past")
        raise RecurrenceError(f"{describe(recurrence)} never fires")


def _bounds_problem(recurrence: Recurrence) -> str | None:
    """What is out of bounds in `recurrence`, or None.

    The models check this on input; a schedule stored before they did is checked here, when it
    is resumed or edited.
    """
    if isinstance(recurrence, Once):
        return date_problem(recurrence.date)
    if isinstance(recurrence, Interval):
        anchor = recurrence.anchor
        return span_problem(recurrence.seconds, "an interval") or (
            None if anchor is None else instant_problem(anchor)
        )
    return None


def next_fire_times(
    recurrence: Recurrence,
    zone: str,
    *,
    after: datetime,
    count: int,
    start: datetime | None = None,
) -> list[datetime]:
    """The next `count` fire times strictly after `after`, in the zone."""
    times: list[datetime] = []
    moment: datetime | None = after
    while moment is not None and len(times) < count:
        moment = next_fire(recurrence, zone, moment, start or after)
        if moment is not None:
            times.append(moment)
    return times


def previous_fire_time(
    recurrence: Recurrence, zone: str, *, before: datetime, start: datetime | None = None
) -> datetime | None:
    """The latest fire at or before `before` (a run's slot is derived from it)."""
    return previous_fire(recurrence, zone, before, start)


class RecurrenceTrigger(BaseTrigger):
    """An APScheduler trigger over our fire-time rules (DST-safe, standard cron).

    Stateless apart from its inputs, so identical schedules share one instance: 100,000 jobs
    hold a few thousand of these, not 100,000.
    """

    __slots__ = ("recurrence", "rule", "start", "zone")

    def __init__(self, recurrence: Recurrence, zone: str, start: datetime | None = None) -> None:
        self.recurrence = recurrence
        self.zone = zone
        self.start = start
        self.rule: CalendarRule | None = (
            None if isinstance(recurrence, Interval) else calendar_rule(recurrence, zone)
        )

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The next fire after the previous one, or the first one at/after `now`."""
        after = previous_fire_time or now - timedelta(microseconds=1)
        if self.rule is not None:
            return self.rule.next_after(after)
        return next_fire(self.recurrence, self.zone, after, self.start)

    def __str__(self) -> str:
        return f"{describe(self.recurrence)} ({self.zone})"

    def __repr__(self) -> str:
        return f"<RecurrenceTrigger {self}>"


@lru_cache(maxsize=65536)
def _shared_trigger(recurrence: Recurrence, zone: str) -> RecurrenceTrigger:
    return RecurrenceTrigger(recurrence, zone)


def build_trigger(recurrence: Recurrence, zone: str, *, start: datetime) -> RecurrenceTrigger:
    """The APScheduler trigger of a schedule; `start` anchors intervals without an anchor."""
    if isinstance(recurrence, Interval) and recurrence.anchor is None:
        return RecurrenceTrigger(recurrence, zone, start)
    return _shared_trigger(recurrence, zone)
