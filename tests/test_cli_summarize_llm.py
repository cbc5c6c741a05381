"""`summarybot summarize --engine llm`: one session for the command, the fallback when down."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.summarizer.fake_openai import FakeOpenAI
from tests.summarizer.helpers import SAMPLE


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    yield from FakeOpenAI().run()


def config(tmp_path: Path, base_url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[summarizer.llm]\nbase_url = "{base_url}"\nmodel = "gpt-test"\n')
    return str(path)


def test_summarize_with_the_llm_engine(fake, tmp_path, capsys):
    args = ["summarize", str(SAMPLE), "--engine", "llm", "--format", "json"]
    assert main([*args, "--config", config(tmp_path, fake.url)]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert digest["engine"] == "llm"
    assert digest["usage"]["total_tokens"] == 120 * len(fake.chats)
    assert fake.chats[0].body["model"] == "gpt-test"


def test_summarize_falls_back_when_the_model_is_down(tmp_path, capsys):
    args = ["summarize", str(SAMPLE), "--engine", "llm", "--config"]
    assert main([*args, config(tmp_path, "http://127.0.0.1:9/v1")]) == 0
    out = capsys.readouterr().out
    # The address stays a working link: written as an autolink, never backslash-escaped.
    assert "*Note: the model was unreachable (cannot reach <http://127.0.0.1:9/v1>" in out
    assert "this is the offline summary*" in out
