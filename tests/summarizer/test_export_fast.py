"""The fast way of reading an export (msgspec batches) gives what reading it whole gives.

Every file is read three ways: fast, and whole for comparison; batches are made tiny so that
cuts land inside strings, nested lists and the tail, where a wrong cut must never decode.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer import json_batches
from summarizer.errors import ExportError
from summarizer.json_stream import Unstreamable
from summarizer.sources import ExportSource
from tests.summarizer.helpers import DCE_REAL, SAMPLE

DATA = Path(__file__).resolve().parents[1] / "data"
# Text that looks like the places batches are cut, inside strings.
TRICKY = ['}, {"id": "1", "type": "Default"}', '"]}', "]", "},{", '\\"}, {', "<@5> hi <#10>"]


def _message(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(10**17 + i),
        "type": "Default",
        "timestamp": f"2024-05-06T08:{i % 60:02d}:{i % 7:02d}.{i % 1000:03d}+02:00",
        "timestampEdited": None if i % 3 else "2024-05-06T09:00:00+00:00",
        "content": TRICKY[i % len(TRICKY)] + f" message {i}",
        "author": {"id": str(1 + i % 4), "name": f"user{i % 4}", "nickname": f"User {i % 4}"},
        "attachments": [{"id": "9", "url": f"https://cdn.example/{i}.png", "fileName": "a.png"}]
        * (i % 3),
        "embeds": [{"title": "Page", "url": "https://example.com/x", "fields": []}] * (i % 2),
        "reactions": [{"emoji": {"id": "", "name": "👍"}, "count": i % 4}] * (i % 3),
        "mentions": [{"id": "5", "name": "five", "nickname": "Five"}, {"id": "6", "name": "six"}]
        * (i % 2),
        **extra,
    }


def _export(messages: list[dict[str, Any]], **tail: Any) -> dict[str, Any]:
    return {
        "guild": {"id": "1", "name": "Guild"},
        "channel": {"id": "10", "type": "GuildTextChat", "name": "general"},
        "messages": messages,
        **tail,
    }


def _write(
    tmp_path: Path,
    data: Any,
    *,
    indent: int | None = None,
    bom: bool = False,
    ascii_only: bool = False,
) -> Path:
    path = tmp_path / "export.json"
    text = json.dumps(data, indent=indent, ensure_ascii=ascii_only)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


@pytest.fixture
def tiny_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_batches, "CHUNK_BYTES", 400)
    monkeypatch.setattr(json_batches, "_CUT_WINDOW", 2000)


def _both(path: Path, limit: int | None = None) -> tuple[Any, Any]:
    source = ExportSource(path)
    fast = source._load(None, None, frozenset(), limit, way="fast")
    whole = source._load(None, None, frozenset(), limit, way="whole")
    return fast, whole


@pytest.mark.parametrize("path", sorted(DATA.glob("*/*.json")), ids=lambda p: p.name)
def test_the_test_exports_read_fast_as_whole(path: Path) -> None:
    fast, whole = _both(path)
    assert fast == whole


@pytest.mark.usefixtures("tiny_batches")
@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("limit", [None, 7])
def test_tiny_batches_cut_only_between_messages(tmp_path: Path, indent: int | None, limit: int):
    path = _write(
        tmp_path, _export([_message(i) for i in range(60)], messageCount=60), indent=indent
    )
    fast, whole = _both(path, limit)
    assert fast == whole
    assert len(whole.messages) == (limit or 60)


@pytest.mark.usefixtures("tiny_batches")
def test_mentions_and_previews_are_those_of_the_whole_read(tmp_path: Path) -> None:
    path = _write(tmp_path, _export([_message(i) for i in range(12)]), bom=True)
    fast, whole = _both(path)
    assert [m.content for m in fast.messages] == [m.content for m in whole.messages]
    assert any("@Five" in m.content for m in fast.messages)
    assert fast.messages[1].embeds
    assert fast.messages[2].attachments


def test_an_empty_export_reads_fast(tmp_path: Path) -> None:
    fast, whole = _both(_write(tmp_path, _export([], messageCount=0)))
    assert fast == whole
    assert fast.messages == []


@pytest.mark.parametrize(
    "change",
    [
        {"id": 100000000000000123},  # a number, not text: the careful way takes it
        {"reference": {"messageId": "9000000000000000001"}},  # 19 digits from 9: in range
        {"author": {"id": 7, "name": "seven"}},
        {"attachments": ""},  # no attachments, said oddly
        {"content": "lone \ud800 surrogate"},
    ],
)
def test_what_the_fast_way_refuses_is_read_carefully(tmp_path: Path, change: dict) -> None:
    messages = [_message(i) for i in range(5)]
    messages[3] = {**messages[3], **change}
    path = _write(tmp_path, _export(messages), ascii_only=True)
    with pytest.raises(Unstreamable):
        ExportSource(path)._load(None, None, frozenset(), None, way="fast")
    assert ExportSource(path).load() == ExportSource(path)._load(
        None, None, frozenset(), None, way="whole"
    )


def test_a_second_messages_array_is_the_one_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    first, second = json.dumps([_message(1)]), json.dumps([_message(2)])
    head = '{"guild": {"id": "1", "name": "G"}, "channel": {"id": "10", "name": "general"}'
    path.write_text(f'{head}, "messages": {first}, "messages": {second}}}')
    loaded = ExportSource(path).load()
    assert [m.id for m in loaded.messages] == [10**17 + 2]


def test_a_header_key_after_the_messages_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    head = '{"guild": {"id": "1", "name": "G"}, "channel": {"id": "10", "name": "general"}'
    late = '"guild": {"id": "2", "name": "Other"}'
    path.write_text(f'{head}, "messages": {json.dumps([_message(1)])}, {late}}}')
    with pytest.raises(Unstreamable):
        ExportSource(path)._load(None, None, frozenset(), None, way="fast")
    assert ExportSource(path).load().guild.id == 2


def test_a_damaged_file_gives_the_careful_error(tmp_path: Path) -> None:
    messages = [_message(i) for i in range(5)]
    messages[2]["timestamp"] = "2024-05-06T08:00:00"
    path = _write(tmp_path, _export(messages))
    with pytest.raises(Exception, match=r"messages\[2\]\.timestamp: ISO date without a UTC offset"):
        ExportSource(path).load()


def test_real_exports_take_the_fast_way() -> None:
    for path in [*DCE_REAL.glob("*.json"), *SAMPLE.glob("*.json")]:
        ExportSource(path)._load(None, None, frozenset(), None, way="fast")


@pytest.mark.parametrize("where", ["channel", "message"])
def test_nesting_too_deep_gives_the_careful_error(tmp_path: Path, where: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    channel = '{"id": "10", "name": "general"' + (
        f', "topic": {deep}' if where == "channel" else ""
    )
    message = json.dumps(_message(1))
    if where == "message":
        message = message[:-1] + f', "stickers": {deep}' + "}"
    path = tmp_path / "export.json"
    path.write_text(f'{{"guild": null, "channel": {channel}}}, "messages": [{message}]}}')
    with pytest.raises(ExportError, match="nested too deeply"):
        ExportSource(path).load()


@pytest.mark.parametrize(
    "when",
    [
        "1970-01-01T00:30:00+01:00",  # the first day as written, the day before in UTC
        "9000-12-31T23:59:59.999+00:00",
        "2024-05-06T08:00:00Z",
        "2024-05-06 08:00:00-07:30",
        "2024-05-06T08:00:00.1234567+00:00",  # seven digits: Python keeps six
    ],
)
def test_every_time_a_message_can_have_reads_as_the_careful_way_reads_it(
    tmp_path: Path, when: str
) -> None:
    messages = [_message(i) for i in range(5)]
    messages[2]["timestamp"] = when
    path = _write(tmp_path, _export(messages))
    fast, whole = _both(path)
    assert fast == whole


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("1969-12-31T23:59:59+00:00", "outside the dates a message can have"),
        ("9001-01-01T00:00:00+00:00", "outside the dates a message can have"),
        ("2024-05-06t08:00:00z", "not an ISO date"),
        ("yesterday", "not an ISO date"),
    ],
)
def test_a_time_out_of_range_or_unreadable_gives_the_careful_error(
    tmp_path: Path, when: str, problem: str
) -> None:
    messages = [_message(i) for i in range(5)]
    messages[2]["timestamp"] = when
    path = _write(tmp_path, _export(messages))
    with pytest.raises(ExportError, match=rf"messages\[2\]\.timestamp: .*{problem}"):
        ExportSource(path).load()
