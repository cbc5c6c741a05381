"""Fire times against an explicit `now`: crontab semantics, DST, month ends, the trigger."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.recurrence import (
    build_trigger,
    next_fire_times,
    parse_when,
    previous_fire_time,
)

START = datetime(2026, 1, 1, tzinfo=UTC)


def _local(times, zone):
    return [t.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %z") for t in times]


def test_crontab_weekday_numbering_is_standard():
    # 0 and 7 are Sunday, 1 is Monday (APScheduler's from_crontab would say Tuesday).
    for expression in ("0 9 * * 0", "0 9 * * 7", "0 9 * * sun"):
        fires = next_fire_times(parse_when(expression), "UTC", after=START, count=3)
        assert {f.strftime("%A") for f in fires} == {"Sunday"}
    monday = next_fire_times(parse_when("0 9 * * 1"), "UTC", after=START, count=1)
    assert monday[0].strftime("%A %Y-%m-%d") == "Monday 2026-01-05"
    weekdays = next_fire_times(parse_when("0 9 * * 1-5"), "UTC", after=START, count=5)
    assert [f.strftime("%a") for f in weekdays] == ["Thu", "Fri", "Mon", "Tue", "Wed"]


def test_restricted_day_of_month_and_week_fire_on_either():
    # The 13th of each month OR every Friday, as in cron (APScheduler requires both).
    fires = next_fire_times(parse_when("0 12 13 * fri"), "UTC", after=START, count=6)
    assert [f.date().isoformat() for f in fires] == [
        "2026-01-02",
        "2026-01-09",
        "2026-01-13",
        "2026-01-16",
        "2026-01-23",
        "2026-01-30",
    ]


def test_star_step_day_of_month_does_not_widen_to_or():
    # `*/2` starts with `*`: vixie cron treats the day as unrestricted, so both must match.
    fires = next_fire_times(parse_when("0 12 */2 * mon"), "UTC", after=START, count=3)
    assert all(f.strftime("%a") == "Mon" and f.day % 2 == 1 for f in fires)


def test_names_for_months_and_days():
    fires = next_fire_times(parse_when("30 8 * feb,mar mon"), "UTC", after=START, count=2)
    assert [f.isoformat() for f in fires] == [
        "2026-02-02T08:30:00+00:00",
        "2026-02-09T08:30:00+00:00",
    ]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
@pytest.mark.parametrize("at", ["02:30", "02:00", "01:30", "03:00", "09:00", "00:00", "23:59"])
def test_daily_fires_once_per_local_date_for_a_whole_year(zone, at):
    fires = next_fire_times(parse_when(f"daily at {at}"), zone, after=START, count=400)
    local_dates = [f.astimezone(ZoneInfo(zone)).date() for f in fires]
    assert len(set(local_dates)) == len(local_dates)
    first = local_dates[0]
    assert local_dates == [first + timedelta(days=i) for i in range(400)]
    hour, minute = map(int, at.split(":"))
    for fire in fires:
        local = fire.astimezone(ZoneInfo(zone))
        if (local.hour, local.minute) != (hour, minute):
            # Only on a spring-forward day, and then at the first valid instant after it.
            jump = fire - timedelta(minutes=1)
            assert jump.astimezone(ZoneInfo(zone)).utcoffset() != local.utcoffset()


def test_spring_gap_fires_at_the_jump_in_berlin():
    fires = next_fire_times(
        parse_when("daily at 02:30"),
        "Europe/Berlin",
        after=datetime(2026, 3, 28, tzinfo=UTC),
        count=3,
    )
    assert _local(fires, "Europe/Berlin") == [
        "Sat 2026-03-28 02:30 +0100",
        "Sun 2026-03-29 03:00 +0200",
        "Mon 2026-03-30 02:30 +0200",
    ]


def test_autumn_overlap_fires_once_at_the_first_occurrence_in_new_york():
    fires = next_fire_times(
        parse_when("daily at 01:30"),
        "America/New_York",
        after=datetime(2026, 10, 31, tzinfo=UTC),
        count=3,
    )
    assert _local(fires, "America/New_York") == [
        "Sat 2026-10-31 01:30 -0400",
        "Sun 2026-11-01 01:30 -0400",
        "Mon 2026-11-02 01:30 -0500",
    ]


def test_sydney_changes_in_april_and_october():
    spring = next_fire_times(
        parse_when("daily at 02:15"),
        "Australia/Sydney",
        after=datetime(2026, 10, 3, tzinfo=UTC),
        count=2,
    )
    assert _local(spring, "Australia/Sydney") == [
        "Sun 2026-10-04 03:00 +1100",
        "Mon 2026-10-05 02:15 +1100",
    ]
    autumn = next_fire_times(
        parse_when("daily at 02:15"),
        "Australia/Sydney",
        after=datetime(2026, 4, 4, tzinfo=UTC),
        count=2,
    )
    assert _local(autumn, "Australia/Sydney") == [
        "Sun 2026-04-05 02:15 +1100",
        "Mon 2026-04-06 02:15 +1000",
    ]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_weekly_and_monthly_fire_once_per_intended_date_across_dst(zone):
    weekly = next_fire_times(parse_when("every sunday at 02:30"), zone, after=START, count=60)
    dates = [f.astimezone(ZoneInfo(zone)).date() for f in weekly]
    assert all(d.isoweekday() == 7 for d in dates)
    assert dates == [dates[0] + timedelta(weeks=i) for i in range(60)]
    monthly = next_fire_times(parse_when("monthly on 1 at 02:30"), zone, after=START, count=24)
    assert [f.astimezone(ZoneInfo(zone)).date().day for f in monthly] == [1] * 24


def test_apscheduler_style_calls_never_fire_twice_in_the_overlap():
    trigger = build_trigger(parse_when("daily at 02:30"), "Europe/Berlin", start=START)
    now = datetime(2026, 10, 24, tzinfo=UTC)
    previous, fires = None, []
    for _ in range(5):
        previous = trigger.get_next_fire_time(previous, now)
        fires.append(previous)
        now = previous
    local_dates = Counter(f.astimezone(ZoneInfo("Europe/Berlin")).date() for f in fires)
    assert max(local_dates.values()) == 1
    assert date(2026, 10, 25) in local_dates


def test_hourly_cron_across_the_overlap_fires_each_wall_hour_once():
    fires = next_fire_times(
        parse_when("0 * * * *"),
        "Europe/Berlin",
        after=datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
        count=4,
    )
    assert _local(fires, "Europe/Berlin") == [
        "Sun 2026-10-25 02:00 +0200",
        "Sun 2026-10-25 03:00 +0100",
        "Sun 2026-10-25 04:00 +0100",
        "Sun 2026-10-25 05:00 +0100",
    ]


def test_monthly_31_skips_short_months_and_last_fires_every_month():
    on_31 = next_fire_times(parse_when("monthly on 31 at 08:00"), "UTC", after=START, count=7)
    assert [f.strftime("%m-%d") for f in on_31] == [
        "01-31",
        "03-31",
        "05-31",
        "07-31",
        "08-31",
        "10-31",
        "12-31",
    ]
    last = next_fire_times(parse_when("monthly on last at 18:00"), "UTC", after=START, count=12)
    assert [f.strftime("%m-%d") for f in last] == [
        "01-31",
        "02-28",
        "03-31",
        "04-30",
        "05-31",
        "06-30",
        "07-31",
        "08-31",
        "09-30",
        "10-31",
        "11-30",
        "12-31",
    ]
    leap = next_fire_times(
        parse_when("monthly on last at 18:00"),
        "UTC",
        after=datetime(2028, 2, 1, tzinfo=UTC),
        count=1,
    )
    assert leap[0].date() == date(2028, 2, 29)


def test_once_fires_once_then_never():
    once = parse_when("once 2026-12-24 18:00")
    assert next_fire_times(once, "Europe/Berlin", after=START, count=5) == [
        datetime(2026, 12, 24, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    ]


def test_interval_counts_from_its_anchor_through_dst():
    interval = parse_when("every 6h from 2026-03-28T22:00Z")
    fires = next_fire_times(
        interval, "Europe/Berlin", after=datetime(2026, 3, 29, tzinfo=UTC), count=3
    )
    gaps = {b - a for a, b in itertools.pairwise(fires)}
    assert gaps == {timedelta(hours=6)}
    assert fires[0] == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)


def test_interval_without_anchor_counts_from_creation():
    created = datetime(2026, 5, 5, 10, 17, tzinfo=UTC)
    fires = next_fire_times(
        parse_when("every 90 minutes"), "UTC", after=created, count=2, start=created
    )
    assert fires == [created + timedelta(minutes=90), created + timedelta(minutes=180)]


@pytest.mark.parametrize(
    "text",
    ["daily at 02:30", "weekdays at 9", "monthly on last at 1:00", "*/20 8-10 * * 1,3", "every 7h"],
)
@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_previous_fire_agrees_with_next(text, zone):
    recurrence = parse_when(text)
    fires = next_fire_times(
        recurrence, zone, after=datetime(2026, 3, 1, tzinfo=UTC), count=40, start=START
    )
    for earlier, later in itertools.pairwise(fires):
        assert previous_fire_time(recurrence, zone, before=later, start=START) == later
        just_before = later - timedelta(microseconds=1)
        assert previous_fire_time(recurrence, zone, before=just_before, start=START) == earlier


def test_identical_schedules_share_one_trigger():
    one = build_trigger(parse_when("weekdays at 9"), "Europe/Berlin", start=START)
    two = build_trigger(
        parse_when("weekdays at 09:00"), "Europe/Berlin", start=START + timedelta(days=3)
    )
    assert one is two
    assert str(one) == "weekdays at 09:00 (Europe/Berlin)"


def test_trigger_first_fire_is_at_or_after_now():
    trigger = build_trigger(parse_when("daily at 09:00"), "UTC", start=START)
    at_nine = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, at_nine) == at_nine
    assert trigger.get_next_fire_time(at_nine, at_nine) == at_nine + timedelta(days=1)
    assert time(9, 0) == trigger.get_next_fire_time(None, at_nine).time()


def test_interval_without_anchor_starts_on_the_next_whole_minute():
    created = datetime(2026, 5, 5, 19, 27, 46, 956000, tzinfo=UTC)
    every_6h = parse_when("every 6h")
    fires = next_fire_times(every_6h, "UTC", after=created, count=2, start=created)
    start = datetime(2026, 5, 5, 19, 28, tzinfo=UTC)
    # Counting starts at 19:28:00; the first digest comes one whole period after it.
    assert fires == [start + timedelta(hours=6), start + timedelta(hours=12)]
    trigger = build_trigger(every_6h, "UTC", start=created)
    assert trigger.get_next_fire_time(None, created) == fires[0]
    assert previous_fire_time(every_6h, "UTC", before=fires[0], start=created) == fires[0]
    just_before = fires[0] - timedelta(microseconds=1)
    assert previous_fire_time(every_6h, "UTC", before=just_before, start=created) is None
