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

import aiohttp
import discord

from bot.app import SummaryBot, create_bot
from bot.cli.check import warn_unknown_env_sections
from bot.config import SECRET_KEYS, Settings, load_settings
from bot.ops.http_server import HttpServerError
from bot.ops.logs import configure_logging, known_secrets
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
    parser.set_defaults(handler=_handle)


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
    configure_logging(settings.logging, secrets=known_secrets(settings))
    try:
        asyncio.run(run_bot(settings, token))
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


async def run_bot(settings: Settings, token: str) -> None:
    """Run until the bot stops; SIGTERM and SIGINT close it gracefully, even during start-up."""
    bot = create_bot(settings)
    loop = asyncio.get_running_loop()
    signalled: list[str] = []
    stopping: list[asyncio.Task[None]] = []
    starting: list[asyncio.Task[None]] = []

    def stop(signame: str) -> None:
        if signalled:
            return
        signalled.append(signame)
        log.info("%s received: stopping", signame)
        if starting and not starting[0].done():
            # Still logging in or setting up: abandon it where it is, so nothing is opened or
            # started after close() ran; `async with bot` then closes what was opened.
            starting[0].cancel()
        else:
            stopping.append(loop.create_task(bot.close()))

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # Windows has no signal handlers
            loop.add_signal_handler(sig, stop, sig.name)
    try:
        async with bot:
            starting.append(loop.create_task(bot.login(token)))  # login runs setup_hook
            await starting[0]
            await bot.connect(reconnect=True)
    except (Exception, asyncio.CancelledError) as exc:
        if not signalled:
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
