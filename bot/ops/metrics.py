"""The bot's Prometheus metrics: runs, deliveries, the run queue, rate limits and LLM tokens.

One `BotMetrics` per bot, on its own `CollectorRegistry`: tests build many bots in one process,
and the global registry would refuse the second bot's metrics. Counters move as things
happen (the scheduler's `RunObserver` calls, discord.py's HTTP trace, the LLM engine); gauges
that mirror state (the queue, the pacer, schedules by status) are read when scraped, so they
cannot drift from the truth.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING

import aiohttp
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from scheduling.models import Delivery, DeliveryStatus, Run, RunStatus, ScheduleStatus
from summarizer.llm import LLMEngine
from summarizer.models import ChatMessage, Summary, SummaryOptions, TokenUsage
from summarizer.settings import LLMSettings

if TYPE_CHECKING:
    from bot.ops.loop_lag import LoopLagMonitor
    from bot.pacing import GlobalPacer
    from scheduling.scheduler import TaskScheduler

log = logging.getLogger(__name__)

DESTINATION_KINDS = ("channel", "dm", "webhook", "discord_webhook", "file")
# Delivered rows remembered to count each once; a resumed attempt follows within hours.
REMEMBERED_DELIVERIES = 10_000
# Runs are seconds to minutes; the top bucket is the default run timeout (900 s).
DURATION_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900)


class BotMetrics:
    """Every metric the bot exposes on `/metrics`; also the scheduler's `RunObserver`."""

    def __init__(self) -> None:
        # A `_created` twin of every counter doubles the page; the text format's readers ignore
        # it. (A process-wide switch of prometheus_client; the bot is its only user.)
        disable_created_metrics()
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "summarybot_runs",
            "Finished run attempts by outcome (a retried run counts once per attempt).",
            ["status"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "summarybot_deliveries",
            "Deliveries by destination kind and final state of the attempt.",
            ["kind", "status"],
            registry=self.registry,
        )
        self.run_duration = Histogram(
            "summarybot_run_duration_seconds",
            "Wall time of a run attempt, from its start to its recorded outcome.",
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "summarybot_discord_rate_limited",
            "429 answers from Discord's REST API, by X-RateLimit-Scope; discord.py waits each "
            "out and retries.",
            ["scope"],
            registry=self.registry,
        )
        self.discord_wait = Counter(
            "summarybot_discord_rate_limit_wait_seconds",
            "Seconds Discord asked the bot to wait in its 429 answers (Retry-After).",
            registry=self.registry,
        )
        self.llm_tokens = Counter(
            "summarybot_llm_tokens",
            "LLM tokens spent on digests; `estimated` is charged where the server reported no "
            "split, so the sum over kinds is what the daily budget was charged.",
            ["kind"],
            registry=self.registry,
        )
        self.schedules = Gauge(
            "summarybot_schedules",
            "Schedules by status (read from the database on each scrape).",
            ["status"],
            registry=self.registry,
        )
        # Known label values start at 0, so a rate() over them works before the first event.
        for status in RunStatus:
            if status is not RunStatus.RUNNING:
                self.runs.labels(status=status.value)
        for kind in DESTINATION_KINDS:
            for outcome in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
                self.deliveries.labels(kind=kind, status=outcome.value)
        for kind in ("prompt", "completion", "estimated"):
            self.llm_tokens.labels(kind=kind)
        for scope in ("user", "global", "shared"):
            self.rate_limited.labels(scope=scope)
        for schedule_status in ScheduleStatus:
            self.schedules.labels(status=schedule_status.value)
        self._delivered: OrderedDict[str, None] = OrderedDict()
        self.live = _LiveState()
        self.registry.register(self.live)
        ProcessCollector(registry=self.registry)

    # --- sources read at scrape time -----------------------------------------------------

    def watch_scheduler(self, scheduler: TaskScheduler) -> None:
        """Read the run queue from `scheduler` (and schedule counts from its store)."""
        self.live.scheduler = scheduler

    def watch_loop(self, monitor: LoopLagMonitor) -> None:
        """Read the event loop's lag from `monitor`."""
        self.live.loop = monitor

    def watch_pacer(self, pacer: GlobalPacer | None) -> None:
        """Read the global pacer's waiting time (None: simulators replace discord.py's HTTP)."""
        self.live.pacer = pacer

    async def refresh(self) -> None:
        """Update what only the database knows (schedules by status) before a scrape."""
        scheduler = self.live.scheduler
        if scheduler is None:
            return
        try:
            counts = await scheduler.store.count_schedules()
        except Exception as exc:  # the health check reports the database; metrics still answer
            log.debug("metrics: cannot count schedules: %s", exc)
            return
        for status in ScheduleStatus:
            self.schedules.labels(status=status.value).set(counts.get(status, 0))

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """Every metric in the format the scraper's `Accept` header asks for, and its type.

        Without one: the classic text format 0.0.4, which every Prometheus version reads.
        """
        encode, content_type = choose_encoder(accept or "")
        return encode(self.registry), content_type

    # --- RunObserver -------------------------------------------------------------------

    def run_finished(self, run: Run) -> None:
        """Count a finished run attempt and how long it took."""
        self.runs.labels(status=run.status.value).inc()
        if run.finished_at is not None:
            seconds = (run.finished_at - run.started_at).total_seconds()
            self.run_duration.observe(max(seconds, 0.0))

    def deliveries_finished(self, deliveries: Sequence[Delivery]) -> None:
        """Count each destination's outcome for this attempt.

        A resumed run hands back rows delivered by its earlier attempt unchanged: a delivery
        counts as delivered once, however many attempts report it.
        """
        for delivery in deliveries:
            if delivery.status is DeliveryStatus.DELIVERED:
                if delivery.id in self._delivered:
                    continue
                self._delivered[delivery.id] = None
                if len(self._delivered) > REMEMBERED_DELIVERIES:
                    self._delivered.popitem(last=False)
            self.deliveries.labels(
                kind=destination_kind(delivery), status=delivery.status.value
            ).inc()

    # --- tokens and rate limits -----------------------------------------------------------

    def count_tokens(self, usage: TokenUsage | None) -> None:
        """Add one digest's token usage (None: the extractive engine, which spends none)."""
        if usage is None:
            return
        self.llm_tokens.labels(kind="prompt").inc(usage.prompt_tokens)
        self.llm_tokens.labels(kind="completion").inc(usage.completion_tokens)
        unsplit = usage.total_tokens - usage.prompt_tokens - usage.completion_tokens
        if unsplit > 0:
            self.llm_tokens.labels(kind="estimated").inc(unsplit)

    def http_trace(self) -> aiohttp.TraceConfig:
        """An aiohttp trace for discord.py's REST session that counts its 429 answers.

        discord.py waits out each 429 itself; seeing them at the HTTP layer counts every one,
        whatever the log level, without depending on the wording of its log lines.
        """
        trace = aiohttp.TraceConfig()

        async def on_request_end(
            _session: aiohttp.ClientSession,
            _context: SimpleNamespace,
            params: aiohttp.TraceRequestEndParams,
        ) -> None:
            if params.response.status != 429:
                return
            headers = params.response.headers
            scope = headers.get("X-RateLimit-Scope", "unknown").lower()
            self.rate_limited.labels(scope=scope if scope.isalpha() else "unknown").inc()
            retry_after = _seconds(headers.get("Retry-After"))
            if retry_after is not None:
                self.discord_wait.inc(retry_after)

        trace.on_request_end.append(on_request_end)
        return trace


class MeteredLLMEngine(LLMEngine):
    """The LLM engine, counting the tokens of every digest it writes.

    Metering the engine rather than one caller counts scheduled runs and `/summary` alike:
    every digest the llm engine writes goes through the bot's one engine object.
    """

    def __init__(
        self, settings: LLMSettings, session: aiohttp.ClientSession, *, metrics: BotMetrics
    ) -> None:
        super().__init__(settings, session)
        self.metrics = metrics

    async def __call__(self, messages: Sequence[ChatMessage], options: SummaryOptions) -> Summary:
        """Summarize as `LLMEngine` does, then count the tokens spent."""
        summary = await super().__call__(messages, options)
        self.metrics.count_tokens(summary.usage)
        return summary


class _LiveState(Collector):
    """Gauges read from the scheduler and the pacer at scrape time."""

    def __init__(self) -> None:
        self.scheduler: TaskScheduler | None = None
        self.pacer: GlobalPacer | None = None
        self.loop: LoopLagMonitor | None = None

    def collect(self) -> Iterator[Metric]:
        """The current queue and pacer numbers (0 before the bot is set up)."""
        context = self.scheduler.context if self.scheduler is not None else None
        waiting = context.waiting if context is not None else 0
        running = len(context.running) - waiting if context is not None else 0
        yield GaugeMetricFamily(
            "summarybot_runs_waiting",
            "Runs waiting for a free slot (scheduling.max_concurrent_runs).",
            value=waiting,
        )
        yield GaugeMetricFamily(
            "summarybot_runs_in_progress", "Runs holding a slot now.", value=max(running, 0)
        )
        yield GaugeMetricFamily(
            "summarybot_run_slots",
            "Runs allowed at once now: scheduling.max_concurrent_runs, or what auto sized it to.",
            value=context.slots.capacity if context is not None else 0,
        )
        latency = self.pacer.latency_seconds if self.pacer is not None else None
        yield GaugeMetricFamily(
            "summarybot_discord_rest_latency_seconds",
            "Typical Discord REST round trip lately (median of the last requests; 0 before any).",
            value=latency or 0.0,
        )
        yield GaugeMetricFamily(
            "summarybot_discord_global_rate",
            "REST requests per second this process may send: its shards' share of"
            " discord.global_rate_limit (the whole limit for one process).",
            value=self.pacer.rate if self.pacer is not None else 0.0,
        )
        yield CounterMetricFamily(
            "summarybot_discord_pacer_wait_seconds",
            "Seconds the bot's own global pacer held REST requests back (under 50/s).",
            value=self.pacer.waited_seconds if self.pacer is not None else 0.0,
        )
        loop = self.loop
        yield GaugeMetricFamily(
            "summarybot_event_loop_lag_seconds",
            "How late the event loop last woke a 100 ms timer (responsiveness).",
            value=loop.last_seconds if loop is not None else 0.0,
        )
        yield GaugeMetricFamily(
            "summarybot_event_loop_lag_max_seconds",
            "The worst event-loop lag since the bot started.",
            value=loop.max_seconds if loop is not None else 0.0,
        )


def destination_kind(delivery: Delivery) -> str:
    """The `kind` label: the destination kind, with Discord webhooks told apart."""
    destination = delivery.destination
    if destination.kind == "webhook" and destination.is_discord:
        return "discord_webhook"
    return destination.kind


def _seconds(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None
