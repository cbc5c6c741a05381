"""Discord destinations through discord.py: channels and threads, DMs, and Discord webhooks.

The only module of `delivery/` that imports discord. Everything goes through discord.py, so it
follows `discord.api_base` (tests point it at the fake Discord) and discord.py's own handling
of 429s and 5xx within one attempt; the fan-out adds retries across attempts, not a second
loop inside one. Each message carries a nonce derived from the delivery id: a resend within
Discord's nonce window (a few minutes) is dropped by Discord instead of posted twice.
"""

from __future__ import annotations

import contextlib
import re

import aiohttp
import discord

from delivery.embeds import DiscordMessage, render_discord
from delivery.fanout import SendOutcome
from delivery.models import (
    ChannelDestination,
    DeliveryContext,
    DeliveryTarget,
    DmDestination,
    WebhookDestination,
)
from summarizer.models import Summary

# Discord error codes meaning "this destination does not exist any more".
GONE_CODES = frozenset({10003, 10013, 10015})  # unknown channel, unknown user, unknown webhook
NONCE_LENGTH = 25
_WEBHOOK_PATH = re.compile(r"/api(?:/v\d+)?/webhooks/(\d+)/([^/?#]+)")


def nonce(delivery_id: str, part: int) -> str:
    """At most 25 characters, the same for the same delivery and message part."""
    return f"{delivery_id.removeprefix('msg_')[: NONCE_LENGTH - 3]}-{part:02d}"


def allowed_mentions_for(message: DiscordMessage) -> discord.AllowedMentions:
    """Nobody, except the one role a schedule names explicitly."""
    roles: list[discord.abc.Snowflake] | bool = (
        [discord.Object(id=message.mention_role_id)] if message.mention_role_id else False
    )
    return discord.AllowedMentions(everyone=False, users=False, roles=roles, replied_user=False)


def discord_embeds(message: DiscordMessage) -> list[discord.Embed]:
    """discord.py embeds of one rendered message part."""
    return [discord.Embed.from_dict(embed.payload()) for embed in message.embeds]


class DiscordSender:
    """Sends digests as the bot (`client`) or through Discord webhook URLs (`session`)."""

    def __init__(self, client: discord.Client | None, session: aiohttp.ClientSession) -> None:
        self.client = client
        self.session = session

    async def send(
        self, target: DeliveryTarget, summary: Summary, context: DeliveryContext
    ) -> SendOutcome:
        """Post every part of the digest; the external id lists the message ids."""
        destination = target.destination
        if self.client is None and not isinstance(destination, WebhookDestination):
            return SendOutcome(ok=False, error="only the bot can post to channels", retryable=False)
        try:
            if isinstance(destination, ChannelDestination):
                messages = render_discord(
                    summary, style=destination.style, mention_role_id=destination.mention_role_id
                )
                channel = self.client.get_partial_messageable(destination.channel_id)  # type: ignore[union-attr]
                previous = _message_ids(target.previous_external_id)
                if destination.mode == "edit" and previous:
                    ids = await self._edit(channel, messages, previous, target.delivery_id)
                else:
                    ids = await self._post(channel, messages, target.delivery_id)
            elif isinstance(destination, DmDestination):
                dm = await self.client.create_dm(discord.Object(id=destination.user_id))  # type: ignore[union-attr]
                ids = await self._post(dm, render_discord(summary), target.delivery_id)
            elif isinstance(destination, WebhookDestination) and destination.is_discord:
                ids = await self._webhook(destination, render_discord(summary))
            else:
                return SendOutcome(ok=False, error="not a Discord destination", retryable=False)
        except discord.HTTPException as exc:
            return _failure(exc)
        except (aiohttp.ClientError, discord.DiscordException) as exc:
            return SendOutcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
        return SendOutcome(ok=True, http_status=200, external_id=",".join(map(str, ids)))

    async def _post(
        self, channel: discord.abc.Messageable, messages: list[DiscordMessage], delivery_id: str
    ) -> list[int]:
        ids = []
        for part, message in enumerate(messages):
            sent = await channel.send(
                content=message.content or None,
                embeds=discord_embeds(message),
                allowed_mentions=allowed_mentions_for(message),
                nonce=nonce(delivery_id, part),
            )
            ids.append(sent.id)
        return ids

    async def _edit(
        self,
        channel: discord.PartialMessageable,
        messages: list[DiscordMessage],
        previous: list[int],
        delivery_id: str,
    ) -> list[int]:
        """Edit the rolling digest in place; re-post it if someone deleted it."""
        try:
            for message_id, message in zip(previous, messages, strict=False):
                await channel.get_partial_message(message_id).edit(
                    content=message.content or None,
                    embeds=discord_embeds(message),
                    allowed_mentions=allowed_mentions_for(message),
                )
        except discord.NotFound:
            return await self._post(channel, messages, delivery_id)
        ids = previous[: len(messages)]
        if len(messages) > len(previous):
            ids += await self._post(channel, messages[len(previous) :], delivery_id)
        for extra in previous[len(messages) :]:
            # The digest got shorter: remove the parts it no longer has.
            with contextlib.suppress(discord.NotFound):
                await channel.get_partial_message(extra).delete()
        return ids

    async def _webhook(
        self, destination: WebhookDestination, messages: list[DiscordMessage]
    ) -> list[int]:
        match = _WEBHOOK_PATH.search(destination.url)
        if match is None:
            raise discord.DiscordException("not a Discord webhook URL (/api/webhooks/ID/TOKEN)")
        # `partial` rather than `from_url`: it accepts any id and token shape, and the request
        # goes to `discord.api_base` like every other call.
        webhook = discord.Webhook.partial(int(match[1]), match[2], session=self.session)
        thread = (
            discord.Object(id=destination.thread_id)
            if destination.thread_id
            else discord.utils.MISSING
        )
        ids = []
        for message in messages:
            sent = await webhook.send(
                content=message.content or discord.utils.MISSING,
                embeds=discord_embeds(message),
                allowed_mentions=allowed_mentions_for(message),
                thread=thread,
                wait=True,
            )
            ids.append(sent.id)
        return ids


def _message_ids(external_id: str | None) -> list[int]:
    if not external_id:
        return []
    return [int(part) for part in external_id.split(",") if part.isdigit()]


def _failure(exc: discord.HTTPException) -> SendOutcome:
    text = f"HTTP {exc.status}" + (f" (code {exc.code}): {exc.text}" if exc.code else "")
    gone = exc.code in GONE_CODES
    # 403 and 404 will not change by retrying within a run; 5xx and 429 were already retried
    # by discord.py inside this attempt.
    retryable = exc.status >= 500 or exc.status == 429
    return SendOutcome(
        ok=False, http_status=exc.status, error=text[:300], gone=gone, retryable=retryable
    )
