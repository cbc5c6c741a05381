from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.cli.main import main
from tests.summarizer.helpers import DCE_REAL, SAMPLE


def test_markdown_summary_of_the_sample(capsys):
    assert main(["summarize", str(SAMPLE)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("# Digest of")
    assert out.err == ""  # no progress output when stderr is not a terminal


def test_json_format(capsys):
    assert main(["summarize", str(DCE_REAL), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["schema"] == "summarybot.summary/1"


def test_text_brief_with_window(capsys):
    code = main(
        [
            "summarize",
            str(SAMPLE),
            "--format",
            "text",
            "--length",
            "brief",
            "--since",
            "2024-05-07T00:00:00Z",
            "--until",
            "2024-05-08T00:00:00Z",
        ]
    )
    assert code == 0
    opening, *points = capsys.readouterr().out.splitlines()
    assert opening.startswith("Ken, ")
    # Statements name their speaker: "Ken asked…", not "Ken: I…".
    assert any(line.startswith("Ken ") for line in points)


def test_missing_file_is_one_line(capsys, tmp_path):
    assert main(["summarize", str(tmp_path / "nope.json")]) != 0
    err = capsys.readouterr().err
    assert err.startswith("summarybot: ")
    assert err.count("\n") == 1


def test_bad_date_is_one_line(capsys):
    assert main(["summarize", str(SAMPLE), "--since", "tuesday"]) != 0
    err = capsys.readouterr().err
    assert "--since" in err
    assert err.count("\n") == 1


def test_bad_format_is_one_line(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["summarize", str(SAMPLE), "--format", "pdf"])
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert err.startswith("summarybot: ")
    assert err.count("\n") == 1


def test_without_a_file_or_variable_the_settings_are_the_defaults(monkeypatch, tmp_path):
    # What `summarize` and `preview` take instead of loading pydantic-settings must be what
    # loading the settings gives.
    from bot.config import load_section, load_settings, nothing_to_read
    from scheduling.settings import SchedulingSettings
    from summarizer.settings import SummarizerSettings

    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.upper().startswith("SUMMARYBOT_") or name.upper() == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    assert nothing_to_read()
    settings = load_settings()
    assert load_section("summarizer", SummarizerSettings) == settings.summarizer
    assert load_section("scheduling", SchedulingSettings) == settings.scheduling


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SUMMARYBOT_SUMMARIZER__MAX_MESSAGES", "7"),
        ("summarybot_summarizer__max_messages", "7"),  # read case-insensitively
    ],
)
def test_a_variable_is_read(monkeypatch, tmp_path, variable, value):
    from bot.config import load_section, nothing_to_read
    from summarizer.settings import SummarizerSettings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    assert not nothing_to_read()
    assert load_section("summarizer", SummarizerSettings).max_messages == 7


def test_a_config_file_is_read(monkeypatch, tmp_path, capsys):
    from bot.config import nothing_to_read

    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text("[summarizer]\nmax_messages = 3\n", encoding="utf-8")
    assert not nothing_to_read()
    assert main(["summarize", str(DCE_REAL), "--format", "json"]) == 0
    assert "33 earlier ones were left out" in capsys.readouterr().out


def test_summarizing_needs_neither_asyncio_nor_pydantic_settings():
    # The offline engine runs without an event loop, and with nothing to read the settings are
    # the defaults: a fresh process imports neither (each costs the command ~0.02-0.05 s).
    code = (
        "import sys; from bot.cli.main import main; "
        f"main(['summarize', {str(DCE_REAL)!r}]); "
        "print(sorted({'asyncio', 'pydantic_settings'} & set(sys.modules)))"
    )
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SUMMARYBOT_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
