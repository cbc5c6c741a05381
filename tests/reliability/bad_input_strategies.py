"""Strategies and documents for `test_bad_input`: the grammar's words, input meant to break it.

Beyond random text, they aim at the bounds: numbers of 20 to 5,000 digits (int() refuses more
than 4,300), years at and past datetime's limits (0001, 9999, 10000) with the widest UTC
offsets, zone names that are long, hold NUL or `..`, or are not ASCII, and file templates with
unbalanced braces and unknown placeholders.
"""

from __future__ import annotations

import copy
import json
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from delivery.models import ChannelDestination
from scheduling.models import Interval, Schedule

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

anything = st.text(max_size=120)

WORDS = [
    "daily", "weekdays", "weekends", "every", "at", "on", "monday", "fri", "sunday", "month",
    "monthly", "last", "day", "hours", "6h", "30m", "cron", "*", "*/5", "0", "7", "8", "24",
    "09:00", "25:61", "noon", "midnight", "pm", "am", "once", "2026-11-30", "in", "and", ",",
    "-", "1-5", "mon-fri", "L", "?", "@daily", "9", "31", "60", "12:30", "every 2 weeks",
]  # fmt: skip
grammarish = st.lists(st.sampled_from(WORDS), min_size=0, max_size=8).map(" ".join)

# One digit more than int() converts by default.
HUGE = "9" * 4301
huge_numbers = st.one_of(
    st.text(alphabet=string.digits, min_size=20, max_size=60),
    # Long ones are built, not drawn digit by digit: hypothesis' buffer holds about 8 KB.
    st.builds(
        lambda head, fill, length: head + fill * length,
        st.sampled_from("123456789"),
        st.sampled_from("0159"),
        st.integers(min_value=19, max_value=4999),
    ),
)
years = st.one_of(
    st.sampled_from(["0001", "0000", "1969", "1970", "9000", "9001", "9998", "9999", "10000"]),
    st.integers(min_value=1, max_value=9999).map("{:04d}".format),
)
OFFSETS = ["Z", "+14:00", "-14:00", "+23:59", "-23:59", "+00:00", ""]
extreme_timestamps = st.builds(
    lambda year, rest, offset: f"{year}-{rest}{offset}",
    years,
    st.sampled_from(["01-01T00:00", "12-31T23:59", "12-31T23:59:59", "02-29T12:00"]),
    st.sampled_from(OFFSETS),
)
UNITS = ["minutes", "m", "h", "hours", "days", "d", "s", "weeks"]
nasty_when = st.one_of(
    st.builds("every {} {}".format, huge_numbers, st.sampled_from(UNITS)),
    st.builds("every {} {}".format, st.integers(0, 10**6), st.sampled_from(UNITS)),
    st.builds("once {}-12-31 23:59".format, years),
    st.builds("every 5 minutes from {}".format, extreme_timestamps),
    st.builds("cron {} * * * *".format, huge_numbers),
    st.builds("cron */{} * * * *".format, huge_numbers),
    st.builds("0 0 {} * *".format, huge_numbers),
    st.sampled_from(["cron ² * * * *", "cron */٣ * * * *", "every ² days", "once ٢٠٢٦-12-31 9"]),
)
NASTY_WHENS = [
    "once 9999-12-31 23:59",
    "once 0001-01-01 00:00",
    "every 99999999999999999999 days",
    "every 5 minutes from 9999-12-31T23:59-14:00",
    "every 5 minutes from 0001-01-01T00:00+14:00",
    f"every {HUGE} minutes",
    f"cron */{HUGE} * * * *",
    "cron ² * * * *",
]

# Within the bound, and the zones furthest from UTC on either side.
ZONES = [
    "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
    "Pacific/Kiritimati", "Etc/GMT+12",
]  # fmt: skip
ODD_ZONES = [
    "a" * 300, "Europe/" + "x" * 300, "é" * 200, "\x00", "Europe/Berlin\x00", "/", "/UTC",
    "..", "../UTC", "Europe/../UTC", "./UTC", "Europe\\Berlin", "America", "Europe/",
    "leapseconds", "zone1970.tab", "🕐/Berlin", "/etc/localtime",
]  # fmt: skip
odd_zones = st.one_of(
    st.sampled_from(ODD_ZONES),
    st.builds(
        lambda part, count: part * count,
        st.sampled_from(["a", "é", "../", "Europe/", "/", "\x00", "🕐", "Europe/Berlin"]),
        st.integers(min_value=20, max_value=400),
    ),
    st.text(alphabet="ab/._-+\\\x00é🕐 ", max_size=80),
)

TEMPLATE_PARTS = [
    "{guild}", "{channel}", "{schedule}", "{date}", "{window_end}", "{nope}", "{", "}", "/", "..",
    "~", "digests", ".md", ".json", ".html", "\x00", "con", "a" * 300, " ", "\\", "C:",
    "a}b", "x{", "{foo}", "{{", "}}", "{}", "{0}", "{guild.__class__}", "{guild[0]}",
    "{date:%Y}", "{date!r}", "{guild",
]  # fmt: skip
templates = st.one_of(st.lists(st.sampled_from(TEMPLATE_PARTS), max_size=6).map("".join), anything)


@dataclass(frozen=True)
class Raw:
    """A JSON value written as this text: json.dumps cannot write a 4,301-digit number."""

    text: str


def to_json(document: Any) -> str:
    """`document` as JSON text, with each `Raw` value written verbatim."""
    raws: list[str] = []

    def mark(value: object) -> str:
        if not isinstance(value, Raw):
            raise TypeError(type(value).__name__)
        raws.append(value.text)
        return f"\x00raw{len(raws) - 1}\x00"

    text = json.dumps(document, default=mark)
    for number, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{number}\x00"), raw, 1)
    return text


def corrupt(document: Any, path: list[Any], value: Any) -> Any:
    """A copy of `document` with the value at `path` (a list of keys/indices) replaced."""
    copied = copy.deepcopy(document)
    if not path:
        return value
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copied


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
# What a file hand-edited or produced elsewhere may hold where an id, a time or a zone belongs.
nasty_json = st.one_of(
    huge_numbers.map(Raw),
    huge_numbers.map(lambda digits: Raw("-" + digits)),
    st.sampled_from([Raw("1e99999"), Raw("-1e99999"), Raw("1" + "0" * 400 + ".5"), Raw(HUGE)]),
    huge_numbers,
    extreme_timestamps,
    odd_zones,
    st.sampled_from(["²", "٣", "1²", "-1", "0", " 1", "1.0", "0x10", "1e3", "9" * 30]),
)


# --- documents: configuration, DiscordChatExporter exports, webhook URLs, schedule exports

toml_values = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.text(max_size=20).map(json.dumps),
    st.sampled_from(['"UTC"', '"Europe/Berln"', "[1, 2]", '["x"]', "{a = 1}", "1.5", "-1"]),
    huge_numbers,
    odd_zones.map(json.dumps),
    st.sampled_from(["inf", "nan", "-inf", "1e99999"]),
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


PATHS = [
    ["guild"], ["guild", "id"], ["channel"], ["channel", "id"], ["channel", "name"],
    ["messages"], ["messages", 0], ["messages", 0, "id"], ["messages", 0, "timestamp"],
    ["messages", 0, "content"], ["messages", 0, "author"], ["messages", 0, "author", "id"],
    ["messages", 0, "type"], ["messages", 0, "reactions"], ["messages", 0, "attachments"],
    ["messages", 0, "reference"],
]  # fmt: skip


URL_PARTS = [
    "https://", "http://", "ftp://", "//", "hooks.example.com", "127.0.0.1", "[::1]", "10.0.0.8",
    "169.254.169.254", "localhost", "user:pw@", ":443", ":99999", "/path", "?q=1", "#frag",
    "discord.com/api/webhooks/123/abc", " ", "\n", "é", "%00", "..", "0x7f000001",
    ":99999999999999999999", f":{HUGE}", "/" + "a" * 3000,
]  # fmt: skip


def _export_document() -> dict:
    """A `schedules export` file with one schedule that uses every bounded field."""
    schedule = Schedule(
        id="imported01",
        guild_id=10,
        created_by=2,
        channel_ids=(20,),
        recurrence=Interval(seconds=21600, anchor=datetime(2026, 12, 1, 8, tzinfo=UTC)),
        timezone="Europe/Berlin",
        destinations=(ChannelDestination(channel_id=30),),
        lookback_seconds=3600,
        max_runs=10,
        end_at=datetime(2099, 1, 1, tzinfo=UTC),
        created_at=NOW,
        updated_at=NOW,
    )
    return {
        "schema": "summarybot.schedules/1",
        "exported_at": NOW.isoformat(),
        "schedules": [schedule.model_dump(mode="json")],
    }


IMPORT = _export_document()
IMPORT_PATHS = [
    [], ["schema"], ["exported_at"], ["schedules"], ["schedules", 0], ["schedules", 0, "id"],
    ["schedules", 0, "guild_id"], ["schedules", 0, "created_by"], ["schedules", 0, "channel_ids"],
    ["schedules", 0, "channel_ids", 0], ["schedules", 0, "recurrence"],
    ["schedules", 0, "recurrence", "seconds"], ["schedules", 0, "recurrence", "anchor"],
    ["schedules", 0, "recurrence", "kind"], ["schedules", 0, "timezone"],
    ["schedules", 0, "lookback_seconds"], ["schedules", 0, "max_runs"],
    ["schedules", 0, "end_at"], ["schedules", 0, "created_at"], ["schedules", 0, "status"],
    ["schedules", 0, "destinations", 0, "channel_id"], ["schedules", 0, "run_count"],
]  # fmt: skip
ONCE_9999 = {"kind": "once", "date": "9999-12-31", "time": "23:59:00"}
import_texts = st.one_of(
    st.builds(
        lambda path, value: to_json(corrupt(IMPORT, path, value)),
        st.sampled_from(IMPORT_PATHS),
        st.one_of(json_values, nasty_json),
    ),
    st.text(max_size=60),
)
