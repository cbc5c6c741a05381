"""Configuration: the example file, environment overrides and every refusal a person can hit."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.config import SECRET_KEYS, Settings, load_settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"


def _leaf_keys(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    keys: set[tuple[str, ...]] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _leaf_keys(annotation, (*prefix, name))
        else:
            keys.add((*prefix, name))
    return keys


def _toml_keys(data: dict, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    keys: set[tuple[str, ...]] = set()
    for name, value in data.items():
        if isinstance(value, dict):
            keys |= _toml_keys(value, (*prefix, name))
        else:
            keys.add((*prefix, name))
    return keys


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path | str | None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.problems


def test_example_file_loads_and_equals_the_defaults():
    assert load_settings(EXAMPLE).model_dump() == Settings().model_dump()


def test_example_file_lists_every_setting_and_nothing_else():
    in_file = _toml_keys(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    in_model = _leaf_keys(Settings) - set(SECRET_KEYS)
    assert in_file == in_model


def test_example_file_names_the_secret_variables():
    text = EXAMPLE.read_text(encoding="utf-8")
    for variable in SECRET_KEYS.values():
        assert variable in text


def test_missing_default_file_means_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.source == "defaults"
    assert settings.scheduling.max_concurrent_runs == "auto"


def test_default_file_in_working_directory_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "[scheduling]\nmax_concurrent_runs = 7\n")
    assert load_settings().scheduling.max_concurrent_runs == 7


def test_explicit_missing_file_is_an_error(tmp_path):
    assert _problems(tmp_path / "nope.toml") == [f"{tmp_path / 'nope.toml'}: config file not found"]


def test_config_variable_names_the_file(tmp_path, monkeypatch):
    path = _write(tmp_path, "[storage]\npath = 'x.db'\n")
    monkeypatch.setenv("SUMMARYBOT_CONFIG", str(path))
    assert load_settings().storage.path == "x.db"


def test_config_variable_pointing_nowhere_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SUMMARYBOT_CONFIG", str(tmp_path / "gone.toml"))
    assert "config file not found" in _problems(None)[0]


def test_environment_overrides_the_file_key_by_key(tmp_path, monkeypatch):
    path = _write(tmp_path, "[scheduling]\ntimezone = 'Europe/Berlin'\nmax_concurrent_runs = 2\n")
    monkeypatch.setenv("SUMMARYBOT_SCHEDULING__MAX_CONCURRENT_RUNS", "9")
    monkeypatch.setenv("SUMMARYBOT_SUMMARIZER__LLM__MODEL", "llama3.1")
    settings = load_settings(path)
    assert settings.scheduling.max_concurrent_runs == 9
    assert settings.scheduling.timezone == "Europe/Berlin"
    assert settings.summarizer.llm.model == "llama3.1"


def test_secrets_come_from_their_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "token-value")
    monkeypatch.setenv("SUMMARYBOT_LLM_API_KEY", "sk-value")
    settings = load_settings(_write(tmp_path, ""))
    assert settings.discord.token.get_secret_value() == "token-value"
    assert settings.summarizer.llm.api_key.get_secret_value() == "sk-value"
    assert "token-value" not in repr(settings)


def test_secret_in_the_file_is_refused_without_echoing_it(tmp_path):
    path = _write(tmp_path, "[discord]\ntoken = 'abc.def.ghi'\n")
    (problem,) = _problems(path)
    assert problem == (
        f"{path}: [discord] token: secrets are read from the environment only; "
        "remove it from the file and set DISCORD_TOKEN"
    )
    assert "abc.def.ghi" not in problem


def test_unknown_key_suggests_the_right_one(tmp_path):
    path = _write(tmp_path, "[scheduling]\nmax_concurent_runs = 3\n")
    assert _problems(path) == [
        f"{path}: [scheduling] max_concurent_runs: unknown setting; "
        "did you mean max_concurrent_runs?"
    ]


def test_unknown_nested_key(tmp_path):
    path = _write(tmp_path, "[summarizer.llm]\nmodle = 'x'\n")
    assert _problems(path) == [
        f"{path}: [summarizer.llm] modle: unknown setting; did you mean model?"
    ]


def test_unknown_section_suggests_the_right_one(tmp_path):
    path = _write(tmp_path, "[sheduling]\ntimezone = 'UTC'\n")
    assert _problems(path) == [f"{path}: [sheduling]: unknown section; did you mean [scheduling]?"]


def test_wrong_type(tmp_path):
    path = _write(tmp_path, "[delivery]\ntimeout_seconds = 'fast'\n")
    assert _problems(path) == [f"{path}: [delivery] timeout_seconds: expected a number, got 'fast'"]


def test_unknown_time_zone_suggests_a_name(tmp_path):
    path = _write(tmp_path, "[scheduling]\ntimezone = 'Europe/Berln'\n")
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}: [scheduling] timezone: unknown time zone 'Europe/Berln'")
    assert "did you mean Europe/Berlin" in problem


def test_time_zone_case_is_forgiven_and_stored_canonically(tmp_path):
    path = _write(tmp_path, "[scheduling]\ntimezone = 'america/new_york'\n")
    assert load_settings(path).scheduling.timezone == "America/New_York"


def test_negative_limit(tmp_path):
    path = _write(tmp_path, "[scheduling]\nmax_concurrent_runs = -1\n")
    assert _problems(path) == [
        f"{path}: [scheduling] max_concurrent_runs: must be at least 1, got -1"
    ]


def test_choice_outside_the_allowed_values(tmp_path):
    path = _write(tmp_path, "[scheduling]\ncatch_up = 'always'\n")
    assert _problems(path) == [
        f"{path}: [scheduling] catch_up: expected one of 'coalesce' or 'skip', got 'always'"
    ]


def test_every_problem_is_reported_at_once(tmp_path):
    path = _write(tmp_path, "[http]\nport = 70000\n[logging]\nformat = 'xml'\n")
    assert len(_problems(path)) == 2


def test_bad_environment_value_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("SUMMARYBOT_SCHEDULING__MAX_CONCURRENT_RUNS", "lots")
    (problem,) = _problems(_write(tmp_path, ""))
    assert problem == (
        "environment variable SUMMARYBOT_SCHEDULING__MAX_CONCURRENT_RUNS: "
        "[scheduling] max_concurrent_runs: expected \"auto\" or a whole number, got 'lots'"
    )


def test_unknown_environment_key_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SUMMARYBOT_SCHEDULING__MAX_CONCURENT_RUNS", "3")
    (problem,) = _problems(_write(tmp_path, ""))
    assert "SUMMARYBOT_SCHEDULING__MAX_CONCURENT_RUNS" in problem
    assert "did you mean max_concurrent_runs?" in problem


def test_invalid_toml_names_the_line(tmp_path):
    path = _write(tmp_path, "[scheduling\n")
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}: not valid TOML:")
    assert "line 1" in problem


def test_a_directory_is_not_a_config_file(tmp_path):
    assert _problems(tmp_path) == [f"{tmp_path}: is a directory, not a TOML file"]


def test_invalid_cleanup_cron(tmp_path):
    path = _write(tmp_path, "[retention]\ncleanup_cron = 'daily'\n")
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}: [retention] cleanup_cron:")


def test_a_postgres_url_and_its_password_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SUMMARYBOT_STORAGE__PASSWORD", "pg-secret")
    path = _write(tmp_path, "[storage]\nurl = 'postgresql://summarybot@db.internal/summarybot'\n")
    settings = load_settings(path)
    assert settings.storage.url == "postgresql://summarybot@db.internal/summarybot"
    assert settings.storage.password.get_secret_value() == "pg-secret"
    assert "pg-secret" not in repr(settings)


def test_a_storage_password_in_the_file_is_refused(tmp_path):
    path = _write(tmp_path, "[storage]\npassword = 'pg-secret'\n")
    (problem,) = _problems(path)
    assert problem == (
        f"{path}: [storage] password: secrets are read from the environment only; "
        "remove it from the file and set SUMMARYBOT_STORAGE__PASSWORD"
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql://bot:pg-secret@db/sb", "holds a password; remove it from the URL"),
        ("mysql://bot@db/sb", "must start with postgresql://"),
        ("data/summarybot.db", "must start with postgresql://"),
    ],
)
def test_a_bad_storage_url_is_refused_plainly(tmp_path, url, words):
    path = _write(tmp_path, f"[storage]\nurl = '{url}'\n")
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}: [storage] url: ")
    assert words in problem
    assert "pg-secret" not in problem


@pytest.mark.parametrize("url", ["postgresql://bot:pg-secret@db/sb", "sqlite:///data/sb.db"])
def test_a_url_given_as_the_storage_path_is_refused(tmp_path, url):
    # It used to become folders ("postgresql:/bot:pg-secret@db/") and a SQLite file.
    path = _write(tmp_path, f"[storage]\npath = '{url}'\n")
    (problem,) = _problems(path)
    assert problem == (
        f"{path}: [storage] path: is a URL, not a file: a PostgreSQL server goes in"
        " storage.url; storage.path is the SQLite file (e.g. data/summarybot.db)"
    )


async def test_a_postgres_url_without_its_driver_says_what_to_install(monkeypatch):
    from scheduling.errors import StoreError
    from scheduling.settings import StorageSettings
    from scheduling.store import open_store

    monkeypatch.setitem(sys.modules, "asyncpg", None)
    with pytest.raises(StoreError, match=r"pip install 'summarybot\[postgresql\]'"):
        await open_store(StorageSettings(url="postgresql://bot@db/sb"))
