"""The `when` grammar, describe() round trips, and validation errors."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduling.errors import RecurrenceError
from scheduling.models import Cron, Daily, Interval, Monthly, Once, Weekly
from scheduling.recurrence import (
    describe,
    nominal_period,
    parse_when,
    validate_recurrence,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# hypothesis takes naive bounds and attaches the zone itself.
NAIVE_MIN = datetime(2000, 1, 1, tzinfo=UTC).replace(tzinfo=None)
NAIVE_MAX = datetime(2100, 1, 1, tzinfo=UTC).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily at 09:00", Daily(time=time(9, 0))),
        ("Daily At 9:05", Daily(time=time(9, 5))),
        ("every day at 9:30pm", Daily(time=time(21, 30))),
        ("daily at noon", Daily(time=time(12, 0))),
        ("daily at 12am", Daily(time=time(0, 0))),
        ("weekdays at 17:30", Weekly(weekdays=(1, 2, 3, 4, 5), time=time(17, 30))),
        ("weekends at 10", Weekly(weekdays=(6, 7), time=time(10, 0))),
        ("every monday,thursday at 9am", Weekly(weekdays=(1, 4), time=time(9, 0))),
        ("mon and thu at 9", Weekly(weekdays=(1, 4), time=time(9, 0))),
        ("every Sundays at 18:00", Weekly(weekdays=(7,), time=time(18, 0))),
        ("every 6h", Interval(seconds=6 * 3600)),
        ("every 90 minutes", Interval(seconds=90 * 60)),
        ("every 2 hours", Interval(seconds=7200)),
        ("every 1d", Interval(seconds=86400)),
        (
            "every 6h from 2026-12-01T08:00Z",
            Interval(seconds=21600, anchor=datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
        ),
        ("monthly on 1 at 08:00", Monthly(day=1, time=time(8, 0))),
        ("monthly on the 15th at 9am", Monthly(day=15, time=time(9, 0))),
        ("monthly on last at 18:00", Monthly(day="last", time=time(18, 0))),
        ("once 2026-12-24 18:00", Once(date=date(2026, 12, 24), time=time(18, 0))),
        ("once 2026-12-24 at 6pm", Once(date=date(2026, 12, 24), time=time(18, 0))),
        ("cron 0 9 * * 1-5", Cron(expression="0 9 * * 1-5")),
        ("0 9 * * 1-5", Cron(expression="0 9 * * 1-5")),
        ("*/15  *  * * *", Cron(expression="*/15 * * * *")),
        ("cron 0 9 * jan mon", Cron(expression="0 9 * jan mon")),
        ("@daily", Cron(expression="0 0 * * *")),
    ],
)
def test_every_form_parses(text, expected):
    assert parse_when(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "say when"),
        ("whenever you like", "not understood; use one of"),
        ("fortnightly at 9", "'fortnightly' is not a day of the week"),
        ("daily at 25:00", "hour must be 0–23"),
        ("daily at 9:75", "minute must be 0–59"),
        ("daily at 13pm", "with am/pm the hour must be 1–12"),
        ("daily at teatime", "'teatime' is not a time"),
        ("every 0h", "longer than zero"),
        ("every 5 parsecs", "unit 'parsecs'"),
        ("every 2h from yesterday", "not an ISO date-time"),
        ("every 2h from 2026-12-01T08:00", "UTC offset"),
        ("monthly on 32 at 9", "must be 1–31 or last"),
        ("once 2026-02-30 10:00", "not a calendar date"),
        ("once tomorrow", "once YYYY-MM-DD HH:MM"),
        ("0 9 * * 8", "day-of-week must be 0–7 (0 and 7 are Sunday)"),
        ("cron 60 9 * * *", "minute must be 0–59"),
        ("cron 0 24 * * *", "hour must be 0–23"),
        ("cron 0 9 0 * *", "day-of-month must be 1–31"),
        ("cron 0 9 * 13 *", "month must be 1–12"),
        ("cron 0 9 * * fry", "'fry' is not a number"),
        ("cron 0 9 * *", "a crontab has 5 fields"),
        ("cron 0 9 5-1 * *", "runs backwards"),
        ("cron */0 * * * *", "step `/0`"),
    ],
)
def test_errors_say_what_is_wrong(text, message):
    with pytest.raises(RecurrenceError, match=re.escape(message)):
        parse_when(text)


def test_error_quotes_the_input():
    with pytest.raises(RecurrenceError) as caught:
        parse_when("0 9 * * 8")
    assert str(caught.value) == "`0 9 * * 8`: day-of-week must be 0–7 (0 and 7 are Sunday)"


def test_describe_uses_the_grammar_words():
    assert describe(parse_when("weekdays at 9am")) == "weekdays at 09:00"
    assert describe(parse_when("every thu, mon at 7pm")) == "every monday,thursday at 19:00"
    assert describe(parse_when("every 120 minutes")) == "every 2h"
    assert describe(parse_when("@hourly")) == "cron 0 * * * *"


@pytest.mark.parametrize(
    ("when", "described"),
    [
        ("every 7 days", "every week"),
        ("every 2 weeks", "every 2 weeks"),
        ("every 48h", "every 2 days"),
        ("every 24h", "every day"),
        ("every 36h", "every 36h"),
    ],
)
def test_intervals_are_described_in_their_largest_whole_unit(when, described):
    assert describe(parse_when(when)) == described
    assert parse_when(described) == parse_when(when)


times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
recurrences = st.one_of(
    st.builds(Daily, time=times),
    st.builds(
        Weekly,
        weekdays=st.sets(st.integers(1, 7), min_size=1).map(lambda s: tuple(sorted(s))),
        time=times,
    ),
    st.builds(Monthly, day=st.one_of(st.integers(1, 31), st.just("last")), time=times),
    st.builds(Once, date=st.dates(date(2000, 1, 1), date(2100, 12, 31)), time=times),
    st.builds(
        Interval,
        seconds=st.integers(1, 10**7),
        anchor=st.one_of(
            st.none(),
            st.datetimes(NAIVE_MIN, NAIVE_MAX, timezones=st.just(UTC)).map(
                lambda d: d.replace(microsecond=0)
            ),
        ),
    ),
    st.builds(
        Cron,
        expression=st.tuples(
            st.sampled_from(["0", "*/15", "5,35", "0-10/5"]),
            st.sampled_from(["9", "*", "8-17", "*/2"]),
            st.sampled_from(["*", "1", "1,15", "L"]).filter(lambda v: v != "L"),
            st.sampled_from(["*", "1-6", "jan", "*/3"]),
            st.sampled_from(["*", "1-5", "0", "7", "mon,fri", "sun"]),
        ).map(" ".join),
    ),
)


@given(recurrences)
def test_describe_round_trips(recurrence):
    assert parse_when(describe(recurrence)) == recurrence


def test_past_once_is_refused():
    with pytest.raises(
        RecurrenceError, match=r"once 2026-11-24 09:00 \(Europe/Berlin\) is in the past"
    ):
        validate_recurrence(
            parse_when("once 2026-11-24 09:00"),
            zone="Europe/Berlin",
            now=NOW,
            min_interval_seconds=300,
        )


def test_too_short_interval_is_refused():
    with pytest.raises(RecurrenceError, match="shorter than the shortest interval allowed"):
        validate_recurrence(
            parse_when("every 2 minutes"), zone="UTC", now=NOW, min_interval_seconds=300
        )
    validate_recurrence(parse_when("every 2 minutes"), zone="UTC", now=NOW, min_interval_seconds=60)


def test_cron_that_never_fires_is_refused():
    with pytest.raises(RecurrenceError, match="never fires"):
        validate_recurrence(parse_when("0 0 30 2 *"), zone="UTC", now=NOW, min_interval_seconds=300)


def test_unknown_zone_is_refused_with_a_hint():
    with pytest.raises(RecurrenceError, match="did you mean Europe/Berlin"):
        validate_recurrence(
            parse_when("daily at 9"), zone="Europe/Berln", now=NOW, min_interval_seconds=1
        )


def test_nominal_periods():
    assert nominal_period(parse_when("daily at 9")).days == 1
    assert nominal_period(parse_when("weekdays at 9")).days == 3  # Friday → Monday
    assert nominal_period(parse_when("every monday,thursday at 9")).days == 4
    assert nominal_period(parse_when("every 6h")).total_seconds() == 21600
    assert nominal_period(parse_when("monthly on 1 at 9")).days == 31
    assert nominal_period(parse_when("*/15 * * * *")).total_seconds() == 900


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("once at 2026-12-24 18:00", Once(date=date(2026, 12, 24), time=time(18, 0))),
        ("once on 2026-12-24 at 6pm", Once(date=date(2026, 12, 24), time=time(18, 0))),
        ("once at 6pm on 2026-12-24", Once(date=date(2026, 12, 24), time=time(18, 0))),
        ("once 18:00 on 2026-12-24", Once(date=date(2026, 12, 24), time=time(18, 0))),
        ("once 2026-12-24T18:00", Once(date=date(2026, 12, 24), time=time(18, 0))),
        ("every hour", Interval(seconds=3600)),
        ("hourly", Interval(seconds=3600)),
        ("Every Day", Interval(seconds=86400)),
        ("daily", Interval(seconds=86400)),
        ("every minute", Interval(seconds=60)),
        ("every 1 week", Interval(seconds=7 * 86400)),
        ("every 2 weeks", Interval(seconds=14 * 86400)),
        ("every 2w", Interval(seconds=14 * 86400)),
        ("weekly", Interval(seconds=7 * 86400)),
        (
            "every week from 2026-12-07T08:00Z",
            Interval(seconds=7 * 86400, anchor=datetime(2026, 12, 7, 8, 0, tzinfo=UTC)),
        ),
    ],
)
def test_natural_forms_parse(text, expected):
    recurrence = parse_when(text)
    assert recurrence == expected
    assert parse_when(describe(recurrence)) == recurrence


def test_a_day_name_without_a_time_is_still_not_an_interval():
    with pytest.raises(RecurrenceError, match="not understood; use one of"):
        parse_when("every monday")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("every 1.5 hours", "amounts are whole numbers; did you mean `every 90 minutes`?"),
        ("every 0.5 days", "did you mean `every 12 hours`?"),
        ("every 1.5 weeks", "did you mean `every 252 hours`?"),
        ("every 2.0 hours", "did you mean `every 2 hours`?"),
        ("every .5h", "did you mean `every 30 minutes`?"),
        ("every 1.25 minutes", "did you mean `every 75 seconds`?"),
        (
            "every 1.5h from 2026-12-01T08:00Z",
            "did you mean `every 90 minutes from 2026-12-01T08:00Z`?",
        ),
        ("every 0.5 seconds", "whole numbers of seconds, minutes, hours, days or weeks"),
        ("every 1.0000001 minutes", "whole numbers of seconds, minutes, hours, days or weeks"),
        ("every 0.0 hours", "longer than zero"),
        ("every 3650.5 days", "at most 10 years"),
        ("every " + "9" * 5000 + ".5 days", "at most 10 years"),
        ("every 1." + "0" * 5000 + "1 days", "whole numbers of seconds"),
    ],
)
def test_a_decimal_amount_gets_the_whole_one_to_write(text, message):
    with pytest.raises(RecurrenceError, match=re.escape(message)):
        parse_when(text)


def test_describe_says_one_minute_not_one_minutes():
    assert describe(parse_when("every minute")) == "every 1 minute"
    assert describe(Interval(seconds=1)) == "every 1 second"
