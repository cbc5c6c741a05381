from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from summarizer.errors import ExportError
from summarizer.sources import ExportSource
from tests.summarizer.helpers import DCE_REAL, SAMPLE


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _export(messages: list) -> dict:
    return {
        "guild": {"id": "1", "name": "G"},
        "channel": {"id": "2", "name": "c"},
        "messages": messages,
    }


def _msg(i: int, **extra) -> dict:
    base = {
        "id": str(100 + i),
        "type": "Default",
        "timestamp": f"2024-01-01T10:{i:02d}:00+00:00",
        "content": f"message {i}",
        "author": {"id": "7", "name": "ann", "isBot": False},
    }
    return {**base, **extra}


def test_reads_the_real_channel_export_without_system_messages():
    loaded = ExportSource(DCE_REAL / "example-guild-general.json").load()
    assert len(loaded.messages) == 31
    assert all("Joined the server" not in m.content for m in loaded.messages)


def test_reads_the_real_thread_export_and_marks_its_thread():
    loaded = ExportSource(DCE_REAL / "example-guild-thread.json").load()
    assert len(loaded.messages) == 5
    assert {m.thread.name for m in loaded.messages if m.thread} == {"Thomas is Thomas"}
    assert {m.channel.name for m in loaded.messages} == {"general"}
    assert sum(m.reply_to is not None for m in loaded.messages) == 2


def test_reads_a_directory_oldest_first():
    loaded = ExportSource(DCE_REAL).load()
    assert len(loaded.messages) == 36
    times = [m.created_at for m in loaded.messages]
    assert times == sorted(times)
    assert loaded.guild is not None
    assert loaded.guild.name == "Example guild"


def test_window_filter_is_half_open(tmp_path):
    path = _write(tmp_path / "e.json", _export([_msg(i) for i in range(5)]))
    loaded = ExportSource(path).load(
        datetime(2024, 1, 1, 10, 1, tzinfo=UTC), datetime(2024, 1, 1, 10, 3, tzinfo=UTC)
    )
    assert [m.id for m in loaded.messages] == [101, 102]


def test_empty_window_gives_no_messages(tmp_path):
    path = _write(tmp_path / "e.json", _export([_msg(i) for i in range(3)]))
    loaded = ExportSource(path).load(datetime(2030, 1, 1, tzinfo=UTC))
    assert loaded.messages == []


def test_bots_are_dropped_unless_asked(tmp_path):
    bot = {"id": "9", "name": "bot", "isBot": True}
    path = _write(tmp_path / "e.json", _export([_msg(0), _msg(1, author=bot)]))
    assert len(ExportSource(path).load().messages) == 1
    assert len(ExportSource(path, include_bots=True).load().messages) == 2


def test_limit_keeps_the_most_recent_and_says_so(tmp_path):
    path = _write(tmp_path / "e.json", _export([_msg(i) for i in range(5)]))
    loaded = ExportSource(path).load(limit=2)
    assert loaded.truncated
    assert [m.id for m in loaded.messages] == [103, 104]


async def test_fetch_follows_the_protocol(tmp_path):
    path = _write(tmp_path / "e.json", _export([_msg(i) for i in range(3)]))
    result = await ExportSource(path).fetch(
        [2], datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC), limit=10
    )
    assert len(result.messages) == 3
    assert not result.truncated


def test_truncated_json_names_the_file(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(_export([_msg(0)]))[:-20], encoding="utf-8")
    with pytest.raises(ExportError, match=r"^cut\.json: not valid JSON .*truncated"):
        ExportSource(path).load()


def test_bad_timestamp_names_the_field(tmp_path):
    path = _write(tmp_path / "export.json", _export([_msg(0), _msg(1, timestamp="yesterday")]))
    with pytest.raises(ExportError, match=r"^export\.json: messages\[1\]\.timestamp: not an ISO"):
        ExportSource(path).load()


def test_wrong_types_are_reported(tmp_path):
    path = _write(tmp_path / "export.json", _export([_msg(0, content=5)]))
    with pytest.raises(ExportError, match=r"messages\[0\]\.content: expected text"):
        ExportSource(path).load()


def test_wrong_shape_is_reported(tmp_path):
    path = _write(tmp_path / "list.json", [1, 2, 3])
    with pytest.raises(ExportError, match="expected a JSON object"):
        ExportSource(path).load()


def test_missing_path_is_reported(tmp_path):
    with pytest.raises(ExportError, match="no such file"):
        ExportSource(tmp_path / "nope.json").load()


def test_sample_export_loads():
    loaded = ExportSource(SAMPLE).load()
    assert len(loaded.messages) > 50
    assert any(m.thread for m in loaded.messages)


def test_committed_sample_matches_its_generator():
    import importlib.util
    import random

    spec = importlib.util.spec_from_file_location(
        "make_sample_export", SAMPLE.parent / "make_sample_export.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build(random.Random(4))
    committed = [
        json.loads((SAMPLE / name).read_text(encoding="utf-8"))
        for name in (
            "quillpress-help.json",
            "quillpress-help-netlify.json",
            "quillpress-help-themes.json",
        )
    ]
    assert built == committed
