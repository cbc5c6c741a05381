"""`explain_when`, the `when` autocomplete's words: checked as creation checks it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cogs.autocomplete import explain_when

NOW = datetime(2026, 11, 25, 19, 27, 46, 956000, tzinfo=UTC)


def test_an_interval_under_the_minimum_is_refused_as_creation_refuses_it():
    assert explain_when("every 2 minutes", "UTC", NOW, 300) == (
        "⚠️ every 2 minutes is shorter than the shortest interval allowed (5 minutes)"
    )
    assert explain_when("every 2 minutes", "UTC", NOW, 60).startswith("every 2 minutes → next")


def test_an_interval_starts_on_the_next_whole_minute():
    assert explain_when("every hour", "Europe/Berlin", NOW, 300) == (
        "every 1h → next Wed 25 Nov, 21:28 CET"
    )


def test_a_time_in_the_past_says_so():
    assert explain_when("once 2026-11-24 09:00", "UTC", NOW, 300) == (
        "⚠️ once 2026-11-24 09:00 (UTC) is in the past"
    )
