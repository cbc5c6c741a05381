"""The `summarybot` command: one entry point, one subcommand per job.

Every failure a person can cause ends as one line on stderr and a non-zero exit, never a
traceback; subcommands arrive with the issues that build them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.cli.check_llm import check_llm
from bot.cli.preview import add_preview_command
from bot.cli.run import add_run_command, warn_unknown_env_sections
from bot.cli.schedules import add_schedules_command
from bot.cli.summarize import add_summarize_command
from bot.config import SECRET_KEYS, Settings, load_settings
from bot.errors import ConfigError
from scheduling.errors import StoreError
from scheduling.store import Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def package_version() -> str:
    """The installed distribution's version (or `unknown` when run from a bare checkout)."""
    try:
        return version("summarybot")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="summarybot",
        description="Scheduled Discord channel digests.",
    )
    parser.add_argument("--version", action="version", version=f"summarybot {package_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="validate the configuration, the database and the token's presence",
        description="Validate the configuration, open and migrate the database, and report "
        "whether a Discord token is set (it is never printed).",
    )
    _add_config_option(check)
    check.set_defaults(handler=_check)
    add_run_command(commands)
    add_summarize_command(commands)
    add_preview_command(commands)
    add_schedules_command(commands)
    return parser


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML file (default: $SUMMARYBOT_CONFIG, else ./config.toml if present)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(handler(args))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"summarybot: config: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("summarybot: interrupted", file=sys.stderr)
        return 130


def _check(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    warn_unknown_env_sections()
    print(f"config: {settings.source} ok")
    problems: list[str] = []
    try:
        schema = asyncio.run(_check_database(settings))
        print(f"database: {settings.storage.path} ok (schema {schema})")
    except StoreError as exc:
        problems.append(f"database: {exc}")
    if settings.discord.token is not None and settings.discord.token.get_secret_value().strip():
        print("discord token: present")
    else:
        variable = SECRET_KEYS["discord", "token"]
        problems.append(f"discord token: missing; set {variable} to the bot token")
    print(f"summarizer: {settings.summarizer.engine}")
    if settings.summarizer.engine == "llm":
        line, problem = asyncio.run(check_llm(settings.summarizer.llm))
        if line:
            print(line)
        if problem:
            problems.append(problem)
    for problem in problems:
        print(f"summarybot: check: {problem}", file=sys.stderr)
    if problems:
        return EXIT_FAILED
    print("check passed")
    return EXIT_OK


async def _check_database(settings: Settings) -> int:
    async with await Store.open(Path(settings.storage.path)) as store:
        verdict = await store.integrity_check()
        if verdict != "ok":
            raise StoreError(f"{settings.storage.path}: integrity check failed: {verdict}")
        return store.schema_version


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
