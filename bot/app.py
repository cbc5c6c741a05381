"""SummaryBot: the composition root that wires the store, scheduler, summarizer and delivery.

`create_bot(settings)` builds the bot without connecting, so `summarybot run`, the simcord
tests and the wire-level fake all start the same object. Everything that needs the event loop
(the database, the HTTP sessions, the scheduler) is opened in `setup_hook` and closed in
`close()`, in reverse order, so a stop at any point leaves nothing half-open.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import discord
import yarl
from discord.ext import commands

from bot.cogs import add_cogs
from bot.cogs.notice_buttons import notice_view
from bot.cogs.replies import SummaryTree
from bot.config import Settings
from bot.history import DiscordHistorySource
from bot.lifecycle import Lifecycle
from bot.members import MemberLookup
from bot.notices import Notifier
from bot.ops.health import bot_checks
from bot.ops.http_server import HealthServer
from bot.ops.loop_lag import LoopLagMonitor
from bot.ops.metrics import BotMetrics, MeteredLLMEngine
from bot.pacing import GlobalPacer, install_pacer
from bot.privacy import run_time_problem, schedule_thread_filter
from bot.subscribers import Subscribers
from bot.threads import ThreadTracker
from delivery.channel import DiscordSender
from delivery.fanout import Sender
from delivery.file import FileSender
from delivery.webhook import WebhookSender, webhook_session
from scheduling.errors import CheckUnavailableError
from scheduling.models import utc_now
from scheduling.outbox import Outbox
from scheduling.scheduler import TaskScheduler
from scheduling.shards import ShardPlan
from scheduling.store import Store, open_store
from summarizer import summarize
from summarizer.llm import LLMEngine

if TYPE_CHECKING:
    from scheduling.store.claims import ShardLocks

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://discord.com/api/v10"
# How long a run started before the gateway is ready waits for it (see `precheck`).
READY_WAIT_SECONDS = 120


def bot_intents() -> discord.Intents:
    """Guilds, guild messages and message content: nothing more is read."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    # Privileged: without it other members' messages arrive empty and digests say nothing.
    intents.message_content = True
    return intents


class SummaryBot(commands.AutoShardedBot):
    """The bot: slash commands in front, the scheduler and delivery behind."""

    def __init__(
        self,
        settings: Settings,
        *,
        shard_count: int | None = None,
        plan: ShardPlan | None = None,
        clock: Callable[[], datetime] = utc_now,
        start_scheduler: bool = True,
    ) -> None:
        # Before the client: discord.py's REST session takes the trace that counts its 429s.
        metrics = BotMetrics()
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(),
            # Nothing the bot says pings anyone unless a send opts in explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=plan.count if plan is not None else shard_count,
            shard_ids=list(plan.shards) if plan is not None else None,
            tree_cls=SummaryTree,
            http_trace=metrics.http_trace(),
            # Digests read history over REST; a cache of the last 1,000 gateway messages would
            # only cost memory and garbage-collection time.
            max_messages=None,
        )
        self.metrics = metrics
        # The shards this process serves (None: all of them, one process), and the locks
        # that hold them (set by `summarybot run`; they tell who holds the other shards).
        self.plan = plan
        self.shard_locks: ShardLocks | None = None
        self.http_server: HealthServer | None = None
        self.settings = settings
        self.clock = clock
        self.started_monotonic = time.monotonic()
        self.store: Store | None = None
        self.scheduler: TaskScheduler | None = None
        self.session: aiohttp.ClientSession | None = None
        self.webhook_session: aiohttp.ClientSession | None = None
        self.llm: LLMEngine | None = None
        self.senders: dict[str, Sender] = {}
        self.history = DiscordHistorySource(self)
        self.notifier = Notifier(self, buttons=notice_view)
        self.lifecycle = Lifecycle(self)
        self.members = MemberLookup(clock)
        # Archived threads per source channel, listed once and then kept by gateway events.
        self.threads = ThreadTracker(clock)
        self.loop_lag = LoopLagMonitor()
        # simcord runs the bot on a virtual clock that APScheduler's wall-clock timers do not
        # follow: its tests trigger runs with /schedule run; firing on time is tested against
        # the wire-level fake with a real `summarybot run`.
        self.start_scheduler = start_scheduler
        self._closing = False
        self._heap_frozen = False

    # --- lifecycle ----------------------------------------------------------------------

    async def setup_hook(self) -> None:
        """Open the store, start the scheduler, register commands and views, sync commands."""
        pacer = install_pacer(self, GlobalPacer(rate=self.global_rate))
        self.metrics.watch_pacer(pacer)
        self.metrics.watch_loop(self.loop_lag)
        if self.start_scheduler:
            # A wall-clock timer, like APScheduler's: not under simcord's virtual clock, whose
            # settling would wait forever for a timer that always re-arms.
            self.loop_lag.start()
        await self._follow_api_base()
        settings = self.settings
        self.session = aiohttp.ClientSession(trust_env=True)
        self.webhook_session = webhook_session(settings.delivery)
        self.llm = MeteredLLMEngine(settings.summarizer.llm, self.session, metrics=self.metrics)
        self.store = await open_store(settings.storage)
        await self.store.serve(self.plan)
        self.senders = {
            "channel": DiscordSender(self, self.session),
            "dm": DiscordSender(self, self.session),
            "discord_webhook": DiscordSender(self, self.session),
            "webhook": WebhookSender(self.webhook_session, settings.delivery, self.clock),
            "file": FileSender(Path(settings.delivery.file_root)),
        }
        outbox = Outbox(
            self.store, self.senders, settings.delivery, self.clock, notify=self.notifier.notify
        )
        self.scheduler = TaskScheduler(
            self.store,
            settings.scheduling,
            settings.retention,
            source=self.history,
            summarize=functools.partial(summarize, llm=self.llm),
            deliver=outbox,
            file_root=Path(settings.delivery.file_root),
            max_messages=settings.summarizer.max_messages,
            min_messages=settings.summarizer.min_messages,
            default_engine=settings.summarizer.engine,
            clock=self.clock,
            notify=self.notifier.notify,
            precheck=self.precheck,
            observer=self.metrics,
            subscribers=Subscribers(self),
            private_threads=functools.partial(schedule_thread_filter, self),
        )
        # `max_concurrent_runs = "auto"` sizes the run slots from the pacer's rate and latency.
        self.scheduler.context.pace = pacer

        self.metrics.watch_scheduler(self.scheduler)
        if settings.http.enabled:
            # Before the scheduler starts: a port in use stops the start-up with one line.
            server = HealthServer(
                bot_checks(self), self.metrics, host=settings.http.host, port=settings.http.port
            )
            await server.start()
            self.http_server = server

        await add_cogs(self)
        self.lifecycle.register()
        self.threads.register(self)
        if self.start_scheduler:
            await self.scheduler.start()
        await self.sync_commands()
        if self.start_scheduler:
            self.add_listener(self._freeze_heap, "on_ready")

    async def _freeze_heap(self) -> None:
        """Once ready, keep the long-lived heap out of every future garbage collection.

        Schedules, triggers, guilds and channels loaded at start-up live as long as the bot;
        each full collection walked them all, pausing the event loop 40-90 ms with 1,000
        schedules (bench/soak.py). Frozen, a collection walks only what was made since.
        """
        if self._heap_frozen:
            return  # on_ready fires again after a reconnect that lost the session
        self._heap_frozen = True
        gc.collect()
        gc.freeze()
        log.debug("froze %d long-lived objects out of garbage collection", gc.get_freeze_count())

    async def _follow_api_base(self) -> None:
        """Away from discord.com, make reconnects after an invalid session go there too.

        discord.py resumes at `resume_gateway_url` but falls back to its built-in default
        gateway (the real Discord) after a non-resumable invalid session.
        """
        if self.settings.discord.api_base.rstrip("/") == DEFAULT_API_BASE:
            return
        _, url, _ = await self.http.get_bot_gateway()
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    async def precheck(self, schedule: object) -> str | None:
        """Run-time permission check; a reason pauses the schedule (see bot.permissions).

        Catch-up runs start in `setup_hook`, before the gateway has sent the guilds: judged
        then, every schedule would look like its guild was gone and pause. So the check waits
        for the bot to be ready; if Discord does not get it ready in time, the run does not
        happen unjudged: it waits for the next slot, whose window covers this one.
        """
        if not self.is_ready():
            try:
                await asyncio.wait_for(self.wait_until_ready(), READY_WAIT_SECONDS)
            except TimeoutError:
                raise CheckUnavailableError(
                    f"not connected to Discord after {READY_WAIT_SECONDS} s"
                ) from None
        return await run_time_problem(self, schedule)  # type: ignore[arg-type]

    async def sync_commands(self) -> None:
        """Sync to the configured guilds at once, else globally (Discord takes up to an hour)."""
        guild_ids = self.settings.discord.guild_ids
        if not guild_ids:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))
            return
        for guild_id in guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %d", len(synced), guild_id)

    async def close(self) -> None:
        """Stop new runs, give running ones the grace period, then close everything."""
        if self._closing:
            return
        self._closing = True
        if self.http_server is not None:
            # First: nothing reports a stopping bot healthy.
            await self.http_server.stop()
        if self.scheduler is not None:
            await self.scheduler.stop(timeout=self.settings.discord.shutdown_timeout_seconds)
        await self.loop_lag.stop()
        await super().close()
        for session in (self.session, self.webhook_session):
            if session is not None and not session.closed:
                await session.close()
        if self.store is not None:
            with contextlib.suppress(Exception):
                await self.store.close()
            # Only a bot that got as far as its set-up has something to report stopping; a
            # refused token ends with the one-line error alone.
            log.info("stopped")

    @property
    def global_rate(self) -> float:
        """REST requests per second this process may send: its shards' share of the limit.

        Discord's global limit is per bot token, across every process: N processes each at
        their share stay under it together.
        """
        share = self.plan.share() if self.plan is not None else 1.0
        return self.settings.discord.global_rate_limit * share

    @property
    def uptime_seconds(self) -> float:
        """Seconds since the bot object was built."""
        return time.monotonic() - self.started_monotonic

    def require_scheduler(self) -> TaskScheduler:
        """The scheduler, which exists once `setup_hook` ran."""
        if self.scheduler is None:
            raise RuntimeError("the bot is not set up yet")
        return self.scheduler


def create_bot(
    settings: Settings,
    *,
    shard_count: int | None = None,
    plan: ShardPlan | None = None,
    start_scheduler: bool = True,
    clock: Callable[[], datetime] = utc_now,
) -> SummaryBot:
    """Build the bot without connecting; `summarybot run`, tests and simulators use this."""
    base = settings.discord.api_base.rstrip("/")
    discord.http.Route.BASE = base
    return SummaryBot(
        settings, shard_count=shard_count, plan=plan, start_scheduler=start_scheduler, clock=clock
    )
