"""The world bench/soak.py runs the bot in: webhook receivers, spread-out schedules, chatter.

Apart from the soak's orchestration so each stays readable. The fake Discord, its limits and
its seeded guilds are bench/burst_world.py's; this adds what only the soak needs: signed-webhook
receivers in their own process, schedules with anchors spread over one interval and three
kinds of destination, and members who keep talking.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.burst_report import Seeded
from bench.burst_world import WORDS
from delivery.models import (
    ChannelDestination,
    Destination,
    FileDestination,
    WebhookDestination,
)
from scheduling.models import Interval, Schedule
from scheduling.store import Store
from tests.fakediscord.server import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]

INTERVAL_S = 60
PHASE = "soak"  # the receivers count arrivals per `phase` query parameter


@dataclass
class Receivers:
    """bench/fanout_receivers.py in a child process: one port and signing secret each."""

    process: subprocess.Popen[str]
    ports: list[int]
    secrets: list[str]


def _start_receivers(count: int) -> Receivers:
    """Consumers are other machines: their verification must not share the bot's core time."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "fanout_receivers.py"), str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    return Receivers(process, ready["ports"], ready["secrets"])


async def _receiver_stats(port: int) -> dict:
    """What the receivers saw (arrivals, distinct webhook ids, bad signatures), then stop."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/stats") as response:
            found = await response.json()
        async with session.post(f"http://127.0.0.1:{port}/stop"):
            pass
    return found


def _anchors(first_due: datetime, count: int) -> list[datetime]:
    """Spread over one interval: 1,000 schedules make one run every 60 ms, not one burst."""
    return [first_due + timedelta(seconds=INTERVAL_S * n / count) for n in range(count)]


def _destinations(
    number: int, seeded: Seeded, receivers: Receivers, channel_every: int
) -> tuple[Destination, ...]:
    """A signed webhook and a file for every schedule; a digest channel for some."""
    port = receivers.ports[number]
    found: list[Destination] = [
        WebhookDestination(
            url=f"http://127.0.0.1:{port}/hook/{number}?phase={PHASE}",
            secret=receivers.secrets[number],
        ),
        FileDestination(),
    ]
    if channel_every and number % channel_every == 0:
        found.append(ChannelDestination(channel_id=seeded.digest_id))
    return tuple(found)


async def _store_schedules(
    path: Path,
    fake: FakeDiscord,
    seeded: list[Seeded],
    receivers: Receivers,
    first_due: datetime,
    channel_every: int,
) -> None:
    created = datetime.now(UTC) - timedelta(seconds=5)
    schedules = [
        Schedule(
            guild_id=s.guild_id,
            created_by=fake.owner.id,
            channel_ids=(s.source_id,),
            # Thread lists would add two requests per run: 1,000 runs a minute would then need
            # 50 requests/s, over the bot's own 45/s pacer (see bench/README.md).
            include_threads=False,
            recurrence=Interval(seconds=INTERVAL_S, anchor=anchor),
            # The first window reaches the history `_seed` put half an hour back.
            lookback_seconds=3600,
            destinations=_destinations(number, s, receivers, channel_every),
            created_at=created,
            updated_at=created,
        )
        for number, (s, anchor) in enumerate(
            zip(seeded, _anchors(first_due, len(seeded)), strict=True)
        )
    ]
    async with await Store.open(path) as store:
        await store.insert_schedules(schedules, actor="bench", now=created)


@dataclass
class Chatter:
    """Members talking in every source channel, so each window has messages to summarize."""

    sent: int = 0
    seconds: float = 0.0
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def _chatter(
    fake: FakeDiscord, seeded: list[Seeded], per_minute: float, chat: Chatter, *, gateway: bool
) -> None:
    """Round-robin over the channels at a steady total rate.

    By default through the gateway (MESSAGE_CREATE), not only into history: the bot asks for
    the guild messages intent, so in a thousand busy channels it is sent, parses and caches
    every message, and that belongs in its memory and CPU figures. `gateway=False` writes
    history only, to show what those events cost.
    """
    rng = random.Random(11)
    skip = {fake.owner.id, fake.bot_user.id}
    authors = {
        s.guild_id: [
            m.user for m in fake.guilds[s.guild_id].members.values() if m.user.id not in skip
        ]
        for s in seeded
    }
    rate = len(seeded) * per_minute / 60
    order = itertools.cycle(seeded)
    started = time.monotonic()
    while not chat.stop.is_set():
        due = int((time.monotonic() - started) * rate) - chat.sent
        for _ in range(due):
            s = next(order)
            text = " ".join(rng.choices(WORDS, k=rng.randint(5, 14)))
            author = rng.choice(authors[s.guild_id])
            if gateway:
                await fake.say(s.source_id, author, text)
            else:
                fake.add_message(s.source_id, author, text, at=datetime.now(UTC))
        chat.sent += due
        # The fake keeps every event for a RESUME; an hour of chatter would be the bench's
        # biggest allocation. The bot never falls a thousand events behind here.
        for session in fake.gateway.sessions.values():
            del session.history[:-1000]
        await asyncio.sleep(0.1)
        chat.seconds = time.monotonic() - started
