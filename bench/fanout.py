"""One digest to 200 signed webhooks: `deliver_all` vs bare aiohttp vs one post at a time.

Usage: python bench/fanout.py [--destinations N] [--rounds R]   (defaults 200 and 5)

The receivers run in a child process (bench/fanout_receivers.py: consumers are other machines,
so their parsing and verification must not share the sender's event loop), one per destination,
each checking the signature with the `standardwebhooks` reference verifier and answering 204
after a fixed 50 ms, as a consumer doing a little work would.

The sender side is the production path: `webhook_session()` (the guarded connector) and
`WebhookSender`, driven by `delivery.deliver_all` with the default bound (what the outbox
uses). The baseline, in the same run and taking turns with it, is the strongest fair one: a
bare aiohttp session with the same connection limit posting the same signed events, their
bodies and signatures made before its clock starts, in two forms (all posts started at once,
or a step apart as `deliver_all` starts them); the faster is reported. The sequential phase
is `deliver_all` called for one target at a time. Every phase opens a fresh session, as a
digest hours after the last one finds no warm connections.

The floor, from first principles: `deliver_all` lets B posts be in flight at once (B is the
webhook connector's limit, 100) and every receiver takes L = 50 ms to answer, so N posts need
at least ceil(N / B) × L; `floor_ratio` is the concurrent time over that, `baseline_floor_ratio`
the baseline's (the unbounded phase is compared with L alone). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fanout_receivers import ANSWER_AFTER_S, CONTROL, receivers_stats  # noqa: E402

if TYPE_CHECKING:
    from aiohttp import ClientSession

    from delivery.models import DeliveryContext, DeliveryTarget
    from summarizer.models import Summary

DESTINATIONS = 200
WORDS = (  # noqa: SIM905 -- one word list, not 32 lines of one word each
    "release migration database friday deploy staging review rollback schema index cache "
    "latency dashboard alert incident retro sprint ticket backlog feature flag canary "
    "benchmark profile memory leak queue worker scheduler webhook digest summary"
).split()


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
    from delivery.webhook import event_body

    (target,), context = _targets([1], ["whsec_x"], "size")
    return len(event_body(target, summary, context, context.window_end).encode("utf-8"))


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def _targets(
    ports: Sequence[int], secrets: Sequence[str], phase: str
) -> tuple[list[DeliveryTarget], DeliveryContext]:
    """One webhook destination per receiver, tagged with the phase, and the run's context."""
    from delivery.models import DeliveryContext, DeliveryTarget, WebhookDestination

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
    return targets, context


async def _bare(
    summary: Summary, ports: Sequence[int], secrets: Sequence[str], phase: str, *, staggered: bool
) -> Phase:
    """The strongest fair baseline: plain aiohttp POSTs of the same signed events.

    Every body and signature is made before the clock starts, and the session is aiohttp's
    own (no address check, no timeouts, no retries, no bookkeeping) with the webhook
    connector's limit, fresh per phase like the product's; the connector queues what is over
    the limit. `staggered` starts the posts one loop step apart while the connector has room,
    so the first requests leave before the last connections are opened: faster here when the
    cores are not contended, slower when they are. Both forms run; the faster is the baseline.
    """
    import aiohttp

    from delivery.addresses import WEBHOOK_CONNECTIONS
    from delivery.signing import signed_headers
    from delivery.webhook import event_body, summary_json

    targets, context = _targets(ports, secrets, phase)
    rendered = summary_json(summary)
    now = datetime.now(UTC)
    posts = []
    for target in targets:
        body = event_body(target, summary, context, now, rendered=rendered)
        headers = signed_headers(target.destination.secret or "", target.delivery_id, body, now)
        headers["Content-Type"] = "application/json"
        posts.append((target.destination.url, body.encode("utf-8"), headers))
    done_at: list[float] = []
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=WEBHOOK_CONNECTIONS), timeout=aiohttp.ClientTimeout()
    )

    async def post(url: str, body: bytes, headers: dict[str, str]) -> bool:
        async with session.post(url, data=body, headers=headers) as response:
            ok = response.status < 300
        done_at.append(time.perf_counter())
        return ok

    async def work() -> int:
        tasks = []
        for number, one in enumerate(posts):
            tasks.append(asyncio.ensure_future(post(*one)))
            if staggered and number < WEBHOOK_CONNECTIONS:
                await asyncio.sleep(0)
        return sum(await asyncio.gather(*tasks))

    return await _timed(work, session, done_at)


async def _timed(
    work: Callable[[], Awaitable[int]], session: ClientSession, done_at: Sequence[float]
) -> Phase:
    """Wall and CPU time of `work` (which returns how many were delivered); closes `session`."""
    try:
        cpu = time.process_time()
        started = time.perf_counter()
        delivered = await work()
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        await session.close()
    latencies = [(at - started) * 1000 for at in done_at]
    return Phase(total_s=total, latencies_ms=latencies, delivered=delivered, cpu_s=cpu)


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
    from delivery.models import Attempt, DeliveryResult
    from delivery.settings import DeliverySettings
    from delivery.webhook import WebhookSender, webhook_session

    settings = DeliverySettings(allow_insecure_http=True, allow_private_addresses=True)
    targets, context = _targets(ports, secrets, phase)
    done_at: list[float] = []

    async def record(attempt: Attempt) -> None:
        if attempt.ok:
            done_at.append(time.perf_counter())

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

    async def work() -> int:
        if sequential:
            return sum([r.delivered for t in targets for r in await send([t])])
        return sum(r.delivered for r in await send(targets))

    return await _timed(work, session, done_at)


def _median(phases: Sequence[Phase]) -> Phase:
    return sorted(phases, key=lambda p: p.total_s)[len(phases) // 2]


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
    # As the bot does once it is ready (`bot/app.py`): the long-lived heap, here the modules
    # and the summary, is left out of every later collection, for the product and the baseline.
    gc.collect()
    gc.freeze()
    runs: dict[str, list[Phase]] = {"c": [], "b": [], "g": []}
    for round_number in range(rounds):
        # The product and the two baselines take turns going first, so a noisy neighbour or a
        # warming cache favours none of them.
        order = "cbg"[round_number % 3 :] + "cbg"[: round_number % 3]
        for kind in order:
            phase = f"{kind}{round_number}"
            if kind == "c":
                runs[kind].append(await _fan_out(summary, ports, secrets, phase))
            else:
                runs[kind].append(
                    await _bare(summary, ports, secrets, phase, staggered=kind == "g")
                )
        print(
            f"round {round_number}: deliver_all {runs['c'][-1].total_s:.3f} s, bare aiohttp "
            f"{runs['b'][-1].total_s:.3f} s, staggered {runs['g'][-1].total_s:.3f} s",
            file=sys.stderr,
        )
    unbounded = await _fan_out(summary, ports, secrets, "u", concurrency=count)
    print(f"unbounded: {unbounded.total_s:.3f} s", file=sys.stderr)
    sequential = await _fan_out(summary, ports, secrets, "s", sequential=True)
    print(f"sequential: {sequential.total_s:.3f} s", file=sys.stderr)
    probe = webhook_session(DeliverySettings())
    connector_limit = probe.connector.limit if probe.connector else 0
    await probe.close()
    return {
        "body_bytes": _body_bytes(summary),
        "count": count,
        "concurrent": runs["c"],
        "median": _median(runs["c"]),
        "baseline": runs["b"],
        "staggered": runs["g"],
        "unbounded": unbounded,
        "sequential": sequential,
        "bound": fanout.DEFAULT_CONCURRENCY,
        "connector_limit": connector_limit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--destinations", type=int, default=DESTINATIONS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    child = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("fanout_receivers.py")),
            str(args.destinations),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        ready = json.loads(child.stdout.readline())
        ports, secrets = ready["ports"], ready["secrets"]
        measured = asyncio.run(_bench(ports, secrets, args.rounds))
        seen = asyncio.run(receivers_stats(ports[0]))
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    print(json.dumps(_report(measured, seen, args.rounds)))


def _report(measured: dict, seen: dict, rounds: int) -> dict:
    """The JSON line: medians of the rounds, the floor, the baseline and the receivers' view."""
    median, sequential = measured["median"], measured["sequential"]
    forms = {"gather": _median(measured["baseline"]), "staggered": _median(measured["staggered"])}
    form = min(forms, key=lambda name: forms[name].total_s)
    baseline = forms[form]
    count, bound = measured["count"], measured["bound"]
    phases = [f"{kind}{n}" for kind in "cbg" for n in range(rounds)] + ["u", "s"]
    floor_s = math.ceil(count / bound) * ANSWER_AFTER_S
    unbounded_s = measured["unbounded"].total_s
    receiver_cpu = {
        name: round(statistics.median(seen["cpu_s"].get(f"{kind}{n}", 0) for n in range(rounds)), 3)
        for name, kind in (("concurrent", "c"), ("baseline", "bg"[form == "staggered"]))
    }
    return {
        "destinations": count,
        "concurrent_s": round(median.total_s, 3),
        "sequential_s": round(sequential.total_s, 3),
        "speedup": round(sequential.total_s / median.total_s, 1),
        "floor_s": round(floor_s, 3),
        "floor_ratio": round(median.total_s / floor_s, 2),
        "baseline_s": round(baseline.total_s, 3),
        "baseline_floor_ratio": round(baseline.total_s / floor_s, 2),
        "vs_baseline": round(median.total_s / baseline.total_s, 2),
        "baseline_form": form,
        "baseline_forms_s": {name: round(phase.total_s, 3) for name, phase in forms.items()},
        "above_floor_ms": {
            "concurrent": round((median.total_s - floor_s) * 1000, 1),
            "baseline": round((baseline.total_s - floor_s) * 1000, 1),
        },
        "unbounded_floor_ratio": round(unbounded_s / ANSWER_AFTER_S, 2),
        "invalid_signatures": sum(seen["invalid"].get(p, 0) for p in phases),
        "forged_control_rejected": seen["invalid"].get(CONTROL, 0) == 1,
        "delivered": {
            "concurrent": median.delivered,
            "baseline": baseline.delivered,
            "sequential": sequential.delivered,
        },
        "received_per_phase": {p: seen["arrivals"].get(p, 0) for p in phases},
        "distinct_webhook_ids_per_phase": {p: seen["distinct_ids"].get(p, 0) for p in phases},
        "concurrent_latency_ms": _latency(median),
        "baseline_latency_ms": _latency(baseline),
        "sequential_latency_ms": _latency(sequential),
        "concurrent_rounds_s": [round(p.total_s, 3) for p in measured["concurrent"]],
        "baseline_rounds_s": {
            "gather": [round(p.total_s, 3) for p in measured["baseline"]],
            "staggered": [round(p.total_s, 3) for p in measured["staggered"]],
        },
        "concurrent_cpu_s": round(median.cpu_s, 3),
        "baseline_cpu_s": round(baseline.cpu_s, 3),
        "sequential_cpu_s": round(sequential.cpu_s, 3),
        "receiver_cpu_s": receiver_cpu,
        "concurrency_bound": bound,
        "connector_limit": measured["connector_limit"],
        "ideal_concurrent_s": round(floor_s, 3),
        "ideal_sequential_s": round(count * ANSWER_AFTER_S, 3),
        "unbounded_concurrent_s": round(unbounded_s, 3),
        "unbounded_latency_ms": _latency(measured["unbounded"]),
        "receiver_delay_ms": ANSWER_AFTER_S * 1000,
        "body_bytes": measured["body_bytes"],
        "targets": {"speedup": 10, "invalid_signatures": 0, "floor_ratio": 1.1},
    }


if __name__ == "__main__":
    main()
