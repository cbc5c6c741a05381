"""`summarybot run`: start the bot, stop it cleanly, and explain start-up failures in one line.

A wrong token, a privileged intent not enabled in the Developer Portal, an unreachable Discord
or an unusable database are what people hit on their first start; each ends as one line on
stderr saying what to do, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable

import aiohttp
import discord

from bot.app import SummaryBot, create_bot
from bot.cli.check import warn_unknown_env_sections
from bot.config import SECRET_KEYS, Settings, load_settings
from bot.ops.http_server import HttpServerError
from bot.ops.logs import configure_logging, known_secrets
from bot.ownership import OwnershipError, ShardRequest, claim_shards
from scheduling.errors import StoreError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PORTAL = "https://discord.com/developers/applications"


def configure(parser: argparse.ArgumentParser) -> None:
    """Give `run` its description, options and handler."""
    parser.description = (
        "Connect to Discord, sync the slash commands and run the schedules until "
        "stopped with Ctrl-C or SIGTERM (running digests get discord.shutdown_timeout_seconds "
        "to finish)."
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML file (default: $SUMMARYBOT_CONFIG, else ./config.toml if present)",
    )
    sharding = parser.add_argument_group(
        "more than one process (PostgreSQL storage only)",
        "A guild belongs to shard (guild_id >> 22) %% N; each process serves a group of shards:"
        " it connects them to Discord and runs their guilds' schedules.",
    )
    sharding.add_argument(
        "--shard-count", type=_positive, metavar="N", help="shards of the bot in all (Discord's)"
    )
    sharding.add_argument(
        "--shards",
        default="auto",
        metavar="0-3|auto",
        help="the shards this process serves, or auto: the first free group, waiting as a"
        " standby while every group is held (default: auto)",
    )
    sharding.add_argument(
        "--shards-per-process",
        type=_positive,
        metavar="K",
        help="the size of the groups auto claims from (default: all N)",
    )
    parser.set_defaults(handler=_handle)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def _handle(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    warn_unknown_env_sections()
    token = settings.discord.token.get_secret_value().strip() if settings.discord.token else ""
    if not token:
        variable = SECRET_KEYS["discord", "token"]
        print(
            f"summarybot: no Discord token: set {variable} to your bot's token ({PORTAL} → "
            "your application → Bot → Reset Token)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    request = None
    if args.shard_count is not None:
        request = ShardRequest(args.shard_count, args.shards, args.shards_per_process)
    elif args.shards != "auto" or args.shards_per_process is not None:
        print("summarybot: --shards and --shards-per-process need --shard-count", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.logging, secrets=known_secrets(settings))
    try:
        asyncio.run(run_bot(settings, token, request))
    except OwnershipError as exc:
        return _fail(str(exc))
    except discord.LoginFailure:
        return _fail(
            f"Discord refused the token (401 Unauthorized): check DISCORD_TOKEN ({PORTAL})"
        )
    except discord.PrivilegedIntentsRequired:
        return _fail(
            "Discord refused the Message Content intent (close code 4014): enable it in the "
            f"Developer Portal ({PORTAL} → your application → Bot → Privileged Gateway "
            "Intents → Message Content Intent) and start again"
        )
    except (aiohttp.ClientConnectionError, TimeoutError) as exc:
        reason = str(exc) or type(exc).__name__
        return _fail(f"cannot reach Discord at {settings.discord.api_base}: {reason}")
    except StoreError as exc:
        return _fail(f"database: {exc}")
    except HttpServerError as exc:
        return _fail(str(exc))
    except discord.HTTPException as exc:
        return _fail(f"Discord answered {exc.status} at start-up: {exc.text or exc}")
    return EXIT_OK


def _fail(message: str) -> int:
    print(f"summarybot: {message}", file=sys.stderr)
    return EXIT_FAILED


async def run_bot(settings: Settings, token: str, request: ShardRequest | None = None) -> None:
    """Run until the bot stops; SIGTERM and SIGINT close it gracefully, even during start-up.

    With a shard request the shards are claimed first (a standby waits here); if their claim
    is lost later, the bot stops (with an error) rather than serve shards another process may
    have taken.
    """
    stopper = _Stopper()
    stopper.install()
    lost: list[str] = []
    running: list[SummaryBot] = []
    plan = locks = None
    if request is not None:
        claiming = asyncio.ensure_future(
            claim_shards(settings, request, on_lost=lambda: _lost_claim(running, lost))
        )
        stopper.during(lambda _signame: claiming.cancel())
        try:
            plan, locks = await claiming
        except asyncio.CancelledError:
            log.info("stopped while waiting as a standby")
            return
    bot = create_bot(settings, plan=plan)
    bot.shard_locks = locks
    running.append(bot)
    try:
        if stopper.signal is None:  # else it came as the claim ended: nothing to start
            await _serve(bot, token, stopper)
    finally:
        if locks is not None:
            await locks.close()
    if lost:
        raise OwnershipError(lost[0])


class _Stopper:
    """One SIGTERM/SIGINT handler for the whole run: it stops whichever phase is current.

    One handler, not one per phase, so that a signal arriving between two phases (the claim
    just done, the bot not yet started) is not lost: the next phase sees it at once.
    """

    def __init__(self) -> None:
        self.signal: str | None = None
        self._action: Callable[[str], None] | None = None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):  # Windows has no signal handlers
                loop.add_signal_handler(sig, self._received, sig.name)

    def during(self, action: Callable[[str], None]) -> None:
        """Stop with `action` from now on (at once, if a signal came already)."""
        self._action = action
        if self.signal is not None:
            action(self.signal)

    def _received(self, signame: str) -> None:
        if self.signal is not None:
            return
        self.signal = signame
        log.info("%s received: stopping", signame)
        if self._action is not None:
            self._action(signame)


def _lost_claim(running: list[SummaryBot], lost: list[str]) -> None:
    lost.append(
        "lost the database session holding this process's shards: stopped so that no two"
        " processes serve them (start it again to claim a group)"
    )
    log.error("%s", lost[0])
    for bot in running:
        asyncio.get_running_loop().create_task(bot.close())


async def _serve(bot: SummaryBot, token: str, stopper: _Stopper) -> None:
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []
    starting: list[asyncio.Task[None]] = []

    def stop(_signame: str) -> None:
        if starting and not starting[0].done():
            # Still logging in or setting up: abandon it where it is, so nothing is opened or
            # started after close() ran; `async with bot` then closes what was opened.
            starting[0].cancel()
        else:
            stopping.append(loop.create_task(bot.close()))

    stopper.during(stop)
    try:
        async with bot:
            starting.append(loop.create_task(bot.login(token)))  # login runs setup_hook
            await starting[0]
            await bot.connect(reconnect=True)
    except (Exception, asyncio.CancelledError) as exc:
        if stopper.signal is None:
            raise
        # Closing cuts requests still in flight (e.g. the gateway URL while a 429 is waited
        # out); after a stop signal that is the stop working, not Discord being unreachable.
        log.info("cut short by the stop: %s", type(exc).__name__)
    finally:
        if stopping:
            await stopping[0]
        if not bot.is_closed():
            await bot.close()


__all__ = ["SummaryBot", "configure", "run_bot"]
