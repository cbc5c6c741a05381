"""Mentions read as names (`@Ann`, `#general`), never as `<@123>` ids, in every output."""

from __future__ import annotations

import json
from pathlib import Path

from bot.cli.main import main
from delivery.embeds import render_discord
from delivery.render import render
from summarizer import summarize, text
from summarizer.models import SummaryOptions
from summarizer.sources import ExportSource

ANN, ROLE, OTHER_CHANNEL = "496568767994532880", "1145678901234567890", "1012224565567729999"


def _export(tmp_path: Path) -> Path:
    said = [
        f"<@{ANN}> can you check the release notes for the murex dye release",
        f"<@!{ANN}> the <@&{ROLE}> team wants the dye release notes in <#2> by Friday",
        f"Moved the dye release talk to <#{OTHER_CHANNEL}>, ping <@999> there",
    ]
    messages = [
        {
            "id": str(100 + i),
            "type": "Default",
            "timestamp": f"2024-01-01T10:0{i}:00+00:00",
            "content": content,
            "author": {"id": "7", "name": "bo", "isBot": False},
            "mentions": [{"id": ANN, "name": "ann", "nickname": "Ann"}, {"id": 5}, "junk"],
            "reactions": [{"count": 3}] if i == 1 else [],
        }
        for i, content in enumerate(said)
    ]
    data = {
        "guild": {"id": "1", "name": "G"},
        "channel": {"id": "2", "type": "GuildTextChat", "name": "general"},
        "messages": messages,
    }
    path = tmp_path / "general.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_export_mentions_read_as_names(tmp_path):
    loaded = ExportSource(_export(tmp_path)).load()
    assert [m.content for m in loaded.messages] == [
        "@Ann can you check the release notes for the murex dye release",
        "@Ann the @role team wants the dye release notes in #general by Friday",
        "Moved the dye release talk to #channel, ping @user there",
    ]


def test_clean_never_leaves_a_raw_mention():
    assert text.clean("<@123> and <@!123> ask <@&456> in <#789>") == (
        "@user and @user ask @role in #channel"
    )


async def test_no_format_shows_a_raw_or_escaped_mention(tmp_path, capsys):
    loaded = ExportSource(_export(tmp_path)).load()
    summary = await summarize(loaded.messages, SummaryOptions(length="detailed"))
    discord_text = json.dumps([m.payload() for m in render_discord(summary)])
    outputs = [render(summary, fmt) for fmt in ("markdown", "json", "text")] + [discord_text]
    for output in outputs:
        assert "<@" not in output
        assert "<#" not in output
        assert "@Ann" in output


def test_the_cli_digest_names_mentioned_members(tmp_path, capsys):
    assert main(["summarize", str(_export(tmp_path)), "--length", "detailed"]) == 0
    out = capsys.readouterr().out
    assert "@Ann" in out
    assert "<@" not in out
    assert "\\<@" not in out
