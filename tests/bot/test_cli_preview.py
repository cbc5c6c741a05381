"""`summarybot preview`: next fire times, one ISO timestamp per line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.cli.main import main


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_preview_prints_times_with_offsets(capsys):
    code = main(
        [
            "preview",
            "weekdays at 9am",
            "--timezone",
            "Europe/Berlin",
            "--count",
            "3",
            "--after",
            "2026-03-27T00:00",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.splitlines() == [
        "2026-03-27T09:00:00+01:00",
        "2026-03-30T09:00:00+02:00",
        "2026-03-31T09:00:00+02:00",
    ]
    assert "weekdays at 09:00 (Europe/Berlin)" in captured.err


def test_preview_defaults_to_the_configured_zone(tmp_path, capsys):
    (tmp_path / "config.toml").write_text("[scheduling]\ntimezone = 'America/New_York'\n")
    assert main(["preview", "daily at 9", "--count", "1", "--after", "2026-07-01T00:00Z"]) == 0
    assert capsys.readouterr().out.strip() == "2026-07-01T09:00:00-04:00"


def test_preview_of_a_bare_cron(capsys):
    assert (
        main(["preview", "0", "9", "*", "*", "1-5", "--count", "1", "--after", "2026-01-01T00:00Z"])
        == 0
    )
    assert capsys.readouterr().out.strip() == "2026-01-01T09:00:00+00:00"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["preview", "0 9 * * 8"],
            "summarybot: `0 9 * * 8`: day-of-week must be 0–7 (0 and 7 are Sunday)",
        ),
        (
            ["preview", "daily at 9", "--timezone", "Mars/Base"],
            "summarybot: unknown time zone 'Mars/Base'",
        ),
        (
            ["preview", "once 2020-01-01 10:00"],
            "summarybot: once 2020-01-01 10:00 (UTC) is in the past",
        ),
        (
            ["preview", "daily at 9", "--after", "soon"],
            "summarybot: --after 'soon' is not an ISO date-time",
        ),
        (["preview", "daily at 9", "--count", "0"], "summarybot: --count must be 1–1000"),
    ],
)
def test_preview_errors_are_one_line_and_non_zero(argv, message, capsys):
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().startswith(message)
    assert len(captured.err.strip().splitlines()) == 1


def test_preview_refuses_an_interval_creation_would_refuse(tmp_path, capsys):
    assert main(["preview", "every 2 minutes"]) == 1
    assert capsys.readouterr().err.strip() == (
        "summarybot: every 2 minutes is shorter than the shortest interval allowed (5 minutes)"
    )
    (tmp_path / "config.toml").write_text("[scheduling]\nmin_interval_seconds = 60\n")
    assert main(["preview", "every 2 minutes", "--count", "1"]) == 0


def test_preview_of_an_interval_prints_whole_minutes_and_seconds(capsys):
    argv = ["preview", "every hour", "--count", "2", "--after", "2026-03-27T19:27:46.956+01:00"]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2026-03-27T19:28:00+00:00",
        "2026-03-27T20:28:00+00:00",
    ]
    assert main(["preview", "every 6h", "--count", "1"]) == 0  # from now, microseconds and all
    [line] = capsys.readouterr().out.splitlines()
    assert line.endswith(":00+00:00")
    assert "." not in line


def test_preview_imports_only_what_reading_a_recurrence_needs(tmp_path):
    # A command people run to try a phrase: the schedule, run and delivery models, the
    # summarizer's, asyncio and pydantic-settings cost it ~0.1 s and it needs none of them.
    code = (
        "import sys; from bot.cli.main import main; "
        "main(['preview', 'every day at 9:00', '--count', '1']); "
        "heavy = {'asyncio', 'pydantic_settings', 'scheduling.models', 'delivery.models',"
        " 'summarizer.models', 'discord', 'aiohttp'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SUMMARYBOT_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
