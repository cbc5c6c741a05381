"""The soak bench's world starts: its webhook receivers are a process of their own.

The receivers moved from bench/fanout.py to bench/fanout_receivers.py and the soak kept
starting the old script's removed `--serve` mode, so `python bench/soak.py` died before doing
anything; no test ran that code.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import aiohttp

from bench.soak_world import PHASE, _receiver_stats, _start_receivers
from delivery.signing import signed_headers


async def test_the_soak_receivers_verify_a_signed_webhook_then_stop():
    receivers = _start_receivers(2)
    try:
        assert len(receivers.ports) == len(receivers.secrets) == 2
        port, secret = receivers.ports[1], receivers.secrets[1]
        body = json.dumps({"type": "summary.created", "id": "msg_1"})
        headers = signed_headers(secret, "msg_1", body, datetime.now(UTC))
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/hook/1?phase={PHASE}"
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == 204
        stats = await _receiver_stats(port)
        assert receivers.process.wait(timeout=10) == 0
    finally:
        receivers.process.kill()
    assert stats["arrivals"] == {PHASE: 1}
    assert stats["invalid"] == {}
