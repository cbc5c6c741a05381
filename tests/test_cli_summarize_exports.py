"""`summarybot summarize` over DMs, mixed directories and windows cut by max_messages."""

from __future__ import annotations

import json
import re
import shutil

from bot.cli.main import main
from tests.summarizer.helpers import DCE_REAL, SAMPLE
from tests.summarizer.test_export_directories import DM_CHANNEL, direct_export


def test_markdown_of_the_real_export_cites_no_bare_message_id(capsys):
    assert main(["summarize", str(DCE_REAL)]) == 0
    out = capsys.readouterr().out
    assert "[↗](https://discord.com/channels/748545324524575035/" in out
    for found in re.finditer(r"\d{15,}", out):
        assert out[found.start() - 1] == "/", out[found.start() - 30 : found.end() + 2]


def test_a_dm_digest_is_titled_for_the_conversation_and_links_with_me(tmp_path, capsys):
    path = tmp_path / "dm.json"
    path.write_text(json.dumps(direct_export(count=6)), encoding="utf-8")
    assert main(["summarize", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Digest of a conversation with Someone\n")
    assert f"(https://discord.com/channels/@me/{DM_CHANNEL}/" in out
    assert "/channels/0/" not in out


def test_a_directory_mixing_two_servers_is_refused_in_one_line(tmp_path, capsys):
    shutil.copy(DCE_REAL / "example-guild-general.json", tmp_path / "a.json")
    other = json.loads((DCE_REAL / "example-guild-thread.json").read_text(encoding="utf-8"))
    other["guild"] = {"id": "123456789012345678", "name": "Other"}
    (tmp_path / "b.json").write_text(json.dumps(other), encoding="utf-8")
    assert main(["summarize", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"summarybot: {tmp_path}: mixes exports of two servers: Example guild "
        "(748545324524575035) and Other (123456789012345678); summarize them separately\n"
    )


def _limited(tmp_path, limit: int) -> str:
    config = tmp_path / "config.toml"
    config.write_text(f"[summarizer]\nmax_messages = {limit}\n", encoding="utf-8")
    return str(config)


def test_a_cut_window_shows_all_of_it_and_says_how_many_were_left_out(tmp_path, capsys):
    config = _limited(tmp_path, 100)
    assert main(["summarize", str(SAMPLE), "--config", config, "--format", "json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert digest["truncated"] is True
    assert digest["stats"]["message_count"] == 100
    # The header's window is the whole export (the sample starts 2024-05-06 08:01), not the
    # part that was kept.
    assert digest["window"]["start"].startswith("2024-05-06T08:01")
    assert digest["notes"] == [
        "only the most recent 100 messages of this window are summarized; 86 earlier ones were "
        "left out (raise summarizer.max_messages to include them)"
    ]

    assert main(["summarize", str(SAMPLE), "--config", config]) == 0
    markdown = capsys.readouterr().out
    assert "*2024-05-06 08:01 UTC – 2024-05-10 17:05 UTC" in markdown
    assert "86 earlier ones were left out (raise summarizer.max\\_messages" in markdown

    assert main(["summarize", str(SAMPLE), "--config", config, "--format", "text"]) == 0
    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith(
            "Note: only the most recent 100 messages of this window are summarized; 86 earlier "
            "ones were left out (raise summarizer.max_messages to include them)"
        )
    )


def test_one_message_left_out_is_singular(tmp_path, capsys):
    assert main(["summarize", str(SAMPLE), "--config", _limited(tmp_path, 185)]) == 0
    assert "1 earlier one was left out" in capsys.readouterr().out
