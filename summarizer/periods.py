"""Long windows are read per period: days, weeks or months, each with its share of the topics.

A digest of a year that shows only its busiest weekend misses the year. So a window longer than
a day and a half is cut into calendar periods (UTC, like the window): days up to two weeks,
ISO weeks (Monday to Sunday) up to a quarter, months beyond. Each conversation belongs to the
period it started in, and the topic budget is shared between periods by the Sainte-Laguë
method on the square root of their traffic: a period four times busier gets about twice the
topics, and a quiet period still gets one while the budget lasts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal, TypeVar

K = TypeVar("K")
Unit = Literal["day", "week", "month"]

# Windows up to this long are one period: a daily digest needs no day label.
SINGLE = timedelta(hours=36)
DAYS_UP_TO = timedelta(days=14)
WEEKS_UP_TO = timedelta(days=92)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def unit_for(start: datetime, end: datetime) -> Unit | None:
    """The period a window of this length is summarized by, or None for one whole window."""
    span = end - start
    if span <= SINGLE:
        return None
    if span <= DAYS_UP_TO:
        return "day"
    return "week" if span <= WEEKS_UP_TO else "month"


def period_start(moment: datetime, unit: Unit) -> datetime:
    """Midnight UTC starting the day, ISO week or month `moment` falls in.

    Worked out once per UTC day and unit (a digest asks for every conversation of a window,
    most on the same few days): the same datetime each time, so it is also hashed once when
    periods group conversations (an aware datetime's hash builds two more datetimes).
    """
    return _period_start(moment.astimezone(UTC).toordinal(), unit)


@lru_cache(maxsize=4096)
def _period_start(ordinal: int, unit: Unit) -> datetime:
    day = datetime.fromordinal(ordinal).replace(tzinfo=UTC)
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def label(start: datetime, unit: Unit) -> str:
    """How a digest names a period; English names, whatever the machine's locale."""
    date = f"{start.day} {_MONTHS[start.month - 1][:3]} {start.year}"
    if unit == "day":
        return f"{_DAYS[start.weekday()]} {date}"
    if unit == "week":
        return f"Week of {date}"
    return f"{_MONTHS[start.month - 1]} {start.year}"


def share(budget: int, traffic: Mapping[K, int], caps: Mapping[K, int]) -> dict[K, int]:
    """Topics per period: Sainte-Laguë on √traffic, never more than a period's `caps`.

    Ties go to the earlier key in `traffic`'s order, so the split is deterministic.
    """
    given = dict.fromkeys(traffic, 0)
    order = {key: i for i, key in enumerate(traffic)}
    for _ in range(budget):
        open_keys = [key for key in traffic if given[key] < caps.get(key, 0)]
        if not open_keys:
            break
        best = max(
            open_keys,
            key=lambda key: (math.sqrt(traffic[key]) / (2 * given[key] + 1), -order[key]),
        )
        given[best] += 1
    return {key: count for key, count in given.items() if count}
