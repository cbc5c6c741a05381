"""The `summarybot` command: one entry point, one subcommand per module.

Every failure a person can cause ends as one line on stderr and a non-zero exit, never a
traceback. A subcommand's module is imported only when that subcommand runs (or its help is
asked for): `run` needs discord.py and aiohttp, `summarize` the summarizer's word lists, and
`summarybot --version` or `preview` should not wait half a second for either.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from importlib import import_module

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Subcommand:
    """Where a subcommand lives (its module's `configure(parser)`) and its line in --help."""

    module: str
    help: str


SUBCOMMANDS = {
    "check": Subcommand(
        "bot.cli.check", "validate the configuration, the database and the token's presence"
    ),
    "run": Subcommand("bot.cli.run", "start the bot (needs DISCORD_TOKEN)"),
    "summarize": Subcommand(
        "bot.cli.summarize", "summarize a DiscordChatExporter JSON export (a file or a directory)"
    ),
    "preview": Subcommand("bot.cli.preview", "print the next fire times of a schedule's `when`"),
    "schedules": Subcommand(
        "bot.cli.schedules", "list, show, create, export, import, pause, resume or delete schedules"
    ),
}


def package_version() -> str:
    """The installed distribution's version (or `unknown` when run from a bare checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("summarybot")
    except PackageNotFoundError:
        return "unknown"


class _Version(argparse.Action):
    """`--version`, looking the version up only when asked (the metadata costs ~25 ms)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(f"summarybot {package_version()}")
        parser.exit()


def build_parser(load: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs); every subcommand's options by default.

    `load` names the subcommands whose modules are imported to add their options; the others
    are listed (for --help and for argparse's "invalid choice") without them.
    """
    parser = argparse.ArgumentParser(
        prog="summarybot",
        description="Scheduled Discord channel digests.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, subcommand in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=subcommand.help)
        if load is None or name in load:
            import_module(subcommand.module).configure(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status.

    Run as the program (no `argv`), the process ends when this returns: its heap is frozen
    first, so the interpreter's last collections at exit skip what the command built (after a
    large summary, its word tables and messages: 0.05 s of walking objects about to be freed).
    """
    if argv is None:
        try:
            return _main(sys.argv[1:])
        finally:
            gc.freeze()
    return _main(list(argv))


def _main(argv: list[str]) -> int:
    parser = build_parser(load=_named_subcommand(argv))
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # Loaded by every subcommand already (they all read the configuration).
    from bot.errors import ConfigError

    try:
        return int(handler(args))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"summarybot: config: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("summarybot: interrupted", file=sys.stderr)
        return 130


def _named_subcommand(argv: Sequence[str]) -> set[str]:
    """The subcommand `argv` names, if any: its first word that is not an option.

    The top level's own options (--help, --version) take no value, so no value is mistaken
    for the subcommand.
    """
    first = next((word for word in argv if not word.startswith("-")), None)
    return {first} if first in SUBCOMMANDS else set()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
