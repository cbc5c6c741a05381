"""`summarybot summarize` on a damaged export or extreme options: one line naming the file
and the field, exit 1, never a traceback.

Each case here was a 35–41-line traceback once: a digit `int()` refuses (`²`), a number
longer than Python converts (4,300 digits), a timestamp at the calendar's edge whose offset
carries it out of range.
"""

from __future__ import annotations

import json

import pytest

from bot.cli.main import main

pytestmark = pytest.mark.reliability

HUGE = "9" * 5000
MESSAGE = {
    "id": "1240000000058720256",
    "type": "Default",
    "timestamp": "2024-05-06T08:01:00+00:00",
    "content": "hello",
    "author": {"id": "700000000000000000", "name": "ada", "isBot": False},
    "reactions": [{"emoji": {"name": "👍"}, "count": 2}],
    "reference": {"messageId": "1240000000058720000"},
}
EXPORT = {
    "guild": {"id": "880000000000000001", "name": "Quillpress"},
    "channel": {"id": "880000000000000100", "name": "help", "type": "GuildTextChat"},
    "messages": [MESSAGE],
}
# Where a value goes, the field the error must name, and the value (a str is JSON text, put
# in as it stands, so numbers longer than `json.dumps` can write get in).
CASES = [
    (("messages", 0, "id"), "messages[0].id", '"²"'),
    (("messages", 0, "id"), "messages[0].id", '"¹²"'),
    (("messages", 0, "author", "id"), "messages[0].author.id", '"¹²"'),
    (("guild", "id"), "guild.id", '"²"'),
    (("messages", 0, "reference", "messageId"), "messages[0].reference.messageId", '"²"'),
    (("messages", 0, "timestamp"), "messages[0].timestamp", '"0001-01-01T00:00:00+05:00"'),
    (("messages", 0, "timestamp"), "messages[0].timestamp", '"9999-12-31T23:59:59-14:00"'),
    (("messages", 0, "timestamp"), "messages[0].timestamp", '"9999-12-31T23:59:59.999999Z"'),
    (("messages", 0, "id"), "messages[0].id", HUGE),
    (("messages", 0, "id"), "messages[0].id", f'"{HUGE}"'),
    (("messages", 0, "id"), "messages[0].id", "9" * 30),
    (("messages", 0, "author", "id"), "messages[0].author.id", f'"{"9" * 30}"'),
    (("channel", "id"), "channel.id", HUGE),
    (("messages", 0, "reactions", 0, "count"), "messages[0].reactions[0].count", HUGE),
]


def _export_text(path: tuple, raw: str) -> str:
    """The export with the value at `path` replaced by the JSON text `raw`."""
    document = json.loads(json.dumps(EXPORT))
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = "@@RAW@@"
    return json.dumps(document, ensure_ascii=False).replace('"@@RAW@@"', raw)


@pytest.mark.parametrize(("path", "field", "raw"), CASES, ids=lambda c: str(c)[:30])
def test_a_bad_field_is_one_line_naming_file_and_field(path, field, raw, tmp_path, capsys):
    (tmp_path / "export.json").write_text(_export_text(path, raw), encoding="utf-8")
    code = main(["summarize", str(tmp_path / "export.json")])
    err = capsys.readouterr().err
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 1, err[-2000:]
    assert lines[0].startswith(f"summarybot: export.json: {field}: ")


def test_the_good_export_itself_summarizes(tmp_path, capsys):
    (tmp_path / "export.json").write_text(json.dumps(EXPORT), encoding="utf-8")
    assert main(["summarize", str(tmp_path / "export.json"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["schema"] == "summarybot.summary/1"


def test_a_huge_number_in_a_field_the_reader_ignores_is_no_problem(tmp_path, capsys):
    text = json.dumps(EXPORT).replace('"messages"', f'"messageCount": {HUGE}, "messages"')
    (tmp_path / "export.json").write_text(text, encoding="utf-8")
    assert main(["summarize", str(tmp_path / "export.json")]) == 0


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--since", "0001-01-01T00:00:00+05:00"),
        ("--until", "0001-01-01T00:00:00+05:00"),
        ("--since", "9999-12-31T23:59:59-14:00"),
        ("--until", "9999-12-31T23:59:59-14:00"),
    ],
)
def test_an_option_outside_the_calendar_in_utc_is_one_line(option, value, tmp_path, capsys):
    (tmp_path / "export.json").write_text(json.dumps(EXPORT), encoding="utf-8")
    code = main(["summarize", str(tmp_path / "export.json"), option, value])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [
        f"summarybot: {option}: {value!r} falls outside the calendar (years 1 to 9999) in UTC"
    ]


@pytest.mark.parametrize(
    ("since", "until"),
    [("0001-01-01T00:00:00Z", None), (None, "9999-12-31T23:59:59.999999Z")],
)
def test_the_calendars_own_edges_in_utc_still_work(since, until, tmp_path, capsys):
    (tmp_path / "export.json").write_text(json.dumps(EXPORT), encoding="utf-8")
    options = ["--since", since] if since else ["--until", until]
    assert main(["summarize", str(tmp_path / "export.json"), *options]) == 0
    assert "hello" in capsys.readouterr().out
