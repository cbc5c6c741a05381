from __future__ import annotations

import json

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
