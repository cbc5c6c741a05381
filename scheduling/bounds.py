"""The limits of every date and number a schedule holds, and the words for crossing them.

The grammar, the models (so an imported file meets the same limits as a typed `when`), the
CLI and the slash options all check against these.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

# The dates a schedule may name (a `once` date, an interval's anchor, an end time). From the
# Unix epoch: nothing a Discord bot reads is older, and timestamps before it trip platform
# time functions. To the year 9000: a thousand years short of datetime's limit (9999-12-31),
# so no fire time, window or time-zone conversion of a valid schedule can overflow.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(9000, 12, 31)
# The longest interval and lookback: ten years (of 365 days).
MAX_SPAN_SECONDS = 3650 * 86400
# Ids and counters go into SQLite INTEGER columns, which hold signed 64-bit values.
MAX_INTEGER = 2**63 - 1


_FIRST_INSTANT = datetime.combine(EARLIEST_DATE, time(), UTC)
_END_INSTANT = datetime.combine(LATEST_DATE + timedelta(days=1), time(), UTC)


def date_problem(day: date) -> str | None:
    """Why a schedule cannot use `day`, or None when it can."""
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return f"{day.isoformat()}: a schedule's dates run from {EARLIEST_DATE} to {LATEST_DATE}"


def instant_problem(moment: datetime) -> str | None:
    """Why a schedule cannot use the aware `moment`, or None when it can.

    Bounded in UTC, as instants are stored and written back (`every 6h from …Z`). Comparing
    aware datetimes never overflows; converting one near year 1 or 9999 can, so this comes first.
    """
    if _FIRST_INSTANT <= moment < _END_INSTANT:
        return None
    return (
        f"{moment.isoformat()}: a schedule's dates run from {EARLIEST_DATE} to {LATEST_DATE} (UTC)"
    )


def span_problem(seconds: int, what: str) -> str | None:
    """Why `what` (an interval, a lookback) cannot last `seconds`, or None when it can."""
    if seconds <= MAX_SPAN_SECONDS:
        return None
    return f"{what} can be at most 10 years ({MAX_SPAN_SECONDS // 86400} days)"
