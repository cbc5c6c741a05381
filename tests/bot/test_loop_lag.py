"""The loop-lag monitor sees a blocked event loop, and /metrics shows it."""

from __future__ import annotations

import asyncio
import time

from prometheus_client.parser import text_string_to_metric_families

from bot.ops.loop_lag import LoopLagMonitor
from bot.ops.metrics import BotMetrics


async def test_a_blocked_loop_shows_as_lag_on_the_metrics_page():
    monitor = LoopLagMonitor(interval=0.01)
    metrics = BotMetrics()
    metrics.watch_loop(monitor)
    monitor.start()
    try:
        await asyncio.sleep(0.05)
        time.sleep(0.3)  # noqa: ASYNC251 -- the point: code that blocks the loop
        await asyncio.sleep(0.05)
    finally:
        await monitor.stop()

    assert monitor.max_seconds >= 0.25
    body, _ = metrics.render()
    values = {
        sample.name: sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }
    assert values["summarybot_event_loop_lag_max_seconds"] >= 0.25
    assert "summarybot_event_loop_lag_seconds" in values
