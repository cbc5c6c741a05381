"""Standard (vixie) crontab expressions, parsed into sets: not APScheduler's dialect.

Differences that matter: day-of-week 0 and 7 are Sunday and 1 is Monday (APScheduler's
`from_crontab` counts from Monday = 0), and when both day-of-month and day-of-week are
restricted a day matching *either* fires (APScheduler requires both).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from scheduling.errors import RecurrenceError

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# Longer numbers are out of every field's range; int() is not asked to read thousands of digits.
_MAX_DIGITS = 9
# (name in messages, low, high, names) per field, in crontab order.
FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, MONTHS),
    ("day-of-week", 0, 7, DAYS),
)


@dataclass(frozen=True, slots=True)
class CronSpec:
    """A parsed crontab: allowed values per field, and how the two day fields combine."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday … 6 = Saturday (7 folded into 0)
    days_restricted: bool
    weekdays_restricted: bool

    def day_matches(self, day: date) -> bool:
        """Whether cron would fire on `day` (at some minute), with vixie's OR rule."""
        if day.month not in self.months:
            return False
        by_day = day.day in self.days
        by_weekday = (day.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return by_day or by_weekday
        return by_day and by_weekday

    def minutes_of_day(self) -> tuple[int, ...]:
        """Every matching time of day, as minutes after midnight, ascending."""
        return tuple(sorted(h * 60 + m for h in self.hours for m in self.minutes))


def normalize(expression: str) -> str:
    """The canonical text of an expression: single spaces, macros expanded."""
    text = " ".join(expression.split())
    return MACROS.get(text.lower(), text)


@lru_cache(maxsize=4096)
def parse_cron(expression: str) -> CronSpec:
    """Parse a 5-field crontab, raising `RecurrenceError` that names the field and the range.

    Cached: every stored cron schedule is parsed when the database is read, and most share a
    handful of expressions.
    """
    text = normalize(expression)
    parts = text.split()
    if len(parts) != 5:
        raise RecurrenceError(
            f"`{text}`: a crontab has 5 fields (minute hour day-of-month month day-of-week), "
            f"not {len(parts)}"
        )
    sets = [
        _field(text, part, name, low, high, names)
        for part, (name, low, high, names) in zip(parts, FIELDS, strict=True)
    ]
    weekdays = frozenset(day % 7 for day in sets[4])
    return CronSpec(
        minutes=frozenset(sets[0]),
        hours=frozenset(sets[1]),
        days=frozenset(sets[2]),
        months=frozenset(sets[3]),
        weekdays=weekdays,
        # Vixie cron: a field starting with `*` (also `*/2`) does not restrict the day.
        days_restricted=not parts[2].startswith("*"),
        weekdays_restricted=not parts[4].startswith("*"),
    )


def _field(text: str, part: str, name: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    values: set[int] = set()
    for item in part.split(","):
        if not item:
            raise RecurrenceError(f"`{text}`: {name} has an empty list item")
        body, _, step_text = item.partition("/")
        step = 1
        if step_text:
            significant = step_text.lstrip("0")
            if not _digits(step_text) or not significant:
                raise RecurrenceError(f"`{text}`: {name} step `/{step_text}` must be a number ≥ 1")
            # A step beyond the field's range picks only the first value: cap it, so that
            # int() never reads thousands of digits.
            step = int(significant) if len(significant) <= _MAX_DIGITS else high + 1
        if body == "*":
            first, last = low, high
        elif "-" in body:
            start_text, _, end_text = body.partition("-")
            first = _value(text, start_text, name, low, high, names)
            last = _value(text, end_text, name, low, high, names)
            if first > last:
                raise RecurrenceError(f"`{text}`: {name} range {body} runs backwards")
        else:
            first = _value(text, body, name, low, high, names)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return values


def _digits(token: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts `²`, which int() then refuses."""
    return token.isascii() and token.isdigit()


def _value(text: str, token: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    lowered = token.lower()
    if lowered in names:
        return names[lowered]
    if not _digits(token):
        hint = " (names such as mon or jan work too)" if names else ""
        raise RecurrenceError(f"`{text}`: {name} value {token!r} is not a number{hint}")
    value = int(token) if len(token) <= _MAX_DIGITS else high + 1
    if not low <= value <= high:
        note = " (0 and 7 are Sunday)" if name == "day-of-week" else ""
        raise RecurrenceError(f"`{text}`: {name} must be {low}–{high}{note}")
    return value
