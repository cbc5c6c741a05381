"""Export sources as a whole: direct messages, messages exported twice, servers mixed up."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from summarizer.errors import ExportError
from summarizer.sources import ExportSource
from tests.summarizer.helpers import DCE_REAL

DM_CHANNEL = "897616348878872660"


def _message(i: int, author: str = "ann", content: str | None = None) -> dict:
    return {
        "id": str(897616432739799000 + i),
        "type": "Default",
        "timestamp": f"2021-10-12T22:{i:02d}:14.472+00:00",
        "content": content or f"message {i} about the trip",
        "author": {"id": str(7 + (author != "ann")), "name": author, "isBot": False},
    }


def direct_export(kind: str = "DirectTextChat", name: str = "Someone", count: int = 3) -> dict:
    """The shape DiscordChatExporter writes for a DM: guild 0, "Direct Messages"."""
    return {
        "guild": {"id": "0", "name": "Direct Messages", "iconUrl": "x.png"},
        "channel": {
            "id": DM_CHANNEL,
            "type": kind,
            "categoryId": "0",
            "category": "Private",
            "name": name,
            "topic": None,
        },
        "messages": [_message(i, "ann" if i % 2 else "Someone") for i in range(count)],
    }


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_dm_export_links_with_me_and_has_no_server(tmp_path):
    loaded = ExportSource(_write(tmp_path / "dm.json", direct_export())).load()
    assert loaded.guild is None
    assert {m.jump_url.rsplit("/", 1)[0] for m in loaded.messages} == {
        f"https://discord.com/channels/@me/{DM_CHANNEL}"
    }
    assert loaded.title == "Digest of a conversation with Someone"


def test_a_group_dm_is_titled_a_group_chat(tmp_path):
    data = direct_export("DirectGroupTextChat", "Ann, Bo, Cy")
    loaded = ExportSource(_write(tmp_path / "group.json", data)).load()
    assert loaded.title == "Digest of a group chat (Ann, Bo, Cy)"
    assert all("/channels/@me/" in (m.jump_url or "") for m in loaded.messages)


def test_a_server_export_keeps_its_guild_and_channel_title(tmp_path):
    loaded = ExportSource(DCE_REAL).load()
    assert loaded.title is None
    assert loaded.guild is not None
    assert loaded.messages[0].jump_url.startswith(
        "https://discord.com/channels/748545324524575035/"
    )


def test_a_message_in_two_files_is_read_once(tmp_path):
    for name in ("example-guild-general.json", "example-guild-thread.json"):
        shutil.copy(DCE_REAL / name, tmp_path / name)
    shutil.copy(DCE_REAL / "example-guild-general.json", tmp_path / "general-again.json")
    loaded = ExportSource(tmp_path).load()
    ids = [m.id for m in loaded.messages]
    assert len(ids) == len(set(ids)) == 36


def test_a_message_twice_in_one_file_is_read_once(tmp_path):
    data = direct_export(count=4)
    data["messages"].insert(2, dict(data["messages"][1]))
    loaded = ExportSource(_write(tmp_path / "dm.json", data)).load()
    assert [m.id for m in loaded.messages] == [897616432739799000 + i for i in range(4)]


def test_a_directory_of_two_servers_is_refused_naming_both(tmp_path):
    shutil.copy(DCE_REAL / "example-guild-general.json", tmp_path / "a.json")
    other = json.loads((DCE_REAL / "example-guild-thread.json").read_text(encoding="utf-8"))
    other["guild"] = {"id": "123456789012345678", "name": "Other"}
    _write(tmp_path / "b.json", other)
    with pytest.raises(ExportError) as refused:
        ExportSource(tmp_path).load()
    assert str(refused.value) == (
        f"{tmp_path}: mixes exports of two servers: Example guild (748545324524575035) and "
        "Other (123456789012345678); summarize them separately"
    )


def test_direct_messages_next_to_a_server_are_two_sources(tmp_path):
    shutil.copy(DCE_REAL / "example-guild-general.json", tmp_path / "a.json")
    _write(tmp_path / "b.json", direct_export())
    with pytest.raises(ExportError, match=r"mixes exports of a server and direct messages: "):
        ExportSource(tmp_path).load()
