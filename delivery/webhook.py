"""Signed HTTP webhooks: the `summary.created` event, per the Standard Webhooks spec.

Webhook traffic uses its own `ClientSession` whose connector refuses private and loopback
addresses at connect time (see `delivery.addresses`), does not read proxy settings from the
environment (`trust_env=False`), and never follows redirects. Discord webhook URLs are not sent
here but through discord.py (`delivery.channel`), so they follow `discord.api_base` and
Discord's rate limits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp

from delivery.addresses import UnsafeDestinationError, check_webhook_url, safe_connector
from delivery.fanout import SendOutcome
from delivery.models import DeliveryContext, DeliveryTarget, WebhookDestination, mask_url
from delivery.render import render_json
from delivery.settings import DeliverySettings
from delivery.signing import signed_headers
from summarizer.models import Summary

EVENT_TYPE = "summary.created"
RETRY_AFTER_STATUSES = frozenset({429, 502, 503, 504})
USER_AGENT = "summarybot-webhooks/1"


def webhook_session(settings: DeliverySettings) -> aiohttp.ClientSession:
    """The session for outgoing webhooks (open one per process; close it at shutdown)."""
    return aiohttp.ClientSession(
        connector=safe_connector(allow_private_addresses=settings.allow_private_addresses),
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )


def summary_json(summary: Summary) -> str:
    """The `summarybot.summary/1` document as compact JSON, the form the event carries."""
    return json.dumps(json.loads(render_json(summary)), ensure_ascii=False, separators=(",", ":"))


def event_body(
    target: DeliveryTarget,
    summary: Summary,
    context: DeliveryContext,
    at: datetime,
    *,
    rendered: str | None = None,
) -> str:
    """The JSON event: `{"type", "id", "timestamp", "data": {schedule, run, summary}}`.

    `rendered` is `summary_json(summary)` when the caller already has it: one digest goes to
    every destination with the same summary, and rendering it is most of an event's cost.
    """
    event: dict[str, Any] = {
        "type": EVENT_TYPE,
        "id": target.delivery_id,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "data": {
            "schedule": {
                "id": context.schedule_id,
                "name": context.schedule_name,
                "guild_id": None if context.guild_id is None else str(context.guild_id),
            },
            "run": {"id": context.run_id, "window_end": context.window_end.isoformat()},
        },
    }
    envelope = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    # "summary" is the last member of "data", itself the last of the event: it goes in before
    # the two closing braces, exactly where `json.dumps` of the whole event would write it.
    return f'{envelope[:-2]},"summary":{rendered or summary_json(summary)}}}}}'


class WebhookSender:
    """Posts the signed event to one URL per call; the fan-out handles retries."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: DeliverySettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.session = session
        self.settings = settings
        self.clock = clock
        # The last summary sent and its JSON: `deliver_all` sends one summary to every target.
        self._rendered: tuple[Summary, str] | None = None

    async def send(
        self, target: DeliveryTarget, summary: Summary, context: DeliveryContext
    ) -> SendOutcome:
        """One signed POST; the outcome never contains the URL's path or the secret."""
        destination = target.destination
        if not isinstance(destination, WebhookDestination):
            return SendOutcome(ok=False, error="not a webhook destination", retryable=False)
        try:
            check_webhook_url(
                destination.url,
                allow_insecure_http=self.settings.allow_insecure_http,
                allow_private_addresses=self.settings.allow_private_addresses,
            )
        except UnsafeDestinationError as exc:
            return SendOutcome(ok=False, error=str(exc), retryable=False)
        if not destination.secret:
            return SendOutcome(
                ok=False, error="this webhook has no signing secret", retryable=False
            )
        now = self.clock()
        body = event_body(target, summary, context, now, rendered=self._summary_json(summary))
        headers = {
            **signed_headers(destination.signing_secrets(now), target.delivery_id, body, now),
            "Content-Type": "application/json",
        }
        try:
            async with self.session.post(
                destination.url,
                data=body.encode("utf-8"),
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self.settings.timeout_seconds),
            ) as response:
                status = response.status
                snippet = (await response.content.read(300)).decode("utf-8", "replace")
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except aiohttp.ClientError as exc:
            return _client_error(exc, destination)
        return _outcome(status, snippet, retry_after, destination)

    def _summary_json(self, summary: Summary) -> str:
        if self._rendered is None or self._rendered[0] is not summary:
            self._rendered = (summary, summary_json(summary))
        return self._rendered[1]


def _outcome(
    status: int, snippet: str, retry_after: float | None, destination: WebhookDestination
) -> SendOutcome:
    if 200 <= status < 300:
        return SendOutcome(ok=True, http_status=status)
    text = " ".join(snippet.split())[:200]
    if 300 <= status < 400:
        error = f"HTTP {status}: redirects are not followed; update the webhook URL"
    else:
        error = f"HTTP {status}" + (f": {text}" if text else "")
    return SendOutcome(
        ok=False,
        http_status=status,
        error=_scrub(error, destination),
        gone=status == 410,
        retry_after=retry_after if status in RETRY_AFTER_STATUSES else None,
    )


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP-date: fall back to our own backoff


def _client_error(exc: aiohttp.ClientError, destination: WebhookDestination) -> SendOutcome:
    """A failure before any answer; final at once when no retry can change it.

    A certificate the connection refused (not valid, or not for this host name) stays refused
    until someone fixes the server or the URL: retrying it for a minute only hides that.
    """
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        reason = getattr(exc.certificate_error, "verify_message", None) or exc.certificate_error
        error = (
            f"the TLS certificate of {exc.host} was refused ({reason}); a retry cannot fix "
            "this: the server needs a valid certificate for that host name"
        )
        return SendOutcome(ok=False, error=_scrub(error, destination)[:300], retryable=False)
    return SendOutcome(ok=False, error=_redact(exc, destination))


def _redact(exc: aiohttp.ClientError, destination: WebhookDestination) -> str:
    text = str(exc) or type(exc).__name__
    return _scrub(f"{type(exc).__name__}: {text}", destination)[:300]


def _scrub(text: str, destination: WebhookDestination) -> str:
    """Remove the URL (its path is the credential) and the secret from a message."""
    text = text.replace(destination.url, mask_url(destination.url))
    for secret in (destination.secret, destination.previous_secret):
        if secret:
            text = text.replace(secret, "whsec_…")
    return text
