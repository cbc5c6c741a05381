"""Settings: the TOML file plus environment overrides, composed from each package's own section.

Precedence, highest first: `DISCORD_TOKEN` / `SUMMARYBOT_LLM_API_KEY`, then
`SUMMARYBOT_<SECTION>__<KEY>` variables, then the file, then the defaults. Every problem is
reported at once, each naming where the bad value came from, so that a typo never surfaces
later as odd behaviour.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.settings import Settings

ENV_PREFIX = "SUMMARYBOT_"
CONFIG_ENV = "SUMMARYBOT_CONFIG"
DEFAULT_CONFIG = Path("config.toml")
SectionT = TypeVar("SectionT", bound=BaseModel)
# Secrets that may only come from the environment, with the variable a person should set.
SECRET_KEYS: dict[tuple[str, ...], str] = {
    ("discord", "token"): "DISCORD_TOKEN",
    ("summarizer", "llm", "api_key"): "SUMMARYBOT_LLM_API_KEY",
    ("storage", "password"): "SUMMARYBOT_STORAGE__PASSWORD",
}


# Variables with the prefix that are not `<SECTION>__<KEY>` settings.
_OTHER_VARIABLES = frozenset(
    {CONFIG_ENV, *SECRET_KEYS.values(), "SUMMARYBOT_WEBHOOK_SECRET"}  # the last: `summarize --to`
)


# The sections below are built when first validated (`defer_build`): `preview`, and
# `summarize` with nothing to read, never validate them and skip the work.
class DiscordSettings(BaseModel):
    """How the bot reaches Discord (or a Discord-compatible server in tests)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    token: SecretStr | None = None
    api_base: str = Field(default="https://discord.com/api/v10", pattern=r"^https?://\S+$")
    guild_ids: list[int] = Field(default_factory=list)
    shutdown_timeout_seconds: float = Field(default=30, ge=0)
    # Discord's global REST limit for the bot token, across every process (50/s, less a
    # margin: bot/pacing.py). With several processes each paces at its shards' share.
    global_rate_limit: float = Field(default=48.0, gt=0, le=100_000)


class HttpSettings(BaseModel):
    """The optional health and metrics server."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)


class LoggingSettings(BaseModel):
    """Log verbosity and shape (`json` for log collectors)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["text", "json"] = "text"


def __getattr__(name: str) -> Any:
    """`Settings`, imported on first use from `bot.settings` (PEP 562).

    pydantic-settings takes about 50 ms to import and the model another 10 ms to build: a
    command with nothing to read (`nothing_to_read`: `summarybot preview`, or `summarize`
    without a file or a variable) takes its section's defaults and never pays for either.
    """
    if name == "Settings":
        from bot.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_settings(config: str | Path | None = None) -> Settings:
    """Load settings from `config`, `$SUMMARYBOT_CONFIG` or `./config.toml`, plus the environment.

    A path that was asked for explicitly must exist; only the implicit default may be absent.
    Raises `ConfigError` listing every problem.
    """
    path = _file_to_read(config)
    if path is None:
        data: dict[str, Any] = {}
        label = "defaults"
    else:
        data = _read_toml(path)
        label = str(path)
    problems = [
        f"{label}: {_where(secret_path)}: secrets are read from the environment only; "
        f"remove it from the file and set {variable}"
        for secret_path, variable in SECRET_KEYS.items()
        if _get_path(data, secret_path) is not None
    ]
    if problems:
        raise ConfigError(problems)
    try:
        from bot.settings import Settings

        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError([_describe(error, label, os.environ) for error in exc.errors()]) from None
    settings._source = label
    return settings


def unknown_env_sections(environ: Mapping[str, str]) -> list[str]:
    """A warning for each `SUMMARYBOT_<SECTION>__…` variable whose section does not exist.

    The environment source only looks up the sections it knows, so `SUMMARYBOT_SCHEDULNG__…`
    would be ignored without a word and its setting silently left at the file's value.
    """
    from bot.settings import Settings

    sections = list(Settings.model_fields)
    warnings = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in _OTHER_VARIABLES:
            continue
        section, nested, rest = upper.removeprefix(ENV_PREFIX).partition("__")
        section = section.lower()
        if section in sections:
            continue
        import difflib  # only for a misspelt section

        close = difflib.get_close_matches(section, sections, n=1, cutoff=0.6)
        hint = (
            f"did you mean [{close[0]}]: {ENV_PREFIX}{close[0].upper()}{nested}{rest}?"
            if close
            else f"sections: {', '.join(sections)}"
        )
        warnings.append(
            f"environment variable {name}: unknown section [{section}], ignored; {hint}"
        )
    return warnings


def nothing_to_read(config: str | Path | None = None) -> bool:
    """Whether `load_settings(config)` would read no file and no variable: every default.

    A command that needs one section (`preview`: the zone and the shortest interval) then
    takes that section's defaults from its model, without pydantic-settings. Any variable
    with the prefix, in any case (the environment is read case-insensitively), or a secret's
    variable counts as something to read.
    """
    if _file_to_read(config) is not None:
        return False
    aliases = {variable.upper() for variable in SECRET_KEYS.values()}
    return not any(
        name.upper().startswith(ENV_PREFIX) or name.upper() in aliases for name in os.environ
    )


def load_section(name: str, model: type[SectionT], config: str | Path | None = None) -> SectionT:
    """The section `name` of `load_settings(config)`, which is `model()` when nothing is read."""
    if nothing_to_read(config):
        return model()
    section = getattr(load_settings(config), name)
    if not isinstance(section, model):
        raise TypeError(f"[{name}] is a {type(section).__name__}, not a {model.__name__}")
    return section


def _file_to_read(config: str | Path | None) -> Path | None:
    """The TOML file `load_settings` reads, or None: only the implicit default may be absent."""
    path, explicit = _choose_path(config)
    if path is None or (not explicit and not path.exists()):
        return None
    return path


def _choose_path(config: str | Path | None) -> tuple[Path | None, bool]:
    if config is not None:
        return Path(config), True
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env), True
    return DEFAULT_CONFIG, False


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file

    if path.is_dir():
        raise ConfigError([f"{path}: is a directory, not a TOML file"])
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read config file: {exc.strerror}"]) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text; is this really the config file?"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    except ValueError as exc:
        # tomllib lets int() refuse a number of more than 4,300 digits with a plain ValueError
        # whose advice (`sys.set_int_max_str_digits()`) is not for the person editing the file.
        reason = str(exc).split(";")[0]
        raise ConfigError([f"{path}: not valid TOML: {reason}"]) from None


def _describe(error: Mapping[str, Any], label: str, environ: Mapping[str, str]) -> str:
    """One line for one validation error: where, which key, what was expected."""
    loc = tuple(str(part) for part in error["loc"] if not isinstance(part, int))
    origin = _env_origin(loc, environ) or label
    kind = error["type"]
    if kind == "extra_forbidden":
        parent_model = _model_at(loc[:-1])
        known = list(parent_model.model_fields) if parent_model is not None else []
        import difflib  # only for a misspelt key

        close = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
        if len(loc) == 1:
            hint = f"; did you mean [{close[0]}]?" if close else f" (sections: {', '.join(known)})"
            return f"{origin}: [{loc[0]}]: unknown section{hint}"
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"{origin}: {_where(loc)}: unknown setting{hint}"
    return f"{origin}: {_where(loc)}: {_expected(error)}"


def _expected(error: Mapping[str, Any]) -> str:
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    got = f", got {given!r}" if not isinstance(given, dict | list) else ""
    messages = {
        "int_parsing": "expected a whole number",
        "int_type": "expected a whole number",
        "int_from_float": "expected a whole number",
        "float_parsing": "expected a number",
        "float_type": "expected a number",
        "bool_parsing": "expected true or false",
        "bool_type": "expected true or false",
        "string_type": "expected text (a quoted string)",
        "list_type": "expected a list",
        "model_type": "expected a table of settings",
        "model_attributes_type": "expected a table of settings",
        "dict_type": "expected a table of settings",
    }
    if kind in messages:
        return messages[kind] + got
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        bound = {
            "greater_than_equal": f"at least {ctx.get('ge')}",
            "greater_than": f"greater than {ctx.get('gt')}",
            "less_than_equal": f"at most {ctx.get('le')}",
            "less_than": f"less than {ctx.get('lt')}",
        }[kind]
        return f"must be {bound}{got}"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected')}{got}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return f"expected an http(s) URL{got}"
    if kind == "value_error":
        return str(ctx.get("error") or error["msg"])
    return f"{error['msg']}{got}"


def _where(loc: tuple[str, ...]) -> str:
    section = ".".join(loc[:-1]) if len(loc) > 1 else loc[0]
    return f"[{section}] {loc[-1]}" if len(loc) > 1 else f"[{section}]"


def _env_origin(loc: tuple[str, ...], environ: Mapping[str, str]) -> str | None:
    """The variable that supplied `loc`, if one did (the environment beats the file)."""
    for depth in range(len(loc), 0, -1):
        prefix = loc[:depth]
        candidates = [ENV_PREFIX + "__".join(prefix).upper()]
        if prefix in SECRET_KEYS:
            candidates.insert(0, SECRET_KEYS[prefix])
        for name in candidates:
            if any(key.upper() == name for key in environ):
                return f"environment variable {name}"
    return None


def _model_at(loc: tuple[str, ...]) -> type[BaseModel] | None:
    from bot.settings import Settings

    model: type[BaseModel] = Settings
    for part in loc:
        field = model.model_fields.get(part)
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _get_path(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def set_path(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Put `value` at `path` in nested dicts (the secrets' variables into the settings)."""
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
