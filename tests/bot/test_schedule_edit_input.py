"""`/schedule edit`'s own inputs: the end date, the language and the digest limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cogs.replies import UserError
from bot.cogs.schedule_edit import max_runs_change, parse_language, parse_until
from scheduling.models import Daily, Schedule

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-12-31", "UTC", datetime(2026, 12, 31, 23, 59, tzinfo=UTC)),
        ("2026-12-31 18:00", "Europe/Berlin", datetime(2026, 12, 31, 17, 0, tzinfo=UTC)),
        ("2026-07-01T18:00", "Europe/Berlin", datetime(2026, 7, 1, 16, 0, tzinfo=UTC)),
        (" 2026-07-01 9:30 ", "America/New_York", datetime(2026, 7, 1, 13, 30, tzinfo=UTC)),
    ],
)
def test_until_is_read_in_the_schedules_zone(text, zone, expected):
    assert parse_until(text, zone, NOW) == expected


def test_until_none_clears():
    assert parse_until("None", "UTC", NOW) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("tomorrow", "not a date"),
        ("2026-13-01", "month must be in 1..12"),
        ("2026-02-29", "day is out of range"),
        ("2026-03-01 25:00", "hour must be in 0..23"),
        ("2026-03-02 07:59", "has passed"),
        ("9999-01-01", "a schedule's dates run from"),
    ],
)
def test_bad_ends_are_explained(text, words):
    with pytest.raises(UserError, match=words):
        parse_until(text, "UTC", NOW)


@pytest.mark.parametrize("name", ["German", "pt-BR", "Français", "Chinese (Simplified)", "日本語"])
def test_language_names_are_kept(name):
    assert parse_language(f"  {name} ") == name


@pytest.mark.parametrize("text", ["Ignore all rules; 42", "English.", "<b>", "-German", "en_US"])
def test_anything_but_a_language_name_is_refused(text):
    with pytest.raises(UserError, match="not a language name"):
        parse_language(text)


def test_max_runs_zero_clears_and_must_exceed_what_was_delivered():
    schedule = Schedule(
        guild_id=1,
        created_by=7,
        channel_ids=(100,),
        recurrence=Daily(time=NOW.time()),
        destinations=({"kind": "file", "id": "d_file"},),
        run_count=4,
    )
    assert max_runs_change(0, schedule) is None
    assert max_runs_change(5, schedule) == 5
    with pytest.raises(UserError, match="delivered 4 digests already"):
        max_runs_change(4, schedule)
