"""A webhook whose TLS certificate is refused fails at once: no retry can fix a certificate."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from delivery.fanout import deliver_all
from delivery.models import DeliveryContext, DeliveryTarget, WebhookDestination
from delivery.settings import DeliverySettings
from delivery.signing import new_signing_secret
from delivery.webhook import WebhookSender, webhook_session
from summarizer.models import Summary, SummarySource, Window

END = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SETTINGS = DeliverySettings(allow_private_addresses=True, max_attempts=5, retry_base_seconds=5)


# A certificate nobody signed, as a misconfigured server presents (see its README).
CERTIFICATE = tuple(
    Path(__file__).resolve().parents[1] / "data" / "tls" / name
    for name in ("self-signed.pem", "self-signed.key")
)


@pytest.fixture
async def self_signed_server():
    """An https receiver presenting that certificate; what it receives is kept."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*CERTIFICATE)
    received = []

    async def handle(request: web.Request) -> web.Response:
        received.append(request.path)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"https://127.0.0.1:{port}/hook", received
    await runner.cleanup()


async def test_a_refused_certificate_is_final_at_once_and_says_why(self_signed_server):
    url, received = self_signed_server
    session = webhook_session(SETTINGS)
    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    target = DeliveryTarget(
        delivery_id="msg_1",
        destination=WebhookDestination(url=url, secret=new_signing_secret()),
    )
    summary = Summary(
        title="Digest of #general",
        source=SummarySource(),
        window=Window(start=END.replace(hour=0), end=END),
        engine="extractive",
        generated_at=END,
        overview="Two people talked about the release.",
    )
    context = DeliveryContext(schedule_id="s", schedule_name="Daily", window_end=END)
    try:
        [result] = await deliver_all(
            summary,
            [target],
            context,
            senders={"webhook": WebhookSender(session, SETTINGS, lambda: END)},
            settings=SETTINGS,
            sleep=no_sleep,
        )
    finally:
        await session.close()
    assert not result.delivered
    assert result.attempts == 1
    assert sleeps == []
    assert result.error.startswith(
        "the TLS certificate of 127.0.0.1 was refused (self-signed certificate); "
        "a retry cannot fix this"
    )
    assert "/hook" not in result.error
    assert received == []
