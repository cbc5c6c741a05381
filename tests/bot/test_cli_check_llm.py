"""`summarybot check` with `engine = "llm"`: the configured model must really be served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.summarizer.fake_openai import FakeOpenAI


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    yield from FakeOpenAI().run()


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "discord-token")


def config(tmp_path: Path, base_url: str, model: str = "gpt-test") -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[summarizer]\nengine = "llm"\n\n[summarizer.llm]\nbase_url = "{base_url}"\n'
        f'model = "{model}"\n'
    )
    return str(path)


def test_check_passes_when_the_model_is_served(fake, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SUMMARYBOT_LLM_API_KEY", "sk-very-secret")
    assert main(["check", "--config", config(tmp_path, fake.url)]) == 0
    out, err = capsys.readouterr()
    assert f"llm: model 'gpt-test' is offered by {fake.url}" in out
    assert "sk-very-secret" not in out + err
    assert fake.requests[0].headers["Authorization"] == "Bearer sk-very-secret"


def test_check_lists_what_is_available_when_the_model_is_missing(fake, tmp_path, capsys):
    assert main(["check", "--config", config(tmp_path, fake.url, "gpt-9")]) == 1
    err = capsys.readouterr().err
    assert (
        f"summarybot: check: llm: model 'gpt-9' is not offered by {fake.url}; "
        "available: gpt-test, llama3.1:8b, qwen2.5:7b"
    ) in err


def test_check_reports_a_refused_key(fake, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SUMMARYBOT_LLM_API_KEY", "sk-wrong")
    fake.models_status = 401
    assert main(["check", "--config", config(tmp_path, fake.url)]) == 1
    out, err = capsys.readouterr()
    assert (
        "summarybot: check: llm: the API key was refused (HTTP 401); check SUMMARYBOT_LLM_API_KEY"
    ) in err
    assert "sk-wrong" not in out + err


def test_check_reports_an_unreachable_server(tmp_path, capsys):
    assert main(["check", "--config", config(tmp_path, "http://127.0.0.1:9/v1")]) == 1
    err = capsys.readouterr().err
    assert "summarybot: check: llm: cannot reach http://127.0.0.1:9/v1" in err


def test_check_does_not_ask_a_model_for_the_extractive_engine(fake, capsys):
    assert main(["check"]) == 0
    assert fake.requests == []
