"""Discord destinations through discord.py: channels and threads, DMs, and Discord webhooks.

The only module of `delivery/` that imports discord. Everything goes through discord.py, so it
follows `discord.api_base` (tests point it at the fake Discord) and discord.py's own handling
of 429s and 5xx within one attempt; the fan-out adds retries across attempts, not a second
loop inside one. Each message carries a nonce derived from the delivery id: a resend within
Discord's nonce window (a few minutes) is dropped by Discord instead of posted twice.

Discord webhooks ignore nonces, so a Discord-webhook message carries the same reference at the
end of its footer (`ref <nonce>`), and a delivery that may already have been sent (a resumed
outbox row, a retry) first reads the webhook's channel as the bot and records what it finds
there instead of posting it again. The footer was chosen over hidden characters in the content
because Discord returns embed footers exactly as sent, every webhook digest message has one,
and a visible reference is one a person can quote; it costs a few of the 6,000 characters.
"""

from __future__ import annotations

import contextlib
import logging
import re
from datetime import datetime, timedelta

import aiohttp
import discord

from delivery.embeds import FOOTER_SEPARATOR, DiscordMessage, render_discord
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
# How many messages one look through a webhook's channel reads (one request), from the moment
# the delivery could first have been sent and, if that page is full, from the newest.
DEDUP_PAGE = 100
# The bot's clock and Discord's may disagree: look a little earlier than the delivery began.
CLOCK_SLACK = timedelta(minutes=5)
_WEBHOOK_PATH = re.compile(r"/api(?:/v\d+)?/webhooks/(\d+)/([^/?#]+)")

log = logging.getLogger(__name__)


def nonce(delivery_id: str, part: int) -> str:
    """At most 25 characters, the same for the same delivery and message part."""
    return f"{delivery_id.removeprefix('msg_')[: NONCE_LENGTH - 3]}-{part:02d}"


def reference(delivery_id: str, part: int) -> str:
    """What ends a Discord-webhook message's footer: the message's nonce, recognisable later."""
    return f"ref {nonce(delivery_id, part)}"


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
                ids = await self._webhook(destination, summary, target)
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
        self, destination: WebhookDestination, summary: Summary, target: DeliveryTarget
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
        delivery_id = target.delivery_id
        messages = render_discord(summary, reference=lambda part: reference(delivery_id, part))
        found: dict[int, int] = {}
        if target.resend_since is not None:
            found = await self._already_posted(
                webhook, destination, delivery_id, target.resend_since, len(messages)
            )
        ids = []
        for part, message in enumerate(messages):
            if part in found:
                ids.append(found[part])
                continue
            sent = await webhook.send(
                content=message.content or discord.utils.MISSING,
                embeds=discord_embeds(message),
                allowed_mentions=allowed_mentions_for(message),
                thread=thread,
                wait=True,
            )
            ids.append(sent.id)
        return ids

    async def _already_posted(
        self,
        webhook: discord.Webhook,
        destination: WebhookDestination,
        delivery_id: str,
        since: datetime,
        parts: int,
    ) -> dict[int, int]:
        """The parts of this delivery the webhook already posted, as {part: message id}.

        Read as the bot, so it needs View Channel and Read Message History in the webhook's
        channel (found with GET /webhooks/{id}/{token}); when that fails for any reason the
        answer is "none found" and the digest is posted again, as before this check existed.
        """
        if self.client is None:
            return {}
        wanted = {reference(delivery_id, part): part for part in range(parts)}
        found: dict[int, int] = {}
        try:
            # A thread's messages live in the thread; otherwise ask the webhook where it posts.
            channel_id = destination.thread_id
            if channel_id is None:
                channel_id = (await webhook.fetch(prefer_auth=False)).channel_id
            if channel_id is None:
                return {}
            channel = self.client.get_partial_messageable(channel_id)
            oldest = channel.history(limit=DEDUP_PAGE, after=since - CLOCK_SLACK, oldest_first=True)
            scanned = 0
            async for message in oldest:
                scanned += 1
                _note_reference(message, webhook.id, wanted, found)
            if len(found) < parts and scanned >= DEDUP_PAGE:
                async for message in channel.history(limit=DEDUP_PAGE):
                    _note_reference(message, webhook.id, wanted, found)
        except (discord.DiscordException, aiohttp.ClientError) as exc:
            log.info(
                "delivery %s: cannot look for an earlier send in the webhook's channel (%s); "
                "sending it again",
                delivery_id,
                type(exc).__name__,
            )
        return found


def _note_reference(
    message: discord.Message, webhook_id: int, wanted: dict[str, int], found: dict[int, int]
) -> None:
    """Add `message` to `found` if this webhook posted it with one of the wanted references."""
    if message.webhook_id != webhook_id:
        return
    for embed in message.embeds:
        tag = (embed.footer.text or "").rsplit(FOOTER_SEPARATOR, 1)[-1]
        if tag in wanted:
            found.setdefault(wanted[tag], message.id)


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
