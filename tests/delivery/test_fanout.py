"""deliver_all() with real senders against local receivers: signatures, retries, isolation."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from delivery.fanout import SendOutcome, deliver_all
from delivery.file import FileSender
from delivery.models import (
    DeliveryContext,
    DeliveryTarget,
    FileDestination,
    WebhookDestination,
)
from delivery.settings import DeliverySettings
from delivery.signing import new_signing_secret
from delivery.webhook import WebhookSender, webhook_session
from summarizer.models import Summary, SummarySource, Window

END = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SETTINGS = DeliverySettings(
    allow_insecure_http=True,
    allow_private_addresses=True,
    max_attempts=4,
    retry_base_seconds=1,
    timeout_seconds=2,
)
CONTEXT = DeliveryContext(
    guild_id=111,
    channel_id=222,
    schedule_id="sched1",
    schedule_name="Daily",
    run_id=5,
    window_end=END,
)


def _summary() -> Summary:
    return Summary(
        title="Digest of #general",
        source=SummarySource(),
        window=Window(start=END.replace(hour=0), end=END),
        engine="extractive",
        generated_at=END,
        overview="Two people talked about the release.",
    )


class Receiver:
    """A local consumer: scripted answers per path, every request verified and kept."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: dict[str, list] = {}
        self.secret = new_signing_secret()
        self.base = ""
        # Hanging handlers wait on this; teardown sets it so cleanup does not wait 60 s.
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.text()
        headers = dict(request.headers)
        verified = None
        try:
            verified = Webhook(self.secret).verify(body, headers)
        except Exception as exc:  # recorded, asserted on by the tests
            verified = exc
        self.requests.append(
            {"path": request.path, "headers": headers, "body": body, "verified": verified}
        )
        answers = self.script.get(request.path) or [200]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if answer == "hang":
            await self.release.wait()
        if isinstance(answer, tuple):
            status, extra = answer
            return web.Response(status=status, headers=extra)
        return web.Response(status=answer, text="ok" if answer < 300 else "nope")

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def target(
        self, path: str, delivery_id: str = "msg_1", secret: str | None = None
    ) -> DeliveryTarget:
        return DeliveryTarget(
            delivery_id=delivery_id,
            destination=WebhookDestination(url=self.url(path), secret=secret or self.secret),
        )


@pytest.fixture
async def receiver():
    made = Receiver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", made.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    made.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    yield made
    made.release.set()
    await runner.cleanup()


@pytest.fixture
async def send(receiver, tmp_path):
    session = webhook_session(SETTINGS)
    attempts, sleeps = [], []

    async def record(attempt):
        attempts.append(attempt)

    async def fake_sleep(seconds):
        sleeps.append(seconds)

    senders = {
        "webhook": WebhookSender(session, SETTINGS, lambda: datetime.now(UTC)),
        "file": FileSender(tmp_path / "digests"),
    }

    async def run(targets, settings=SETTINGS, **kwargs):
        return await deliver_all(
            _summary(),
            targets,
            CONTEXT,
            senders=kwargs.pop("senders", senders),
            settings=settings,
            recorder=record,
            sleep=fake_sleep,
            **kwargs,
        )

    run.attempts = attempts
    run.sleeps = sleeps
    yield run
    await session.close()


async def test_event_is_signed_and_verifies(send, receiver):
    (result,) = await send([receiver.target("/ok")])
    assert result.delivered
    (request,) = receiver.requests
    event = request["verified"]
    assert isinstance(event, dict)
    assert event["type"] == "summary.created"
    assert event["id"] == "msg_1"
    assert event["data"]["summary"]["schema"] == "summarybot.summary/1"
    assert event["data"]["schedule"] == {"id": "sched1", "name": "Daily", "guild_id": "111"}
    assert request["headers"]["webhook-id"] == "msg_1"


async def test_500_then_200_is_retried_with_the_same_webhook_id(send, receiver):
    receiver.script["/flaky"] = [500, 500, 200]
    (result,) = await send([receiver.target("/flaky")])
    assert result.delivered
    assert result.attempts == 3
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert ids == {"msg_1"}
    assert all(isinstance(r["verified"], dict) for r in receiver.requests)
    assert [a.http_status for a in send.attempts] == [500, 500, 200]
    assert 0.5 <= send.sleeps[0] <= 1.5
    assert 1.0 <= send.sleeps[1] <= 3.0


async def test_429_waits_for_retry_after(send, receiver):
    receiver.script["/busy"] = [(429, {"Retry-After": "7"}), 200]
    (result,) = await send([receiver.target("/busy")])
    assert result.delivered
    assert send.sleeps == [7.0]


async def test_410_disables_without_retrying(send, receiver):
    receiver.script["/gone"] = [410]
    (result,) = await send([receiver.target("/gone")])
    assert not result.delivered
    assert result.disabled
    assert result.attempts == 1
    assert result.error == "HTTP 410: nope"


async def test_redirects_are_not_followed(send, receiver):
    receiver.script["/moved"] = [(301, {"Location": "/elsewhere"})]
    (result,) = await send(
        [receiver.target("/moved")],
        DeliverySettings(allow_insecure_http=True, allow_private_addresses=True, max_attempts=1),
    )
    assert not result.delivered
    assert "redirects are not followed" in result.error
    assert [r["path"] for r in receiver.requests] == ["/moved"]


async def test_a_timeout_is_a_failed_attempt(send, receiver):
    receiver.script["/slow"] = ["hang"]
    settings = DeliverySettings(
        allow_insecure_http=True, allow_private_addresses=True, max_attempts=2, timeout_seconds=0.2
    )
    (result,) = await send([receiver.target("/slow")], settings)
    assert not result.delivered
    assert result.attempts == 2
    assert result.error == "timed out after 0.2 s"


async def test_one_destination_hanging_and_one_raising_do_not_affect_the_others(
    send, receiver, tmp_path
):
    receiver.script["/hang"] = ["hang"]

    class Exploding:
        async def send(self, target, summary, context):
            raise RuntimeError("boom")

    senders = {
        "webhook": WebhookSender(webhook_session(SETTINGS), SETTINGS, lambda: datetime.now(UTC)),
        "file": FileSender(tmp_path / "digests"),
        "dm": Exploding(),
    }
    from delivery.models import DmDestination

    settings = DeliverySettings(
        allow_insecure_http=True, allow_private_addresses=True, max_attempts=1, timeout_seconds=0.3
    )
    targets = [
        receiver.target("/hang", "msg_hang"),
        DeliveryTarget(delivery_id="msg_dm", destination=DmDestination(user_id=5)),
        receiver.target("/ok", "msg_ok"),
        DeliveryTarget(delivery_id="msg_file", destination=FileDestination()),
    ]
    try:
        results = await send(targets, settings, senders=senders)
    finally:
        await senders["webhook"].session.close()
    assert [r.delivered for r in results] == [False, False, True, True]
    assert results[0].error.startswith("timed out")
    assert results[1].error == "RuntimeError: boom"
    assert (tmp_path / "digests" / "111" / "sched1" / "2026-11-24T0900Z.md").exists()


async def test_errors_never_show_the_url_path_or_secret(send, receiver):
    secret = receiver.secret
    target = DeliveryTarget(
        delivery_id="msg_x",
        destination=WebhookDestination(url="http://127.0.0.1:1/hooks/SECRET-TOKEN", secret=secret),
    )
    (result,) = await send(
        [target],
        DeliverySettings(allow_insecure_http=True, allow_private_addresses=True, max_attempts=1),
    )
    assert not result.delivered
    assert "SECRET-TOKEN" not in result.error
    assert secret not in result.error
    assert all("SECRET-TOKEN" not in (a.error or "") for a in send.attempts)


async def test_unsafe_url_is_refused_at_send_time_without_retries(send):
    target = DeliveryTarget(
        delivery_id="msg_y",
        destination=WebhookDestination(url="https://127.0.0.1/x", secret=new_signing_secret()),
    )
    strict = DeliverySettings(max_attempts=3)
    session = webhook_session(strict)
    try:
        senders = {"webhook": WebhookSender(session, strict, lambda: datetime.now(UTC))}
        (result,) = await send([target], strict, senders=senders)
    finally:
        await session.close()
    assert not result.delivered
    assert result.attempts == 1
    assert "loopback" in result.error


async def test_a_resumed_delivery_continues_its_attempt_count(send, receiver):
    target = receiver.target("/ok").model_copy(update={"attempts_so_far": 2})
    (result,) = await send([target])
    assert result.attempts == 3
    assert send.attempts[0].attempt == 3


async def test_file_destination_writes_each_window_once(send, tmp_path):
    target = DeliveryTarget(delivery_id="msg_f", destination=FileDestination(format="json"))
    first = (await send([target]))[0]
    again = (await send([target]))[0]
    assert first.external_id == again.external_id
    path = tmp_path / "digests" / "111" / "sched1" / "2026-11-24T0900Z.md"
    assert first.external_id == str(path.resolve())
    assert json.loads(path.read_text())["schema"] == "summarybot.summary/1"


async def test_a_destination_kind_without_a_sender_fails_clearly(send):
    from delivery.models import ChannelDestination

    target = DeliveryTarget(delivery_id="msg_c", destination=ChannelDestination(channel_id=1))
    (result,) = await send([target])
    assert not result.delivered
    assert result.error == "no sender for channel destinations in this process"
    assert result.attempts == 1


def test_send_outcome_defaults_to_retryable():
    assert SendOutcome(ok=False).retryable


async def test_during_a_rotation_a_receiver_with_either_secret_accepts_the_event(send, receiver):
    old, new = receiver.secret, new_signing_secret()
    rotating = WebhookDestination(
        url=receiver.url("/rotating"),
        secret=new,
        previous_secret=old,
        previous_secret_expires_at=datetime.now(UTC) + timedelta(hours=24),
    )
    (result,) = await send([DeliveryTarget(delivery_id="msg_rot", destination=rotating)])
    assert result.delivered
    (request,) = receiver.requests
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # the receiver not yet switched over, and the one that has
        event = Webhook(secret).verify(request["body"], request["headers"])
        assert event["id"] == "msg_rot"


async def test_after_the_grace_period_only_the_new_secret_signs(send, receiver):
    old, new = receiver.secret, new_signing_secret()
    expired = WebhookDestination(
        url=receiver.url("/rotated"),
        secret=new,
        previous_secret=old,
        previous_secret_expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    (result,) = await send([DeliveryTarget(delivery_id="msg_new", destination=expired)])
    assert result.delivered
    (request,) = receiver.requests
    assert Webhook(new).verify(request["body"], request["headers"])["id"] == "msg_new"
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request["body"], request["headers"])


async def test_a_retry_tells_the_sender_the_first_attempt_may_have_arrived(send):
    seen = []

    class Flaky:
        async def send(self, target, summary, context):
            seen.append(target.resend_since)
            return SendOutcome(ok=len(seen) > 1, error=None if len(seen) > 1 else "timed out")

    target = DeliveryTarget(delivery_id="msg_t", destination=FileDestination())
    (result,) = await send([target], senders={"file": Flaky()})
    assert result.delivered
    assert seen == [None, CONTEXT.window_end]


def test_the_event_body_is_the_whole_event_as_compact_json():
    """The summary is spliced into the envelope; the bytes must be json.dumps of the event."""
    from delivery.render import render_json
    from delivery.webhook import event_body

    summary = _summary().model_copy(update={"overview": 'Zoë said "}}" — and left'})
    target = DeliveryTarget(
        delivery_id="msg_9",
        destination=WebhookDestination(url="https://example.com/h", secret=new_signing_secret()),
    )
    event = {
        "type": "summary.created",
        "id": "msg_9",
        "timestamp": "2026-11-24T09:00:00Z",
        "data": {
            "schedule": {"id": "sched1", "name": "Daily", "guild_id": "111"},
            "run": {"id": 5, "window_end": END.isoformat()},
            "summary": json.loads(render_json(summary)),
        },
    }
    whole = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    assert event_body(target, summary, CONTEXT, END) == whole


async def test_one_digest_to_many_webhooks_renders_its_summary_once(send, receiver, monkeypatch):
    from delivery import webhook

    rendered = []
    real = webhook.summary_json
    monkeypatch.setattr(webhook, "summary_json", lambda s: rendered.append(s) or real(s))
    targets = [receiver.target(f"/hook{i}", delivery_id=f"msg_{i}") for i in range(5)]
    results = await send(targets)
    assert all(r.delivered for r in results)
    assert len(rendered) == 1
    assert {json.loads(r["body"])["data"]["summary"]["title"] for r in receiver.requests} == {
        "Digest of #general"
    }
