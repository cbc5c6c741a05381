"""How each side of bench/scheduler_load.py measures itself inside its own fresh process.

Peak and current RSS from /proc, the longest event-loop block (a sampler that wakes every
millisecond), one full pass of the loop, and per-phase timers wrapped around the code under
test. Shared by the TaskScheduler sides and the bare-APScheduler baseline alike.
"""

from __future__ import annotations

import asyncio
import resource
import time
from pathlib import Path
from typing import Any

SAMPLE_S = 0.001


def _status_mb(key: str) -> float:
    """`VmHWM` (this process's peak RSS since exec) or `VmRSS`, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class LoopSampler:
    """Wakes every `SAMPLE_S`; the longest it overslept is the longest the loop was blocked."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopSampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await asyncio.sleep(0)  # armed before the work starts
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._task is not None
        await asyncio.sleep(SAMPLE_S * 2)  # the wake-up due during the last block is counted
        self._task.cancel()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + SAMPLE_S
            await asyncio.sleep(SAMPLE_S)
            self.worst = max(self.worst, loop.time() - due)


async def _settle() -> None:
    """One full pass of the loop: what APScheduler's start queued (`_process_jobs`) has run."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.call_soon(done.set_result, None)
    await done


def _timed(phases: dict[str, float], name: str, function: Any) -> Any:
    """`function`, adding the time of each call to `phases[name]` (sync or async)."""
    if asyncio.iscoroutinefunction(function):

        async def timed_async(*args: object, **kwargs: object) -> Any:
            began = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - began

        return timed_async

    def timed(*args: object, **kwargs: object) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - began

    return timed
