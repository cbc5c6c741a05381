"""How deliver_all starts its deliveries: one loop step apart, within the bound, cancellable."""

from __future__ import annotations

import asyncio

import pytest

from delivery.fanout import SendOutcome, deliver_all
from delivery.models import DeliveryTarget, FileDestination
from tests.delivery.test_fanout import CONTEXT, SETTINGS, _summary


def _targets(count: int) -> list[DeliveryTarget]:
    return [
        DeliveryTarget(delivery_id=f"msg_{n}", destination=FileDestination()) for n in range(count)
    ]


class Stepping:
    """A sender that notes when each delivery starts and when its first step after that ran."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def send(self, target, summary, context) -> SendOutcome:
        self.events.append(("start", target.delivery_id))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0)  # the request goes out
        self.events.append(("sent", target.delivery_id))
        await asyncio.sleep(0.01)  # the answer
        self.in_flight -= 1
        return SendOutcome(ok=True)


async def test_the_first_delivery_is_under_way_before_the_last_one_starts():
    sender = Stepping()
    results = await deliver_all(
        _summary(), _targets(20), CONTEXT, senders={"file": sender}, settings=SETTINGS
    )
    assert all(r.delivered for r in results)
    assert sender.events.index(("sent", "msg_0")) < sender.events.index(("start", "msg_19"))


async def test_deliveries_over_the_bound_wait_for_a_slot_and_keep_their_order():
    sender = Stepping()
    results = await deliver_all(
        _summary(),
        _targets(9),
        CONTEXT,
        senders={"file": sender},
        settings=SETTINGS,
        concurrency=3,
    )
    assert [r.delivery_id for r in results] == [f"msg_{n}" for n in range(9)]
    assert all(r.delivered for r in results)
    assert sender.most_in_flight == 3


async def test_cancelling_the_fan_out_cancels_every_delivery_it_started():
    started, cancelled = [], []
    all_started = asyncio.Event()

    class Hanging:
        async def send(self, target, summary, context) -> SendOutcome:
            started.append(target.delivery_id)
            if len(started) == 5:
                all_started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(target.delivery_id)
                raise
            return SendOutcome(ok=True)

    fan_out = asyncio.create_task(
        deliver_all(
            _summary(), _targets(5), CONTEXT, senders={"file": Hanging()}, settings=SETTINGS
        )
    )
    await asyncio.wait_for(all_started.wait(), 5)
    fan_out.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fan_out
    assert sorted(cancelled) == sorted(started)
