"""Bad input of every kind gets a clear error or a correct result: never a traceback or a hang.

Property-based (hypothesis) over what people and files hand the bot: the `when` grammar and
`summarybot preview`, configuration files, DiscordChatExporter exports, webhook URLs, file
templates, and the values slash-command options carry. "Clear error" means the module's own
error type with a message, which the CLI and the bot turn into one line.
"""

from __future__ import annotations

import asyncio
import json
import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.config import load_settings
from bot.destinations import DestinationError, file_destination, webhook_destination
from bot.errors import ConfigError
from bot.replies import UserError
from bot.schedule_input import parse_duration
from delivery.settings import DeliverySettings
from scheduling.errors import RecurrenceError
from scheduling.recurrence import describe, next_fire_times, parse_when, validate_recurrence
from scheduling.zones import UnknownTimeZoneError, resolve_zone
from summarizer.errors import ExportError
from summarizer.sources import read_export

pytestmark = pytest.mark.reliability

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
WORDS = [
    "daily", "weekdays", "weekends", "every", "at", "on", "monday", "fri", "sunday", "month",
    "monthly", "last", "day", "hours", "6h", "30m", "cron", "*", "*/5", "0", "7", "8", "24",
    "09:00", "25:61", "noon", "midnight", "pm", "am", "once", "2026-11-30", "in", "and", ",",
    "-", "1-5", "mon-fri", "L", "?", "@daily", "9", "31", "60", "12:30", "every 2 weeks",
]  # fmt: skip
grammarish = st.lists(st.sampled_from(WORDS), min_size=0, max_size=8).map(" ".join)
anything = st.text(max_size=120)
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]
# Fixtures here (tmp_path, capsys) are reused across examples on purpose: each example
# overwrites its file or reads its own output. (tests/conftest.py makes them deterministic.)
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FAST
@given(st.one_of(grammarish, anything), st.sampled_from(ZONES))
def test_when_parses_or_says_what_is_wrong(text, zone):
    try:
        recurrence = parse_when(text)
    except RecurrenceError as exc:
        assert str(exc)
        return
    assert parse_when(describe(recurrence)) == recurrence
    try:
        validate_recurrence(recurrence, zone=zone, now=NOW, min_interval_seconds=300)
    except RecurrenceError as exc:
        assert str(exc)
        return
    times = next_fire_times(recurrence, zone, after=NOW, count=3)
    assert times == sorted(times)
    assert all(t > NOW for t in times)


@FAST
@given(
    st.one_of(grammarish, anything),
    st.one_of(st.sampled_from([*ZONES, "Europe/Berln", "Mars/Olympus", ""]), anything),
    st.integers(min_value=-5, max_value=60),
)
def test_preview_prints_times_or_one_line(capsys, text, zone, count):
    argv = ["preview", text, "--timezone", zone, "--count", str(count)]
    argv += ["--after", NOW.isoformat()]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "Traceback" not in err
    if code == 0:
        for line in out.splitlines():
            assert datetime.fromisoformat(line).tzinfo is not None
    else:
        assert err.strip().count("\n") == 0, err
        assert err.startswith("summarybot")


toml_values = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.text(max_size=20).map(json.dumps),
    st.sampled_from(['"UTC"', '"Europe/Berln"', "[1, 2]", '["x"]', "{a = 1}", "1.5", "-1"]),
)
toml_keys = st.sampled_from(
    [
        ("scheduling", "timezone"), ("scheduling", "max_concurrent_runs"),
        ("scheduling", "catch_up"), ("scheduling", "max_concurent_runs"),
        ("delivery", "max_attempts"), ("delivery", "file_root"), ("http", "port"),
        ("logging", "level"), ("summarizer", "engine"), ("discord", "token"),
        ("discord", "guild_ids"), ("sheduling", "timezone"), ("retention", "cleanup_cron"),
        ("summarizer.llm", "base_url"), ("storage", "path"),
    ]
)  # fmt: skip


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(toml_keys, toml_values), max_size=6), st.text(max_size=40))
def test_a_config_file_loads_or_every_problem_is_named(tmp_path, entries, garbage):
    lines: list[str] = []
    for (section, key), value in entries:
        lines += [f"[{section}]", f"{key} = {value}"]
    for text in ("\n".join(lines), "\n".join(lines) + "\n" + garbage):
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_settings(path)
        except ConfigError as exc:
            message = str(exc)
            assert message
            assert "Traceback" not in message


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
MESSAGE = {
    "id": "1",
    "type": "Default",
    "timestamp": "2026-11-24T09:00:00+00:00",
    "content": "hello",
    "author": {"id": "2", "name": "ada", "isBot": False},
}
EXPORT = {
    "guild": {"id": "10", "name": "Quillpress"},
    "channel": {"id": "20", "name": "general", "type": "GuildTextChat"},
    "messages": [MESSAGE],
}


def corrupt(document, path, value):
    """`document` with the value at `path` (a list of keys/indices) replaced."""
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


PATHS = [
    ["guild"], ["guild", "id"], ["channel"], ["channel", "id"], ["channel", "name"],
    ["messages"], ["messages", 0], ["messages", 0, "id"], ["messages", 0, "timestamp"],
    ["messages", 0, "content"], ["messages", 0, "author"], ["messages", 0, "author", "id"],
    ["messages", 0, "type"], ["messages", 0, "reactions"], ["messages", 0, "attachments"],
    ["messages", 0, "reference"],
]  # fmt: skip


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(PATHS), json_values)
def test_a_malformed_export_is_an_export_error(tmp_path, path, value):
    file = tmp_path / "export.json"
    file.write_text(json.dumps(corrupt(EXPORT, path, value)), encoding="utf-8")
    try:
        export = read_export(file)
    except ExportError as exc:
        assert "export.json" in str(exc)
        return
    assert all(m.created_at.tzinfo is not None for m in export.messages)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200))
def test_an_export_that_is_not_json_is_an_export_error(tmp_path, raw):
    file = tmp_path / "export.json"
    file.write_bytes(raw)
    with pytest.raises(ExportError, match=r"export\.json"):
        read_export(file)


def test_deep_nesting_and_huge_fields_in_an_export(tmp_path):
    # Written as text: the json module itself cannot encode what it cannot decode.
    deep = "[" * 100_000 + '"bottom"' + "]" * 100_000
    message = json.dumps(MESSAGE)[:-1] + ', "reactions": ' + deep + "}"
    huge = {
        **MESSAGE,
        "content": "x" * 2_000_000,
        "author": {**MESSAGE["author"], "name": "y" * 100_000},
    }
    cases = {
        "deep.json": json.dumps(EXPORT).replace(json.dumps(MESSAGE), message),
        "huge.json": json.dumps({**EXPORT, "messages": [huge]}),
        "nested-root.json": "[" * 100_000 + "]" * 100_000,
    }
    for name, text in cases.items():
        file = tmp_path / name
        file.write_text(text, encoding="utf-8")
        try:
            export = read_export(file)
        except ExportError as exc:
            assert name in str(exc)
        else:
            assert name == "huge.json"
            [only] = export.messages
            assert len(only.content) == 2_000_000


URL_PARTS = [
    "https://", "http://", "ftp://", "//", "hooks.example.com", "127.0.0.1", "[::1]", "10.0.0.8",
    "169.254.169.254", "localhost", "user:pw@", ":443", ":99999", "/path", "?q=1", "#frag",
    "discord.com/api/webhooks/123/abc", " ", "\n", "é", "%00", "..", "0x7f000001",
]  # fmt: skip


@FAST
@given(st.one_of(st.lists(st.sampled_from(URL_PARTS), max_size=6).map("".join), anything))
def test_a_webhook_url_is_accepted_or_refused_with_a_reason(url):
    try:
        destination = webhook_destination(url, DeliverySettings(), None)
    except DestinationError as exc:
        assert str(exc)
        assert "Traceback" not in str(exc)
        return
    assert destination.url.startswith("https://")


TEMPLATE_PARTS = [
    "{guild}", "{channel}", "{schedule}", "{date}", "{window_end}", "{nope}", "{", "}", "/", "..",
    "~", "digests", ".md", ".json", ".html", "\x00", "con", "a" * 300, " ", "\\", "C:",
]  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(st.lists(st.sampled_from(TEMPLATE_PARTS), max_size=6).map("".join), anything))
def test_a_file_template_stays_inside_the_root_or_is_refused(tmp_path, template):
    root = tmp_path / "digests"
    settings_ = DeliverySettings(file_root=str(root))
    try:
        destination = file_destination(template, settings_)
    except DestinationError as exc:
        assert str(exc)
        return
    assert destination.template == template


@FAST
@given(st.one_of(st.from_regex(r"\s*\d{0,7}\s*[a-z]{0,8}\s*", fullmatch=True), anything))
def test_duration_options_parse_or_are_explained(text):
    try:
        duration = parse_duration(text, "lookback")
    except UserError as exc:
        assert "`lookback`" in str(exc)
        return
    assert duration > timedelta(0)


@FAST
@given(
    st.one_of(
        st.sampled_from(["Europe/Berlin", "europe/berlin", "Europe/Berln", "UTC", "utc", "EST"]),
        st.text(alphabet=string.ascii_letters + "/_-+0123456789 .", max_size=40),
        anything,
    )
)
def test_time_zone_options_resolve_or_suggest(text):
    try:
        zone = resolve_zone(text)
    except UnknownTimeZoneError as exc:
        assert str(exc)
        return
    assert NOW.astimezone(zone).utcoffset() is not None


ISO_LIKE = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?"


@FAST
@given(
    st.one_of(
        st.sampled_from(["30m", "6h", "2d", "1w", "2026-11-24T07:00Z", "2026-11-24", "2099-01-01"]),
        st.from_regex(
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?", fullmatch=True
        ),
        anything,
    )
)
def test_summary_now_since_parses_or_is_explained(text):
    from types import SimpleNamespace

    from bot.cogs.summary import LAST_DIGEST, window_start

    if text.strip().lower() == LAST_DIGEST:
        return  # reads the store; covered by the simcord tests
    bot = SimpleNamespace(clock=lambda: NOW)
    try:
        start = asyncio.run(window_start(bot, 1, 2, text))
    except UserError as exc:
        assert "`since`" in str(exc)
        return
    assert start.tzinfo is not None
    assert start < NOW
