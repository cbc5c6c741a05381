"""1,000 schedules every minute for 10 minutes: flat memory and a quick event loop, or not.

Usage: python bench/soak.py [--schedules N] [--seconds S] [--max-concurrent-runs K]
       [--channel-every C] [--messages-per-minute M] [--warmup-seconds W]
       [--chatter gateway|history] [--workdir DIR] [--bot-env KEY=VALUE]...
(defaults 1000, 600, 4, 5, 8 and two minutes, or one in soaks shorter than six minutes)

The real `summarybot run` (a child process, with `[http] enabled` on a free loopback port)
runs against the wire-level fake Discord from tests/fakediscord, seeded and limited as
bench/burst.py does (its helpers are imported, not copied). Every schedule reads its own
channel, where members keep talking (messages arrive over the gateway, `--messages-per-minute`
per channel), runs every 60 s (`Interval(seconds=60)`, anchors spread evenly over one minute
so the load is steady) and delivers to a signed webhook (the receivers of bench/fanout.py, in
their own process), to a file, and, for one schedule in `--channel-every`, to a Discord channel.

Every 10 s the bench reads the child's RSS (/proc), and scrapes `/metrics` (runs, deliveries,
the run queue, the bot's own event-loop lag gauges); the lag gauge is also scraped every second.
Warm-up is excluded from the growth figure. Prints one JSON object as the last line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.burst_world import _limited_fake, _seed, _start_bot  # noqa: E402
from bench.soak_observe import _free_port, _observe  # noqa: E402
from bench.soak_report import Outcome, _report  # noqa: E402
from bench.soak_world import (  # noqa: E402
    INTERVAL_S,
    Chatter,
    _chatter,
    _receiver_stats,
    _start_receivers,
    _store_schedules,
)
from scheduling.models import DeliveryStatus  # noqa: E402
from scheduling.store import Store  # noqa: E402

# discord.py sets a heartbeat's send time in its keep-alive thread only after the loop has sent
# it; on loopback the ACK can be handled first, and the "latency" is then the time since the
# previous heartbeat (about 41 s). A measuring artefact of a zero-latency gateway, counted apart.
ACK_RACE = "Can't keep up, shard ID"


# --- the soak ---------------------------------------------------------------------------------


async def _soak(opts: argparse.Namespace, workdir: Path) -> Outcome:
    """Seed, start everything, observe for `opts.seconds`, stop, collect."""
    receivers = _start_receivers(opts.schedules)
    fake, limits = await _limited_fake()
    database = workdir / "summarybot.db"
    process: asyncio.subprocess.Process | None = None
    chat = Chatter()
    chatter: asyncio.Task[None] | None = None
    port = _free_port()
    try:
        now = datetime.now(UTC)
        seeded = _seed(fake, opts.schedules, now)
        first_due = (now + timedelta(seconds=opts.lead_seconds)).replace(microsecond=0)
        await _store_schedules(database, fake, seeded, receivers, first_due, opts.channel_every)
        chatter = asyncio.create_task(
            _chatter(
                fake, seeded, opts.messages_per_minute, chat, gateway=opts.chatter == "gateway"
            )
        )
        extra_env = {
            "SUMMARYBOT_HTTP__ENABLED": "true",
            "SUMMARYBOT_HTTP__HOST": "127.0.0.1",
            "SUMMARYBOT_HTTP__PORT": str(port),
            "SUMMARYBOT_SCHEDULING__MIN_INTERVAL_SECONDS": str(INTERVAL_S),
            "SUMMARYBOT_DELIVERY__ALLOW_INSECURE_HTTP": "true",
            "SUMMARYBOT_DELIVERY__ALLOW_PRIVATE_ADDRESSES": "true",
        } | dict(opts.bot_env)
        process, ready_s = await _start_bot(
            fake, workdir, opts.max_concurrent_runs, first_due, extra_env
        )
        print(
            f"  bot pid {process.pid} connected after {ready_s:.1f} s; first due at "
            f"{first_due:%H:%M:%S}, soak until +{opts.seconds:.0f} s",
            file=sys.stderr,
        )
        async with aiohttp.ClientSession() as session:
            seen = await _observe(
                session,
                f"http://127.0.0.1:{port}/metrics",
                process.pid,
                receivers.process.pid,
                first_due,
                opts.seconds,
                round(opts.sample_seconds / opts.lag_poll_seconds),
                opts.lag_poll_seconds,
            )
        chat.stop.set()
        await chatter
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
        async with await Store.open(database) as store:
            runs = [
                run
                for schedule in await store.list_schedules()
                for run in await store.list_runs(schedule.id, limit=10_000)
            ]
            failed = await store.list_deliveries(status=DeliveryStatus.FAILED)
            pending = await store.list_deliveries(status=DeliveryStatus.PENDING)
        found = await _receiver_stats(receivers.ports[0])
        receivers.process.wait(timeout=10)
        channel_posts = sum(1 for m in fake.posted() if m.webhook_id is None)
    finally:
        chat.stop.set()
        if chatter is not None and not chatter.done():
            chatter.cancel()
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        if receivers.process.poll() is None:
            receivers.process.kill()
            receivers.process.wait()
        await fake.close()
    log_lines = (workdir / "bot.log").read_text(encoding="utf-8", errors="replace").splitlines()
    problems = [line for line in log_lines if " WARNING " in line or " ERROR " in line]
    return Outcome(
        options=opts,
        first_due=first_due,
        seen=seen,
        runs=runs,
        failed_errors=Counter((d.last_error or "?")[:120] for d in failed),
        pending_deliveries=len(pending),
        receivers=found,
        requests=[r for r in fake.requests if r.at >= first_due.timestamp()],
        limits=limits,
        channel_posts=channel_posts,
        files=sum(1 for p in (workdir / "digests").rglob("*") if p.is_file()),
        chatter_per_s=chat.sent / max(chat.seconds, 1e-9),
        ready_s=ready_s,
        log_problems=[line for line in problems if ACK_RACE not in line],
        ack_race_warnings=sum(ACK_RACE in line for line in problems),
    )


def _env_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=VALUE")
    return key, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=600.0, help="from the first due instant")
    parser.add_argument("--max-concurrent-runs", type=int, default=4)
    parser.add_argument(
        "--channel-every", type=int, default=5, help="1 in C schedules also posts to a channel"
    )
    parser.add_argument("--messages-per-minute", type=float, default=8.0)
    parser.add_argument(
        "--chatter",
        choices=("gateway", "history"),
        default="gateway",
        help="members' messages reach the bot as events (default) or only its history reads",
    )
    parser.add_argument("--warmup-seconds", type=float, default=None)
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument("--lag-poll-seconds", type=float, default=1.0)
    parser.add_argument("--lead-seconds", type=float, default=30.0, help="start-up to first due")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the bot's files here")
    parser.add_argument(
        "--bot-env",
        type=_env_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="one more variable for the bot (repeatable), e.g. PYTHONASYNCIODEBUG=1 to diagnose",
    )
    opts = parser.parse_args()
    print(
        f"soak: {opts.schedules} schedules every {INTERVAL_S} s for {opts.seconds:.0f} s",
        file=sys.stderr,
    )
    if opts.workdir is not None:
        opts.workdir.mkdir(parents=True, exist_ok=True)
        outcome = asyncio.run(_soak(opts, opts.workdir))
    else:
        with tempfile.TemporaryDirectory() as scratch:
            outcome = asyncio.run(_soak(opts, Path(scratch)))
    print(json.dumps(_report(outcome)))


if __name__ == "__main__":
    main()
