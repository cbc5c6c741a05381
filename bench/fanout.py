"""One digest to 200 signed webhooks: `deliver_all` concurrently vs the same posts one at a time.

Usage: python bench/fanout.py [--destinations N] [--rounds R]   (defaults 200 and 3)

The receivers run in a child process (consumers are other machines: their parsing and
verification must not share the sender's event loop), one aiohttp site per destination on its
own loopback port, each with its own signing secret. A receiver checks the Standard Webhooks
signature with the `standardwebhooks` reference verifier and answers 204 after a fixed 50 ms,
as a consumer doing a little work would.

The sender side is the production path: `webhook_session()` (the guarded connector) and
`WebhookSender`, driven by `delivery.deliver_all` with the default bound (what the outbox
uses). The sequential baseline is the same `deliver_all` called for one target at a time.
Every phase opens a fresh session, as a digest hours after the last one finds no warm
connections.

The floor, from first principles: `deliver_all` lets B posts be in flight at once (B is the
webhook connector's limit, 100) and every receiver takes L = 50 ms to answer, so N posts need
at least ceil(N / B) × L; `floor_ratio` is the concurrent time over that (the unbounded phase
is compared with L alone). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from summarizer.models import Summary

DESTINATIONS = 200
ANSWER_AFTER_S = 0.05
CONTROL = "forged"
WORDS = [
    "release",
    "migration",
    "database",
    "friday",
    "deploy",
    "staging",
    "review",
    "rollback",
    "schema",
    "index",
    "cache",
    "latency",
    "dashboard",
    "alert",
    "incident",
    "retro",
    "sprint",
    "ticket",
    "backlog",
    "feature",
    "flag",
    "canary",
    "benchmark",
    "profile",
    "memory",
    "leak",
    "queue",
    "worker",
    "scheduler",
    "webhook",
    "digest",
    "summary",
]


# --- receivers (child process) --------------------------------------------------------------


@dataclass
class Received:
    """What the receivers saw, per phase: arrivals, webhook ids and failed verifications."""

    arrivals: dict[str, int] = field(default_factory=dict)
    webhook_ids: dict[str, set[str]] = field(default_factory=dict)
    invalid: dict[str, int] = field(default_factory=dict)


async def _serve(count: int) -> None:
    from aiohttp import web
    from standardwebhooks import Webhook
    from standardwebhooks.webhooks import WebhookVerificationError

    from delivery.signing import new_signing_secret

    secrets = [new_signing_secret() for _ in range(count)]
    verifiers = [Webhook(secret) for secret in secrets]
    seen = Received()
    done = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        number = int(request.match_info["number"])
        phase = request.query.get("phase", "?")
        body = await request.read()
        seen.arrivals[phase] = seen.arrivals.get(phase, 0) + 1
        try:
            verifiers[number].verify(body, dict(request.headers))
        except WebhookVerificationError:
            seen.invalid[phase] = seen.invalid.get(phase, 0) + 1
        seen.webhook_ids.setdefault(phase, set()).add(request.headers.get("webhook-id", ""))
        await asyncio.sleep(ANSWER_AFTER_S)
        return web.Response(status=204)

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                "arrivals": seen.arrivals,
                "distinct_ids": {k: len(v) for k, v in seen.webhook_ids.items()},
                "invalid": seen.invalid,
            }
        )

    async def stop(_request: web.Request) -> web.Response:
        done.set()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook/{number}", hook)
    app.router.add_get("/stats", stats)
    app.router.add_post("/stop", stop)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    ports = []
    for _ in range(count):
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    print(json.dumps({"ports": ports, "secrets": secrets}), flush=True)
    await done.wait()
    await runner.cleanup()


# --- sender (this process) -------------------------------------------------------------------


async def _summary() -> Summary:
    """A realistic digest: the extractive engine on a few hundred messages of chat."""
    from summarizer import summarize
    from summarizer.models import Author, ChannelRef, ChatMessage, SummaryOptions

    rng = random.Random(7)
    channel = ChannelRef(id=2, name="general")
    authors = [Author(id=100 + n, name=f"member{n}") for n in range(25)]
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    messages = [
        ChatMessage(
            id=10_000 + n,
            channel=channel,
            author=rng.choice(authors),
            content=" ".join(rng.choices(WORDS, k=rng.randint(4, 18))),
            created_at=start + timedelta(seconds=40 * n),
            reply_to=10_000 + n - rng.randint(1, 5) if n > 5 and rng.random() < 0.2 else None,
            reactions=rng.choice((0, 0, 0, 1, 3)),
        )
        for n in range(400)
    ]
    options = SummaryOptions(generated_at=start + timedelta(hours=5))
    return await summarize(messages, options)


@dataclass
class Phase:
    """Timings of one fan-out: total, and each destination's time until delivered."""

    total_s: float
    latencies_ms: list[float]
    delivered: int
    cpu_s: float


def _body_bytes(summary: Summary) -> int:
    """The size of what each destination receives (the event wraps the summary JSON)."""
    from delivery.models import DeliveryContext, DeliveryTarget, WebhookDestination
    from delivery.webhook import event_body

    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    target = DeliveryTarget(
        delivery_id="msg_size",
        destination=WebhookDestination(url="https://example.com/hook", secret="whsec_x"),
    )
    body = event_body(target, summary, DeliveryContext(window_end=at), at)
    return len(body.encode("utf-8"))


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


async def _fan_out(
    summary: Summary,
    ports: Sequence[int],
    secrets: Sequence[str],
    phase: str,
    *,
    sequential: bool = False,
    concurrency: int | None = None,
) -> Phase:
    from delivery.fanout import DEFAULT_CONCURRENCY, deliver_all
    from delivery.models import (
        Attempt,
        DeliveryContext,
        DeliveryResult,
        DeliveryTarget,
        WebhookDestination,
    )
    from delivery.settings import DeliverySettings
    from delivery.webhook import WebhookSender, webhook_session

    settings = DeliverySettings(allow_insecure_http=True, allow_private_addresses=True)
    targets = [
        DeliveryTarget(
            delivery_id=f"msg_{phase}_{number:04d}",
            destination=WebhookDestination(
                url=f"http://127.0.0.1:{port}/hook/{number}?phase={phase}", secret=secret
            ),
        )
        for number, (port, secret) in enumerate(zip(ports, secrets, strict=True))
    ]
    context = DeliveryContext(
        guild_id=1,
        channel_id=2,
        schedule_id="s_bench",
        schedule_name="bench",
        run_id=1,
        window_end=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
    )
    done_at: dict[str, float] = {}

    async def record(attempt: Attempt) -> None:
        if attempt.ok:
            done_at[attempt.delivery_id] = time.perf_counter()

    session = webhook_session(settings)
    sender = WebhookSender(session, settings, clock=lambda: datetime.now(UTC))

    async def send(batch: list[DeliveryTarget]) -> list[DeliveryResult]:
        return await deliver_all(
            summary,
            batch,
            context,
            senders={"webhook": sender},
            settings=settings,
            recorder=record,
            concurrency=concurrency or DEFAULT_CONCURRENCY,
        )

    try:
        cpu = time.process_time()
        started = time.perf_counter()
        if sequential:
            results = []
            for target in targets:
                results += await send([target])
        else:
            results = await send(targets)
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        await session.close()
    return Phase(
        total_s=total,
        latencies_ms=[(at - started) * 1000 for at in done_at.values()],
        delivered=sum(r.delivered for r in results),
        cpu_s=cpu,
    )


def _latency(phase: Phase) -> dict[str, float]:
    values = phase.latencies_ms or [math.nan]
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(_percentile(values, 0.95), 1),
        "max": round(max(values), 1),
    }


async def _bench(ports: Sequence[int], secrets: Sequence[str], rounds: int) -> dict:
    from delivery import fanout
    from delivery.settings import DeliverySettings
    from delivery.webhook import webhook_session

    summary = await _summary()
    count = len(ports)
    concurrent = []
    for round_number in range(rounds):
        concurrent.append(await _fan_out(summary, ports, secrets, f"c{round_number}"))
        print(f"concurrent round {round_number}: {concurrent[-1].total_s:.3f} s", file=sys.stderr)
    unbounded = await _fan_out(summary, ports, secrets, "u", concurrency=count)
    print(f"unbounded: {unbounded.total_s:.3f} s", file=sys.stderr)
    sequential = await _fan_out(summary, ports, secrets, "s", sequential=True)
    print(f"sequential: {sequential.total_s:.3f} s", file=sys.stderr)
    median = sorted(concurrent, key=lambda p: p.total_s)[len(concurrent) // 2]
    probe = webhook_session(DeliverySettings())
    connector_limit = probe.connector.limit if probe.connector else 0
    await probe.close()
    return {
        "body_bytes": _body_bytes(summary),
        "count": count,
        "concurrent": concurrent,
        "median": median,
        "unbounded": unbounded,
        "sequential": sequential,
        "bound": fanout.DEFAULT_CONCURRENCY,
        "connector_limit": connector_limit,
    }


async def _stats(port: int) -> dict:
    """The receivers' counts, after one forged event that their verifier must reject."""
    import aiohttp

    from delivery.signing import new_signing_secret, signed_headers

    body = json.dumps({"type": "summary.created", "id": "msg_forged"})
    # Signed with a secret the receiver does not hold: proof the check is live.
    forged = signed_headers(new_signing_secret(), "msg_forged", body, datetime.now(UTC))
    async with aiohttp.ClientSession() as session:
        control = f"http://127.0.0.1:{port}/hook/0?phase={CONTROL}"
        async with session.post(control, data=body, headers=forged):
            pass
        async with session.get(f"http://127.0.0.1:{port}/stats") as response:
            found = await response.json()
        async with session.post(f"http://127.0.0.1:{port}/stop"):
            pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--destinations", type=int, default=DESTINATIONS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.destinations))
        return
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--destinations", str(args.destinations)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        ready = json.loads(child.stdout.readline())
        ports, secrets = ready["ports"], ready["secrets"]
        measured = asyncio.run(_bench(ports, secrets, args.rounds))
        seen = asyncio.run(_stats(ports[0]))
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    median: Phase = measured["median"]
    sequential: Phase = measured["sequential"]
    count = measured["count"]
    phases = [*(f"c{n}" for n in range(args.rounds)), "u", "s"]
    bound = measured["bound"]
    floor_s = math.ceil(count / bound) * ANSWER_AFTER_S
    unbounded_s = measured["unbounded"].total_s
    print(
        json.dumps(
            {
                "destinations": count,
                "concurrent_s": round(median.total_s, 3),
                "sequential_s": round(sequential.total_s, 3),
                "speedup": round(sequential.total_s / median.total_s, 1),
                "floor_s": round(floor_s, 3),
                "floor_ratio": round(median.total_s / floor_s, 2),
                "unbounded_floor_ratio": round(unbounded_s / ANSWER_AFTER_S, 2),
                "invalid_signatures": sum(seen["invalid"].get(p, 0) for p in phases),
                "forged_control_rejected": seen["invalid"].get(CONTROL, 0) == 1,
                "delivered": {
                    "concurrent": median.delivered,
                    "sequential": sequential.delivered,
                },
                "received_per_phase": {p: seen["arrivals"].get(p, 0) for p in phases},
                "distinct_webhook_ids_per_phase": {
                    p: seen["distinct_ids"].get(p, 0) for p in phases
                },
                "concurrent_latency_ms": _latency(median),
                "sequential_latency_ms": _latency(sequential),
                "concurrent_rounds_s": [round(p.total_s, 3) for p in measured["concurrent"]],
                "concurrent_cpu_s": round(median.cpu_s, 3),
                "sequential_cpu_s": round(sequential.cpu_s, 3),
                "concurrency_bound": bound,
                "connector_limit": measured["connector_limit"],
                "ideal_concurrent_s": round(floor_s, 3),
                "ideal_sequential_s": round(count * ANSWER_AFTER_S, 3),
                "unbounded_concurrent_s": round(unbounded_s, 3),
                "unbounded_latency_ms": _latency(measured["unbounded"]),
                "receiver_delay_ms": ANSWER_AFTER_S * 1000,
                "body_bytes": measured["body_bytes"],
                "targets": {"speedup": 10, "invalid_signatures": 0},
            }
        )
    )


if __name__ == "__main__":
    main()
