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
from datetime import UTC, datetime, timedelta, timezone

import pytest
from bad_input_strategies import (
    EXPORT,
    HUGE,
    IMPORT,
    MESSAGE,
    NASTY_WHENS,
    NOW,
    ODD_ZONES,
    ONCE_9999,
    PATHS,
    URL_PARTS,
    ZONES,
    Raw,
    anything,
    corrupt,
    extreme_timestamps,
    grammarish,
    huge_numbers,
    import_texts,
    json_values,
    nasty_json,
    nasty_when,
    odd_zones,
    templates,
    to_json,
    toml_keys,
    toml_values,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.cli.main import main
from bot.cogs.replies import UserError
from bot.cogs.schedule_input import parse_duration
from bot.config import load_settings
from bot.destinations import DestinationError, file_destination, webhook_destination
from bot.errors import ConfigError
from delivery.settings import DeliverySettings
from scheduling.errors import RecurrenceError
from scheduling.recurrence import (
    describe,
    next_fire_times,
    nominal_period,
    parse_when,
    previous_fire_time,
    validate_recurrence,
)
from scheduling.zones import UnknownTimeZoneError, resolve_zone
from summarizer.errors import ExportError
from summarizer.sources import read_export

pytestmark = pytest.mark.reliability


def examples(count: int) -> int:
    """`count` in the deterministic profile; under `explore`, at least that profile's number.

    A test's own `max_examples` would otherwise cap the search.
    """
    profile = settings.default
    return count if profile.derandomize else max(count, profile.max_examples)


# Fixtures here (tmp_path, capsys) are reused across examples on purpose: each example
# overwrites its file or reads its own output. (tests/conftest.py makes them deterministic.)
FAST = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _examples(*cases):
    """`@example` for each case: the nasty inputs run in the deterministic profile too."""

    def decorate(test):
        for case in reversed(cases):
            test = example(*case)(test)
        return test

    return decorate


@FAST
@given(st.one_of(grammarish, nasty_when, anything), st.sampled_from(ZONES))
@_examples(*((when, "Pacific/Kiritimati") for when in NASTY_WHENS))
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


# Any `now` up to the bound, in the widest offsets: what validation accepts has fire times.
# (hypothesis takes naive bounds and applies the zones itself.)
bounded_nows = st.datetimes(
    min_value=datetime(1970, 1, 1),  # noqa: DTZ001
    max_value=datetime(9000, 12, 31, 23, 59),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-14))]),
)


@FAST
@given(st.one_of(grammarish, nasty_when), st.sampled_from(ZONES), bounded_nows)
@_examples(
    ("once 9000-12-31 23:59", "Etc/GMT+12", datetime(9000, 12, 31, 23, 59, tzinfo=UTC)),
    ("@yearly", "Pacific/Kiritimati", datetime(9000, 12, 31, 23, 59, tzinfo=UTC)),
    ("every 3650 days", "Etc/GMT+12", datetime(9000, 12, 31, 23, 59, tzinfo=UTC)),
    ("0 0 29 2 *", "UTC", datetime(8999, 12, 31, tzinfo=UTC)),
    ("every 5 minutes from 9000-12-31T23:59+14:00", "Etc/GMT+12", NOW),
)
def test_what_validation_accepts_has_fire_times_up_to_the_bound(text, zone, now):
    # The card of a new schedule is drawn after it is stored: its next runs must not fail.
    try:
        recurrence = parse_when(text)
        validate_recurrence(recurrence, zone=zone, now=now, min_interval_seconds=300)
    except RecurrenceError as exc:
        assert str(exc)
        return
    times = next_fire_times(recurrence, zone, after=now, count=5, start=now)
    assert times
    assert times == sorted(times)
    assert all(t > now for t in times)
    assert previous_fire_time(recurrence, zone, before=times[-1], start=now) == times[-1]
    assert nominal_period(recurrence) > timedelta(0)


@FAST
@given(
    st.one_of(grammarish, nasty_when, anything),
    st.one_of(st.sampled_from([*ZONES, "Europe/Berln", "Mars/Olympus", ""]), odd_zones, anything),
    st.integers(min_value=-5, max_value=60),
    st.one_of(st.just(NOW.isoformat()), extreme_timestamps),
)
@_examples(
    *((when, "Pacific/Kiritimati", 5, NOW.isoformat()) for when in NASTY_WHENS),
    *(("daily at 9", zone, 5, NOW.isoformat()) for zone in ODD_ZONES),
    ("daily at 9", "UTC", 5, "9999-12-31T23:59-14:00"),
    ("daily at 9", "UTC", 5, "0001-01-01T00:00+14:00"),
    ("@yearly", "Etc/GMT+12", 60, "9000-12-31T23:59-14:00"),
)
def test_preview_prints_times_or_one_line(capsys, text, zone, count, after):
    # `=` and `--`: a value starting with `-` is not an option.
    argv = ["preview", f"--timezone={zone}", f"--count={count}", f"--after={after}", "--", text]
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


@settings(
    max_examples=examples(120),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(toml_keys, toml_values), max_size=6), st.text(max_size=40))
@_examples(
    ([(("scheduling", "timezone"), json.dumps("a" * 300))], ""),
    ([(("scheduling", "timezone"), json.dumps("America"))], ""),
    ([(("scheduling", "timezone"), json.dumps("../../etc/passwd"))], ""),
    ([(("scheduling", "max_concurrent_runs"), HUGE)], ""),
    ([(("scheduling", "max_lookback_hours"), "9" * 20)], ""),
)
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


@settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.sampled_from(PATHS), st.one_of(json_values, nasty_json))
@_examples(
    (["messages", 0, "id"], "²"),
    (["messages", 0, "id"], Raw(HUGE)),
    (["messages", 0, "author", "id"], Raw(HUGE)),
    (["guild", "id"], HUGE),
    (["messages", 0, "timestamp"], "0001-01-01T00:00:00+14:00"),
    (["messages", 0, "timestamp"], "9999-12-31T23:59:59-14:00"),
    (["messages", 0, "timestamp"], "10000-01-01T00:00:00Z"),
    (["messages", 0, "reactions"], Raw("[" * 200_000 + "]" * 200_000)),
)
def test_a_malformed_export_is_an_export_error(tmp_path, path, value):
    file = tmp_path / "export.json"
    file.write_text(to_json(corrupt(EXPORT, path, value)), encoding="utf-8")
    try:
        export = read_export(file)
    except ExportError as exc:
        assert "export.json" in str(exc)
        return
    assert all(m.created_at.tzinfo is not None for m in export.messages)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
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
        "deeper-root.json": "[" * 200_000,
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


@FAST
@given(st.one_of(st.lists(st.sampled_from(URL_PARTS), max_size=6).map("".join), anything))
@_examples(
    (f"https://hooks.example.com:{HUGE}/in",),
    ("https://hooks.example.com:99999999999999999999/in",),
    (f"https://{HUGE}/in",),
    (f"https://discord.com/api/webhooks/{HUGE}/abc",),
)
def test_a_webhook_url_is_accepted_or_refused_with_a_reason(url):
    try:
        destination = webhook_destination(url, DeliverySettings(), None)
    except DestinationError as exc:
        assert str(exc)
        assert "Traceback" not in str(exc)
        return
    assert destination.url.startswith("https://")


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(templates)
@_examples(
    ("a}b.md",),
    ("x{.md",),
    ("{foo}",),
    ("{guild.__class__}.md",),
    ("{guild[0]}.md",),
    ("{0}.md",),
    ("{}.md",),
    ("{date:%Y}{{}}.md",),
    ("{guild}/" + "a" * 300 + ".md",),
)
def test_a_file_template_stays_inside_the_root_or_is_refused(tmp_path, template):
    root = tmp_path / "digests"
    settings_ = DeliverySettings(file_root=str(root))
    try:
        destination = file_destination(template, settings_)
    except (DestinationError, ValueError) as exc:
        # A clear error: the destination's own, or the model's (unbalanced braces, unknown
        # placeholders), with a message.
        assert str(exc)
        return
    assert destination.template == template


@FAST
@given(
    st.one_of(
        st.from_regex(r"\s*\d{0,7}\s*[a-z]{0,8}\s*", fullmatch=True),
        st.builds("{}{}".format, huge_numbers, st.sampled_from(["d", "w", "m", "h", " days"])),
        anything,
    )
)
@_examples((f"{HUGE}d",), ("99999w",), ("99999999999999999999d",), ("٣d",), ("²d",))
def test_duration_options_parse_or_are_explained(text):
    try:
        duration = parse_duration(text, "lookback")
    except UserError as exc:
        assert "`lookback`" in str(exc)
        return
    assert timedelta(0) < duration <= timedelta(days=3650)


@FAST
@given(
    st.one_of(
        st.sampled_from(["Europe/Berlin", "europe/berlin", "Europe/Berln", "UTC", "utc", "EST"]),
        st.text(alphabet=string.ascii_letters + "/_-+0123456789 .", max_size=40),
        odd_zones,
        anything,
    )
)
@_examples(*((zone,) for zone in ODD_ZONES), ("\udc80",), ("Europe/Berlin " * 30,))
def test_time_zone_options_resolve_or_suggest(text):
    try:
        zone = resolve_zone(text)
    except UnknownTimeZoneError as exc:
        assert str(exc).startswith("unknown time zone ")
        assert len(str(exc)) < 200
        return
    assert NOW.astimezone(zone).utcoffset() is not None


@FAST
@given(
    st.one_of(
        st.sampled_from(["30m", "6h", "2d", "1w", "2026-11-24T07:00Z", "2026-11-24", "2099-01-01"]),
        st.from_regex(
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?", fullmatch=True
        ),
        extreme_timestamps,
        st.builds("{}{}".format, huge_numbers, st.sampled_from(["d", "w", "h"])),
        anything,
    )
)
@_examples(
    ("0001-01-01T00:00+14:00",),
    ("9999-12-31T23:59-14:00",),
    ("10000-01-01T00:00Z",),
    (f"{HUGE}d",),
    ("99999w",),
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
    # The window is read in UTC: a start in year 1 at +14:00 is not an instant it can use.
    assert start.astimezone(UTC) < NOW


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(import_texts)
@_examples(
    ("[" * 200_000 + "]" * 200_000,),
    ("[" * 200_000,),
    (to_json(corrupt(IMPORT, ["schedules", 0, "guild_id"], Raw(HUGE))),),
    (to_json(corrupt(IMPORT, ["schedules", 0, "recurrence", "seconds"], Raw(HUGE))),),
    (to_json(corrupt(IMPORT, ["schedules", 0, "recurrence"], ONCE_9999)),),
    (to_json(corrupt(IMPORT, ["schedules", 0, "recurrence", "anchor"], "9999-12-31T23:59-14:00")),),
    (to_json(corrupt(IMPORT, ["schedules", 0, "end_at"], "0001-01-01T00:00+14:00")),),
    (to_json(corrupt(IMPORT, ["exported_at"], "9999-12-31T23:59:59-14:00")),),
    (to_json(corrupt(IMPORT, ["schedules", 0, "timezone"], "a" * 300)),),
    (to_json(corrupt(IMPORT, ["schedules", 0, "id"], "²")),),
)
def test_schedules_import_imports_or_refuses_in_one_line(tmp_path, monkeypatch, capsys, text):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SUMMARYBOT_STORAGE__PATH", str(tmp_path / "import.db"))
    (tmp_path / "in.json").write_text(text, encoding="utf-8", errors="surrogatepass")
    code = main(["schedules", "import", "in.json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code == 0:
        assert out.startswith("imported ")
    else:
        assert code in (1, 2)
        assert err.startswith("summarybot")
        assert all(line.startswith("summarybot") for line in err.splitlines())
