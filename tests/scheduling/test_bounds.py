"""Every number and date of the `when` grammar is bounded, and zone names are checked before
zoneinfo turns them into file paths: a clear error, never an OverflowError or OSError."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from pydantic import ValidationError

from delivery.models import ChannelDestination
from scheduling.errors import RecurrenceError
from scheduling.models import Cron, Daily, Interval, Monthly, Once, Schedule, Weekly
from scheduling.recurrence import (
    RecurrenceTrigger,
    describe,
    next_fire_times,
    nominal_period,
    parse_when,
    previous_fire_time,
    validate_recurrence,
)
from scheduling.service import ScheduleService
from scheduling.settings import SchedulingSettings
from scheduling.zones import UnknownTimeZoneError, resolve_zone

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
FAR = timezone(timedelta(hours=-14))
EAST = timezone(timedelta(hours=14))
# The zones furthest from UTC: a local date at the bound is a day away from it in UTC.
EXTREME_ZONES = ["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Australia/Lord_Howe"]
HUGE = "9" * 4301  # one digit more than int() reads by default


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("once 9999-12-31 23:59", "a schedule's dates run from 1970-01-01 to 9000-12-31"),
        ("once 9001-01-01 00:00", "9001-01-01: a schedule's dates run from"),
        ("once 0001-01-01 00:00", "0001-01-01: a schedule's dates run from"),
        ("once 1969-12-31 23:59", "1969-12-31: a schedule's dates run from"),
        ("every 99999999999999999999 days", "an interval can be at most 10 years (3650 days)"),
        ("every 99999 days", "an interval can be at most 10 years (3650 days)"),
        (f"every {HUGE} minutes", "an interval can be at most 10 years"),
        ("every 3651 days", "an interval can be at most 10 years"),
        (f"every {'0' * 5000} minutes", "an interval must be longer than zero"),
        ("every 5 minutes from 9999-12-31T23:59-14:00", "the anchor 9999-12-31T23:59:00-14:00: "),
        ("every 5 minutes from 0001-01-01T00:00+14:00", "the anchor 0001-01-01T00:00:00+14:00: "),
        # The bound is in UTC: this is 9001-01-01T00:00Z, and `describe` writes UTC.
        ("every 5 minutes from 9000-12-31T10:00-14:00", "dates run from 1970-01-01 to 9000-12-31"),
        ("every 5 minutes from 1970-01-01T00:00+01:00", "dates run from 1970-01-01 to 9000-12-31"),
        ("cron ² * * * *", "minute value '²' is not a number"),
        (f"cron {HUGE} * * * *", "minute must be 0–59"),
        (f"cron 0 0 {'0' * 5000}1 * *", "day-of-month must be 1–31"),
        (f"cron */{'0' * 5000} * * * *", "must be a number ≥ 1"),
        ("cron */٣ * * * *", "must be a number ≥ 1"),
    ],
)
def test_out_of_bound_numbers_and_dates_are_named(when, problem):
    with pytest.raises(RecurrenceError, match=r"^`") as caught:
        parse_when(when)
    assert problem in str(caught.value)


def test_the_bounds_themselves_are_accepted():
    assert parse_when("every 3650 days") == Interval(seconds=3650 * 86400)
    assert parse_when("once 9000-12-31 23:59") == Once(date=date(9000, 12, 31), time=time(23, 59))
    anchored = parse_when("every 6h from 1970-01-01T00:00Z")
    assert parse_when(describe(anchored)) == anchored
    # A step beyond the field's range picks only the first value, as a short one does.
    huge_step = parse_when(f"cron */{HUGE} * * * *")
    assert next_fire_times(huge_step, "UTC", after=NOW, count=2) == [
        datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "interval", "seconds": 10**20},
        {"kind": "interval", "seconds": 3650 * 86400 + 1},
        {"kind": "interval", "seconds": 300, "anchor": "9999-12-31T23:59:00-14:00"},
        {"kind": "interval", "seconds": 300, "anchor": "0001-01-01T00:00:00+14:00"},
        {"kind": "once", "date": "9999-12-31", "time": "23:59"},
        {"kind": "once", "date": "0001-01-01", "time": "00:00"},
        {"kind": "cron", "expression": "0 9 * * 8"},
        {"kind": "cron", "expression": f"{HUGE} 9 * * *"},
        {"kind": "cron", "expression": "² 9 * * *"},
    ],
)
def test_the_models_refuse_what_the_grammar_refuses(data):
    # An imported file reaches the models without the grammar: the bounds live there too.
    fields = {
        "guild_id": 1,
        "created_by": 2,
        "channel_ids": (3,),
        "destinations": (ChannelDestination(channel_id=4),),
    }
    with pytest.raises(ValidationError):
        Schedule.model_validate({**fields, "recurrence": data})


@pytest.mark.parametrize(
    "changes",
    [
        {"end_at": "9999-12-31T23:59:00-14:00"},
        {"created_at": "0001-01-01T00:00:00+14:00"},
        {"lookback_seconds": 10**20},
        {"guild_id": 2**64},
        {"created_by": 2**63},
    ],
)
def test_a_schedule_refuses_dates_and_numbers_the_store_cannot_hold(changes):
    fields = {
        "guild_id": 1,
        "created_by": 2,
        "channel_ids": (3,),
        "recurrence": {"kind": "daily", "time": "09:00"},
        "destinations": (ChannelDestination(channel_id=4),),
    }
    with pytest.raises(ValidationError):
        Schedule.model_validate(fields | changes)


RECURRENCES = [
    Daily(time=time(23, 59)),
    Weekly(weekdays=(5,), time=time(0, 0)),
    Monthly(day="last", time=time(23, 59)),
    Monthly(day=29, time=time(12, 0)),
    Once(date=date(9000, 12, 31), time=time(23, 59)),
    Interval(seconds=3650 * 86400),
    Interval(seconds=300, anchor=datetime(9000, 12, 31, 23, 59, tzinfo=EAST)),
    Cron(expression="0 0 29 2 *"),
    Cron(expression="59 23 31 12 *"),
]


@pytest.mark.parametrize("recurrence", RECURRENCES, ids=describe)
@pytest.mark.parametrize("zone", EXTREME_ZONES)
@pytest.mark.parametrize(
    "now",
    [
        datetime(8999, 12, 31, tzinfo=UTC),
        datetime(9000, 12, 31, 23, 59, tzinfo=FAR),
        datetime(9998, 12, 31, 23, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
)
def test_fire_times_near_the_year_bound_never_overflow(recurrence, zone, now):
    times = next_fire_times(recurrence, zone, after=now, count=1000, start=now)
    assert times == sorted(times)
    assert all(t > now for t in times)
    assert all(t.year < 9999 for t in times)
    previous_fire_time(recurrence, zone, before=now, start=now)
    RecurrenceTrigger(recurrence, zone, now).get_next_fire_time(None, now)
    nominal_period(recurrence)


@pytest.mark.parametrize("recurrence", RECURRENCES, ids=describe)
@pytest.mark.parametrize("zone", EXTREME_ZONES)
def test_what_validation_accepts_up_to_the_bound_has_next_runs(recurrence, zone):
    # What /schedule create stores, its card can draw: the next runs are computed after the
    # insert, so they must not fail for anything validate_recurrence let through.
    for now in (NOW, datetime(8999, 12, 31, tzinfo=UTC), datetime(9000, 12, 31, 12, tzinfo=UTC)):
        try:
            validate_recurrence(recurrence, zone=zone, now=now, min_interval_seconds=300)
        except RecurrenceError:
            continue
        assert next_fire_times(recurrence, zone, after=now, count=5, start=now)


def test_validation_at_the_bound_says_never_rather_than_overflowing():
    late = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    with pytest.raises(RecurrenceError, match="never fires"):
        validate_recurrence(
            Daily(time=time(9, 0)), zone="Etc/GMT+12", now=late, min_interval_seconds=300
        )


@pytest.mark.parametrize(
    "name",
    [
        "a" * 300,
        "Europe/" + "x" * 300,
        "é" * 200,
        "\x00",
        "Europe/Berlin\x00",
        "Europe\\Berlin",
        "/etc/localtime",
        "/UTC",
        "../UTC",
        "Europe/../UTC",
        "./UTC",
        "America",  # a directory of tzdata
        "Europe/",
        "leapseconds",  # a tzdata file that is not a zone
        "zone1970.tab",
        "\udc80",
        "Europe/Berlin " * 30,
    ],
)
def test_malformed_zone_names_are_unknown_zones(name):
    with pytest.raises(UnknownTimeZoneError, match=r"^unknown time zone ") as caught:
        resolve_zone(name)
    assert len(str(caught.value)) < 200


def test_zone_names_still_resolve_in_any_case():
    assert resolve_zone(" europe/berlin ").key == "Europe/Berlin"
    assert resolve_zone("UTC").key == "UTC"
    assert resolve_zone("Etc/GMT+12").key == "Etc/GMT+12"


# The validation context of rows read back from the database (`delivery.models.STORED`).
STORED = {"stored": True}
LEGACY = [
    # What the version before these bounds could store: `/schedule create` stored this one
    # and then failed drawing its card; the others came from a paused import.
    ({"kind": "once", "date": "9999-12-31", "time": "23:59:00"}, "active"),
    ({"kind": "interval", "seconds": 10**20}, "paused"),
    ({"kind": "interval", "seconds": 300, "anchor": "9999-12-31T00:00:00Z"}, "paused"),
    ({"kind": "cron", "expression": "0 9 * * 8"}, "paused"),
]


@pytest.mark.parametrize(("recurrence", "status"), LEGACY)
async def test_a_schedule_stored_before_the_bounds_still_loads_and_is_refused_on_resume(
    store, recurrence, status
):
    data = {
        "guild_id": 1,
        "created_by": 2,
        "channel_ids": [3],
        "recurrence": recurrence,
        "destinations": [{"kind": "channel", "channel_id": 4}],
        "status": status,
        "created_at": NOW.isoformat(),
        "updated_at": NOW.isoformat(),
    }
    with pytest.raises(ValidationError):
        Schedule.model_validate(data)
    legacy = Schedule.model_validate(data, context=STORED)
    await store.insert_schedule(legacy)

    [loaded] = await store.list_schedules()
    assert loaded == await store.get_schedule(legacy.id) == legacy
    [timing] = await store.schedule_timings(status=None)
    assert timing.recurrence == legacy.recurrence
    # What `/schedule show`, `list` and the scheduler compute: nothing, and no overflow.
    if not isinstance(legacy.recurrence, Cron):
        assert next_fire_times(legacy.recurrence, "UTC", after=NOW, count=5, start=NOW) == []
        trigger = RecurrenceTrigger(legacy.recurrence, "UTC", NOW)
        assert trigger.get_next_fire_time(NOW, NOW) is None
        assert nominal_period(legacy.recurrence) <= timedelta(days=3650)

    service = ScheduleService(store, SchedulingSettings(), lambda: NOW)
    if status == "active":
        await service.pause(legacy.id, "cli")
    with pytest.raises(RecurrenceError, match=r"a schedule's dates run|at most 10 years|must be"):
        await service.resume(legacy.id, "cli")
    await service.delete(legacy.id, "cli")
    assert await store.list_schedules() == []
