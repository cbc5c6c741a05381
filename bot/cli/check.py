"""`summarybot check`: validate the configuration, the database and the token's presence."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from bot.config import SECRET_KEYS, Settings, load_settings, unknown_env_sections
from scheduling.errors import StoreError
from scheduling.store import open_store, storage_target

EXIT_OK, EXIT_FAILED = 0, 1


def configure(parser: argparse.ArgumentParser) -> None:
    """Give `check` its description, options and handler."""
    parser.description = (
        "Validate the configuration, open and migrate the database, and report "
        "whether a Discord token is set (it is never printed)."
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML file (default: $SUMMARYBOT_CONFIG, else ./config.toml if present)",
    )
    parser.set_defaults(handler=_check)


def warn_unknown_env_sections() -> None:
    """One line on stderr per `SUMMARYBOT_…` variable that names no section (it is ignored)."""
    for warning in unknown_env_sections(os.environ):
        print(f"summarybot: warning: {warning}", file=sys.stderr)


def _check(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    warn_unknown_env_sections()
    print(f"config: {settings.source} ok")
    problems: list[str] = []
    try:
        backend, schema = asyncio.run(_check_database(settings))
        print(f"database: {storage_target(settings.storage)} ok ({backend}, schema {schema})")
        if settings.storage.url is not None:
            for line in asyncio.run(_shard_lines(settings)):
                print(line)
    except StoreError as exc:
        problems.append(f"database: {exc}")
    if settings.discord.token is not None and settings.discord.token.get_secret_value().strip():
        print("discord token: present")
    else:
        variable = SECRET_KEYS["discord", "token"]
        problems.append(f"discord token: missing; set {variable} to the bot token")
    print(f"summarizer: {settings.summarizer.engine}")
    if settings.summarizer.engine == "llm":
        # aiohttp and the model client, only for a configuration that uses them.
        from bot.cli.check_llm import check_llm

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


async def _shard_lines(settings: Settings) -> list[str]:
    """Which processes serve which shards now (PostgreSQL: `summarybot run --shard-count`)."""
    from scheduling.store.claims import all_holders, describe_holders

    held = await all_holders(settings.storage.url or "", settings.storage.password_text())
    if not held:
        return ["shards: none held (no process runs with --shard-count now)"]
    return [
        f"shards of {count}: {line}"
        for count, holders in sorted(held.items())
        for line in describe_holders(holders, count)
    ]


async def _check_database(settings: Settings) -> tuple[str, int]:
    async with await open_store(settings.storage) as store:
        verdict = await store.integrity_check()
        if verdict != "ok":
            raise StoreError(f"{store.target}: integrity check failed: {verdict}")
        return store.backend, store.schema_version
