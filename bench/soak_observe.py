"""How bench/soak.py watches the bot: RSS and CPU from /proc, `/metrics` scraped on a clock.

Apart from the soak's orchestration so each stays readable; what it collects (`Observed`) is
what bench/soak_report.py turns into figures.
"""

from __future__ import annotations

import asyncio
import math
import os
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

TICKS = os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    """VmRSS of a live process, in MiB (what the kernel charges it now)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def _cpu_s(pid: int | None = None) -> float:
    """User + system CPU seconds of a live process (this one when None)."""
    stat = Path(f"/proc/{pid or 'self'}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _machine_busy_s() -> float:
    """CPU seconds every core spent not idle since boot (other work on the machine included)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


Metrics = dict[str, float]


async def _scrape(session: aiohttp.ClientSession, url: str) -> Metrics:
    """`/metrics` as `{name{label=value,...}: value}`."""
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
        text = await response.text()
    found: Metrics = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def _sum(metrics: Metrics, name: str) -> float:
    """A metric summed over its labels."""
    return sum(v for k, v in metrics.items() if k == name or k.startswith(name + "{"))


@dataclass
class Sample:
    """One 10 s sample: t is seconds since the first due instant (negative: start-up)."""

    t: float
    rss_mb: float
    runs: int
    lag_ms: float
    lag_max_ms: float
    metrics_rss_mb: float
    waiting: int
    in_progress: int
    bot_cores: float
    others_cores: float
    open_fds: int


@dataclass
class CpuMark:
    """CPU counters at one instant, to turn into cores used over an interval."""

    at: float
    bot: float
    bench: float
    receivers: float
    machine: float

    @classmethod
    def now(cls, bot_pid: int, receivers_pid: int) -> CpuMark:
        """Read every counter now."""
        return cls(
            time.monotonic(), _cpu_s(bot_pid), _cpu_s(), _cpu_s(receivers_pid), _machine_busy_s()
        )


@dataclass
class Observed:
    """What the sampling loop collected."""

    samples: list[Sample] = field(default_factory=list)
    lag_points: list[tuple[float, float]] = field(default_factory=list)  # (t, last lag ms)
    max_rises: list[tuple[float, float]] = field(default_factory=list)  # (t, new max ms)
    final: Metrics = field(default_factory=dict)
    cpu_start: CpuMark | None = None
    cpu_end: CpuMark | None = None


async def _observe(
    session: aiohttp.ClientSession,
    url: str,
    bot_pid: int,
    receivers_pid: int,
    first_due: datetime,
    seconds: float,
    sample_every: int,
    lag_every: float,
) -> Observed:
    """Scrape the lag every `lag_every` s; every `sample_every`-th scrape is a full sample.

    Ticks are aligned to the first due instant, so there is a sample at t = 0 (start-up done,
    no run yet) and one at t = `seconds`.
    """
    seen = Observed()
    zero = first_due.timestamp()
    tick = math.ceil((time.time() - zero) / lag_every)
    mark = CpuMark.now(bot_pid, receivers_pid)
    last_max = 0.0
    while tick * lag_every <= seconds + 1e-9:
        await asyncio.sleep(max(0.0, zero + tick * lag_every - time.time()))
        t = round(tick * lag_every, 3)
        metrics = await _scrape(session, url)
        lag_ms = metrics.get("summarybot_event_loop_lag_seconds", math.nan) * 1000
        max_ms = metrics.get("summarybot_event_loop_lag_max_seconds", math.nan) * 1000
        seen.lag_points.append((t, lag_ms))
        if max_ms > last_max:
            seen.max_rises.append((t, max_ms))
            last_max = max_ms
        if tick % sample_every == 0:
            now = CpuMark.now(bot_pid, receivers_pid)
            wall = max(now.at - mark.at, 1e-9)
            bot = (now.bot - mark.bot) / wall
            ours = bot + (now.bench - mark.bench + now.receivers - mark.receivers) / wall
            sample = Sample(
                t=t,
                rss_mb=round(_rss_mb(bot_pid), 1),
                runs=int(_sum(metrics, "summarybot_runs_total")),
                lag_ms=round(lag_ms, 1),
                lag_max_ms=round(max_ms, 1),
                metrics_rss_mb=round(metrics.get("process_resident_memory_bytes", 0) / 2**20, 1),
                waiting=int(metrics.get("summarybot_runs_waiting", 0)),
                in_progress=int(metrics.get("summarybot_runs_in_progress", 0)),
                bot_cores=round(bot, 2),
                others_cores=round(max(0.0, (now.machine - mark.machine) / wall - ours), 2),
                # Sockets included: idle keep-alive connections to webhook hosts show here.
                open_fds=len(os.listdir(f"/proc/{bot_pid}/fd")),
            )
            mark = now
            if t >= 0 and seen.cpu_start is None:
                seen.cpu_start = now
            seen.samples.append(sample)
            print(
                f"  t={t:5.0f}s rss={sample.rss_mb:6.1f} MB runs={sample.runs:6d} "
                f"lag={sample.lag_ms:5.1f} ms max={sample.lag_max_ms:6.1f} ms "
                f"waiting={sample.waiting:3d} bot={sample.bot_cores:.2f} cores "
                f"others={sample.others_cores:.2f} cores fds={sample.open_fds}",
                file=sys.stderr,
            )
        seen.final = metrics
        tick += 1
    seen.cpu_end = CpuMark.now(bot_pid, receivers_pid)
    return seen


def _free_port() -> int:
    """A loopback port nobody listens on now (`[http] port` must be 1–65535, not 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
