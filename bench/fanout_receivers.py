"""The receivers of bench/fanout.py: a child process of consumers, one per destination.

Usage: python bench/fanout_receivers.py N   (bench/fanout.py starts it)

Consumers are other machines: their parsing and verification must not share the sender's
event loop, so they run here, one aiohttp site per destination on its own loopback port, each
with its own signing secret. A receiver checks the Standard Webhooks signature with the
`standardwebhooks` reference verifier and answers 204 after a fixed 50 ms, as a consumer doing
a little work would, and counts the CPU it spent per phase. It prints its ports and secrets as
one JSON line, then serves until asked to stop.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ANSWER_AFTER_S = 0.05
CONTROL = "forged"


@dataclass
class Received:
    """What the receivers saw, per phase: arrivals, webhook ids and failed verifications."""

    arrivals: dict[str, int] = field(default_factory=dict)
    webhook_ids: dict[str, set[str]] = field(default_factory=dict)
    invalid: dict[str, int] = field(default_factory=dict)
    # The receivers' own CPU: process time at a phase's first arrival and at its last answer.
    cpu: dict[str, list[float]] = field(default_factory=dict)


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
        seen.cpu.setdefault(phase, [time.process_time()] * 2)
        body = await request.read()
        seen.arrivals[phase] = seen.arrivals.get(phase, 0) + 1
        try:
            verifiers[number].verify(body, dict(request.headers))
        except WebhookVerificationError:
            seen.invalid[phase] = seen.invalid.get(phase, 0) + 1
        seen.webhook_ids.setdefault(phase, set()).add(request.headers.get("webhook-id", ""))
        await asyncio.sleep(ANSWER_AFTER_S)
        seen.cpu[phase][1] = time.process_time()
        return web.Response(status=204)

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                "arrivals": seen.arrivals,
                "distinct_ids": {k: len(v) for k, v in seen.webhook_ids.items()},
                "invalid": seen.invalid,
                "cpu_s": {k: last - first for k, (first, last) in seen.cpu.items()},
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


async def receivers_stats(port: int) -> dict:
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


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1])))
