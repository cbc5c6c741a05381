"""The schedules bench/scheduler_load.py restores: the two mixes and the store they are put in.

Apart from the measuring so each stays readable, and shared: bench/scale_out.py populates its
PostgreSQL databases with the same diverse mix. `MISSED` of the schedules are made two days
earlier so that a restore has slots to catch up.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

# Today's mix (`--mix simple`): a dozen zones, times on the quarter hour.
SIMPLE_ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Europe/Paris",
    "Asia/Singapore",
    "America/Chicago",
]
# Schedules made two days before the restart, daily: each missed at least one slot.
MISSED = 1000
INTERVALS = [300, 600, 900, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 604800]


def _simple_mix(rng: random.Random, count: int, _now: datetime) -> list[tuple[str, dict]]:
    """(zone, recurrence fields): today's mix, a dozen zones, quarter hours."""
    mix = []
    for _ in range(count):
        zone = rng.choice(SIMPLE_ZONES)
        hour, minute = rng.randrange(24), rng.choice([0, 0, 0, 15, 30, 45])
        at = clock_time(hour, minute)
        roll = rng.random()
        if roll < 0.40:
            fields = {"kind": "daily", "time": at}
        elif roll < 0.60:
            fields = {"kind": "weekly", "weekdays": (1, 2, 3, 4, 5), "time": at}
        elif roll < 0.70:
            days = tuple(sorted(rng.sample(range(1, 8), rng.randint(1, 3))))
            fields = {"kind": "weekly", "weekdays": days, "time": at}
        elif roll < 0.80:
            fields = {"kind": "interval", "seconds": rng.choice([3600, 6 * 3600, 12 * 3600])}
        elif roll < 0.90:
            fields = {"kind": "monthly", "day": rng.choice([1, 15, 28, "last"]), "time": at}
        else:
            fields = {
                "kind": "cron",
                "expression": f"{minute} {hour} * * {rng.choice(['1-5', '*', '0,6'])}",
            }
        mix.append((zone, fields))
    return mix


def _cron_expression(rng: random.Random) -> str:
    """A crontab line of the shapes people write: daily, business hours, stepped, monthly."""
    minute, hour = rng.randrange(60), rng.randrange(24)
    shape = rng.randrange(6)
    if shape == 0:
        dow = rng.choice(["*", "1-5", "0,6", "mon-fri", "1", "3,5", "sun"])
        return f"{minute} {hour} * * {dow}"
    if shape == 1:
        first = rng.randrange(6, 12)
        return f"*/{rng.choice([10, 15, 20, 30])} {first}-{first + 8} * * 1-5"
    if shape == 2:
        return f"{minute} */{rng.choice([2, 3, 4, 6, 8, 12])} * * *"
    if shape == 3:
        return f"{minute} {hour} {rng.randint(1, 28)} * *"
    if shape == 4:
        return f"{minute} {hour} 1,15 * *"
    return f"{minute} {hour} 1 1,4,7,10 *"


def _diverse_mix(rng: random.Random, count: int, now: datetime) -> list[tuple[str, dict]]:
    """(zone, recurrence fields): every IANA zone, any minute, every kind of schedule.

    Half the zones are drawn from every name the bundled tzdata knows (about 600), half from
    the dozen where most servers are; times are any minute of the day.
    """
    from scheduling.zones import zone_names

    every_zone = zone_names()
    mix = []
    for _ in range(count):
        zone = rng.choice(every_zone) if rng.random() < 0.5 else rng.choice(SIMPLE_ZONES)
        at = clock_time(rng.randrange(24), rng.randrange(60))
        roll = rng.random()
        if roll < 0.30:
            fields: dict[str, Any] = {"kind": "daily", "time": at}
        elif roll < 0.45:
            fields = {"kind": "weekly", "weekdays": (1, 2, 3, 4, 5), "time": at}
        elif roll < 0.55:
            days = tuple(sorted(rng.sample(range(1, 8), rng.randint(1, 3))))
            fields = {"kind": "weekly", "weekdays": days, "time": at}
        elif roll < 0.65:
            day = rng.choice([*range(1, 32), "last"])
            fields = {"kind": "monthly", "day": day, "time": at}
        elif roll < 0.77:
            fields = {"kind": "interval", "seconds": rng.choice(INTERVALS)}
            if rng.random() < 0.5:  # `every 6h from …`: any second of the last month
                fields["anchor"] = now - timedelta(seconds=rng.randrange(30 * 86400))
        elif roll < 0.92:
            fields = {"kind": "cron", "expression": _cron_expression(rng)}
        else:
            day = (now + timedelta(days=rng.randint(2, 365))).date()  # ahead in every zone
            fields = {"kind": "once", "date": day, "time": at}
        mix.append((zone, fields))
    return mix


MIXES = {"simple": _simple_mix, "diverse": _diverse_mix}


async def _open(target: Path | str) -> Any:
    """The store at a SQLite path or a PostgreSQL URL (bench/scale_out.py uses both)."""
    from scheduling.store import Store

    if str(target).startswith("postgresql://"):
        return await Store.open_url(str(target))
    return await Store.open(target)


def _guild_of(number: int, guilds: int) -> int:
    """Schedule `number`'s guild: one of `guilds` snowflake-like ids, spread over the shards.

    Hashed, not `number % guilds`: the missed schedules are every k-th number, and a modulo
    would put them all in the guilds of one shard.
    """
    return ((((number * 0x9E3779B1) & 0xFFFFFFFF) >> 8) % guilds << 22) | 1


async def _populate(target: Path | str, count: int, mix_name: str, guilds: int = 500) -> dict:
    from delivery.models import ChannelDestination
    from scheduling.models import Schedule

    rng = random.Random(7)
    # Created just now: a quick restart (the few slots that fell due since are caught up).
    # One microsecond apart, as schedules made one by one are: an import gives all its
    # schedules one `updated_at`, and the change poll then reads every one of them again.
    first = datetime.now(UTC) - timedelta(seconds=30)
    mix = MIXES[mix_name](rng, count, first)
    # Every (count / MISSED)-th schedule was made two days ago, daily: it missed a slot.
    step = max(1, count // MISSED)
    missed = set(range(0, count, step)[:MISSED])
    for number in missed:
        mix[number] = (mix[number][0], {"kind": "daily", "time": clock_time(rng.randrange(24))})
    async with await _open(target) as store:
        batch = []
        for number, (zone, fields) in enumerate(mix):
            created = first + timedelta(microseconds=number)
            if number in missed:
                created -= timedelta(days=2)
            batch.append(
                Schedule(
                    guild_id=_guild_of(number, guilds),
                    created_by=7,
                    channel_ids=(1000 + number,),
                    recurrence=fields,
                    timezone=zone,
                    destinations=(ChannelDestination(channel_id=5000 + number),),
                    created_at=created,
                    updated_at=created,
                )
            )
            if len(batch) == 10_000:
                await store.insert_schedules(batch, actor="bench", now=created)
                batch = []
        if batch:
            await store.insert_schedules(batch, actor="bench", now=created)
    return {
        "missed": len(missed),
        "zones": len({zone for zone, _ in mix}),
        "kinds": dict(Counter(fields["kind"] for _, fields in mix).most_common()),
    }
