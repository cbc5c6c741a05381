"""`summarybot check` and `--version`: what an operator sees before starting the bot."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_check_passes_with_the_example_config_and_a_token(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    assert main(["check", "--config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "discord token: present" in out
    assert "check passed" in out
    assert "secret-token-value" not in out
    assert (tmp_path / "data" / "summarybot.db").exists()


def test_check_fails_without_a_token(capsys):
    assert main(["check", "--config", str(EXAMPLE)]) == 1
    err = capsys.readouterr().err
    assert "summarybot: check: discord token: missing; set DISCORD_TOKEN" in err


def test_blank_token_counts_as_missing(monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_TOKEN", "   ")
    assert main(["check"]) == 1
    assert "discord token: missing" in capsys.readouterr().err


def test_check_reports_bad_config_before_touching_the_database(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("[scheduling]\nmax_concurent_runs = 3\n")
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"summarybot: config: {config}: [scheduling] max_concurent_runs: unknown setting; "
        "did you mean max_concurrent_runs?"
    )
    assert not (tmp_path / "data").exists()


def test_check_with_a_missing_config_file(capsys):
    assert main(["check", "--config", "missing.toml"]) == 2
    assert "missing.toml: config file not found" in capsys.readouterr().err


def test_check_refuses_a_database_from_a_newer_release(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    db = tmp_path / "data" / "summarybot.db"
    db.parent.mkdir()
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 42")
    assert main(["check"]) == 1
    assert "newer release" in capsys.readouterr().err


def test_check_uses_the_storage_path_from_the_environment(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("SUMMARYBOT_STORAGE__PATH", str(tmp_path / "elsewhere.db"))
    assert main(["check"]) == 0
    assert (tmp_path / "elsewhere.db").exists()


def test_no_subcommand_prints_usage(capsys):
    assert main([]) == 2
    assert "usage: summarybot" in capsys.readouterr().err


def test_installed_console_script_reports_its_version():
    script = Path(sys.executable).parent / "summarybot"
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith("summarybot ")


def test_a_misspelt_section_in_the_environment_is_warned_about(monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    monkeypatch.setenv("SUMMARYBOT_SCHEDULNG__TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("SUMMARYBOT_SCHEDULING__MAX_CONCURRENT_RUNS", "8")  # a real one
    monkeypatch.setenv("SUMMARYBOT_WEBHOOK_SECRET", "whsec_dGVzdA==")  # summarize's, not a setting
    warning = (
        "summarybot: warning: environment variable SUMMARYBOT_SCHEDULNG__TIMEZONE: unknown "
        "section [schedulng], ignored; did you mean [scheduling]: SUMMARYBOT_SCHEDULING__TIMEZONE?"
    )
    assert main(["check"]) == 0
    assert capsys.readouterr().err.splitlines() == [warning]
    monkeypatch.delenv("DISCORD_TOKEN")
    assert main(["run"]) == 2  # warned before it stops for the missing token
    assert capsys.readouterr().err.splitlines()[0] == warning


def test_check_names_a_postgres_backend_without_its_password(
    postgres_url, monkeypatch, capsys, tmp_path
):
    config = tmp_path / "pg.toml"
    config.write_text(f'[storage]\nurl = "{postgres_url}"\n')
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("SUMMARYBOT_STORAGE__PASSWORD", "not-needed-over-the-socket")
    assert main(["check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"database: {postgres_url} ok (postgresql, schema " in out
    assert "not-needed" not in out
    assert not (tmp_path / "data").exists()


def test_check_reports_an_unreachable_postgres_server(monkeypatch, capsys, tmp_path):
    config = tmp_path / "pg.toml"
    config.write_text(f'[storage]\nurl = "postgresql://bot@/sb?host={tmp_path}&port=9"\n')
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    assert main(["check", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"summarybot: check: database: postgresql://bot@/sb?host={tmp_path}&port=9:" in err
    assert "cannot connect to PostgreSQL" in err
