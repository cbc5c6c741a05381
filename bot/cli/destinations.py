"""`summarize --to DEST`: webhooks and files from the command line, via the same fan-out.

Every destination is checked before anything is sent, so a typo in the third `--to` does not
leave the first two delivered and the command failed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import get_args

import aiohttp
import discord

from bot.cli.summarize import SECRET_ENV
from bot.config import Settings
from bot.destinations import (
    DestinationError,
    destination_kind,
    file_destination,
    webhook_destination,
)
from delivery.channel import DiscordSender
from delivery.fanout import deliver_all
from delivery.file import FileSender
from delivery.models import (
    DeliveryContext,
    DeliveryResult,
    DeliveryTarget,
    Destination,
    FileDestination,
    WebhookDestination,
)
from delivery.signing import SECRET_PREFIX, new_signing_secret
from delivery.webhook import WebhookSender, webhook_session
from scheduling.models import new_delivery_id, utc_now
from summarizer.errors import SummarizerError
from summarizer.models import Summary

_FORMATS = {".json": "json", ".html": "html", ".htm": "html"}
FILE_FORMATS = get_args(FileDestination.model_fields["format"].annotation)


def webhook_secret(explicit: str | None) -> str:
    """`--webhook-secret`, else `$SUMMARYBOT_WEBHOOK_SECRET`, else a new one shown once."""
    secret = explicit or os.environ.get(SECRET_ENV)
    if secret:
        if not secret.startswith(SECRET_PREFIX):
            raise SummarizerError(f"the webhook secret must start with {SECRET_PREFIX}")
        return secret
    secret = new_signing_secret()
    print(
        f"summarybot: new webhook signing secret (shown once; give it to the consumer): {secret}",
        file=sys.stderr,
    )
    return secret


def parse_destinations(
    values: list[str], settings: Settings, secret_option: str | None, fmt: str | None = None
) -> list[Destination]:
    """Turn `--to` values into destinations, refusing unsafe ones before anything is sent.

    A file's format is `fmt` (`--format`) when given, else its extension's. The signing secret
    is settled only once every value is known to be good, so a refused `--to` never prints a
    new secret nobody will use.
    """
    destinations: list[Destination] = [_parse(value, settings) for value in values]
    if fmt is not None and any(isinstance(d, FileDestination) for d in destinations):
        if fmt not in FILE_FORMATS:
            raise SummarizerError(
                f"--format {fmt} is for printing: a file is written as markdown, json or html "
                "(leave --format out to follow the file name)"
            )
        destinations = [
            d.model_copy(update={"format": fmt}) if isinstance(d, FileDestination) else d
            for d in destinations
        ]
    if any(isinstance(d, WebhookDestination) and not d.is_discord for d in destinations):
        secret = webhook_secret(secret_option)  # Discord's own URLs carry their token
        destinations = [
            d.model_copy(update={"secret": secret})
            if isinstance(d, WebhookDestination) and not d.is_discord
            else d
            for d in destinations
        ]
    return destinations


def _parse(value: str, settings: Settings) -> WebhookDestination | FileDestination:
    try:
        if destination_kind(value) == "webhook":
            return webhook_destination(value, settings.delivery, None)
        return file_destination(value, settings.delivery)
    except DestinationError as exc:
        raise SummarizerError(f"--to {exc}") from None


async def deliver(
    summary: Summary, destinations: list[Destination], settings: Settings, guild_id: int | None
) -> list[DeliveryResult]:
    """Send to every destination through `deliver_all`; returns one result each."""
    # Discord webhooks go through discord.py, which follows `discord.api_base`.
    previous_base = discord.http.Route.BASE
    discord.http.Route.BASE = settings.discord.api_base
    session = webhook_session(settings.delivery)
    discord_session = aiohttp.ClientSession()
    try:
        senders = {
            "webhook": WebhookSender(session, settings.delivery, utc_now),
            "discord_webhook": DiscordSender(None, discord_session),
            # The shell's own files: relative to the root itself, not to a server's folder.
            "file": FileSender(Path(settings.delivery.file_root), per_guild=False),
        }
        targets = [
            DeliveryTarget(delivery_id=new_delivery_id(), destination=d) for d in destinations
        ]
        context = DeliveryContext(
            guild_id=guild_id,
            channel_id=summary.source.channels[0].id if summary.source.channels else None,
            schedule_id="adhoc",
            schedule_name=summary.title,
            window_end=summary.window.end,
        )
        return await deliver_all(
            summary, targets, context, senders=senders, settings=settings.delivery
        )
    finally:
        await session.close()
        await discord_session.close()
        discord.http.Route.BASE = previous_base


def describe_result(destination: Destination, result: DeliveryResult) -> str:
    """One line per destination for the terminal."""
    if isinstance(destination, WebhookDestination):
        where = destination.masked_url()
    else:
        where = result.external_id or f"file {getattr(destination, 'template', '')}"
    tries = f"{result.attempts} attempt{'s' if result.attempts != 1 else ''}"
    status = f"HTTP {result.http_status}, " if result.http_status else ""
    if result.delivered:
        return f"delivered  {where}  ({status}{tries})"
    return f"failed     {where}  ({tries}): {result.error}"
