"""Out-of-bound dates, numbers and zone names at the CLI and in option values: one line that
says what to change, never a traceback, and nothing imported."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import pytest

from bot.cli.main import main
from bot.cogs.replies import UserError
from bot.cogs.schedule_input import parse_duration
from scheduling.store import Store

LONG_ZONE = "a" * 300


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def one_line(err: str) -> str:
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0, err
    return err.strip()


@pytest.mark.parametrize(
    "zone", [LONG_ZONE, "é" * 200, "America", "../UTC", "Europe\\Berlin", "/etc/localtime"]
)
def test_check_reports_a_malformed_configured_zone_in_one_line(tmp_path, capsys, zone):
    (tmp_path / "config.toml").write_text(
        f"[scheduling]\ntimezone = {json.dumps(zone)}\n", encoding="utf-8"
    )
    assert main(["check", "--config", "config.toml"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("summarybot: config: config.toml: [scheduling] timezone: unknown")


@pytest.mark.parametrize(
    ("section", "key", "bound"),
    [
        ("scheduling", "max_lookback_hours", 87600),
        ("scheduling", "misfire_grace_seconds", 315360000),
        ("scheduling", "min_interval_seconds", 315360000),
        ("retention", "runs_days", 36500),
        ("retention", "audit_days", 36500),
        ("retention", "files_days", 36500),
    ],
)
def test_check_reports_durations_past_their_bound(tmp_path, capsys, section, key, bound):
    # Each becomes a timedelta subtracted from now: too large, it fails at run time instead.
    (tmp_path / "config.toml").write_text(f"[{section}]\n{key} = 100000000000000\n")
    assert main(["check", "--config", "config.toml"]) == 2
    assert f"{key}: must be at most {bound}" in one_line(capsys.readouterr().err)


def test_check_reports_a_number_of_4301_digits_in_one_line(tmp_path, capsys):
    (tmp_path / "config.toml").write_text(f"[scheduling]\nmax_concurrent_runs = {'9' * 4301}\n")
    assert main(["check", "--config", "config.toml"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("summarybot: config: config.toml: not valid TOML: ")
    assert "set_int_max_str_digits" not in line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["once 9999-12-31 23:59"], "9999-12-31: a schedule's dates run from 1970-01-01"),
        (["every 99999999999999999999 days"], "an interval can be at most 10 years"),
        (["every 5 minutes from 9999-12-31T23:59-14:00"], "the anchor 9999-12-31"),
        (["daily at 9", "--timezone", LONG_ZONE], "unknown time zone"),
        (["daily at 9", "--timezone", "America"], "unknown time zone 'America'"),
        (
            ["daily at 9", "--after", "9999-12-31T23:59-14:00"],
            "--after 9999-12-31T23:59:00-14:00: a",
        ),
        (
            ["daily at 9", "--after", "0001-01-01T00:00+14:00"],
            "--after 0001-01-01T00:00:00+14:00: a",
        ),
    ],
)
def test_preview_refuses_out_of_bound_input_in_one_line(capsys, argv, message):
    assert main(["preview", *argv]) == 1
    assert message in one_line(capsys.readouterr().err)


def test_a_long_preview_near_the_bound_stops_before_datetime_runs_out(capsys):
    argv = ["preview", "@yearly", "--count", "1000", "--after", "8999-06-01T00:00Z"]
    argv += ["--timezone", "Pacific/Kiritimati"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "9000-01-01T00:00:00+14:00"
    assert 900 < len(lines) < 1000
    assert all(datetime.fromisoformat(line).year < 9999 for line in lines)


def _export_with(recurrence: dict, **changes) -> dict:
    schedule = {
        "id": "bounds0001",
        "guild_id": 1,
        "created_by": 2,
        "channel_ids": [3],
        "recurrence": recurrence,
        "timezone": "UTC",
        "destinations": [{"kind": "channel", "channel_id": 4}],
        "created_at": "2026-11-24T08:00:00Z",
        "updated_at": "2026-11-24T08:00:00Z",
    } | changes
    return {
        "schema": "summarybot.schedules/1",
        "exported_at": "2026-11-25T00:00:00Z",
        "schedules": [schedule],
    }


@pytest.mark.parametrize(
    ("recurrence", "changes"),
    [
        ({"kind": "once", "date": "9999-12-31", "time": "23:59:00"}, {"status": "paused"}),
        ({"kind": "interval", "seconds": 10**20}, {}),
        ({"kind": "interval", "seconds": 300, "anchor": "9999-12-31T23:59:00-14:00"}, {}),
        ({"kind": "cron", "expression": "0 9 * * 8"}, {"status": "paused"}),
        ({"kind": "daily", "time": "09:00:00"}, {"end_at": "9999-12-31T23:59:00-14:00"}),
        ({"kind": "daily", "time": "09:00:00"}, {"lookback_seconds": 10**20}),
        ({"kind": "daily", "time": "09:00:00"}, {"guild_id": 2**64}),
        ({"kind": "daily", "time": "09:00:00"}, {"timezone": LONG_ZONE}),
    ],
)
def test_import_refuses_out_of_bound_schedules_and_writes_nothing(
    tmp_path, capsys, recurrence, changes
):
    (tmp_path / "in.json").write_text(json.dumps(_export_with(recurrence, **changes)))
    assert main(["schedules", "import", "in.json"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "entry 1:" in err
    assert "nothing was imported" in err

    async def stored():
        async with await Store.open("data/summarybot.db") as store:
            return await store.list_schedules()

    assert asyncio.run(stored()) == []


@pytest.mark.parametrize("text", ["99999w", "3651d", "87601h", "99999 days"])
def test_durations_are_at_most_ten_years(text):
    with pytest.raises(UserError, match=r"^`lookback`: a duration can be at most 10 years"):
        parse_duration(text, "lookback")
    assert parse_duration("3650d", "lookback") == timedelta(days=3650)
