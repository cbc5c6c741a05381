"""`/healthz` and `/metrics` over real HTTP on loopback, in front of a real scheduler and store."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, time, timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_bot
from bot.config import Settings
from bot.ops.health import (
    HealthChecks,
    bot_checks,
    database_problem,
    gateway_problem,
    scheduler_problem,
)
from bot.ops.http_server import HealthServer, HttpServerError
from bot.ops.metrics import BotMetrics
from delivery.models import ChannelDestination, FileDestination
from scheduling.models import Daily, DeliveryStatus, Schedule
from scheduling.scheduler import TaskScheduler
from scheduling.settings import RetentionSettings, SchedulingSettings
from scheduling.slots import PrioritySlots
from scheduling.store import Store
from summarizer import summarize
from summarizer.models import Author, ChannelRef, ChatMessage
from summarizer.sources import FetchResult

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class SteppingClock:
    """Each reading is one second after the last, so a run takes a measurable time."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class ChatSource:
    """Five messages in any window; `gate`, when set, holds a fetch until it is opened."""

    def __init__(self) -> None:
        self.gate: asyncio.Event | None = None
        self.fetching = asyncio.Event()

    async def fetch(
        self, channel_ids, start, end, *, limit, include_threads=True, private_threads=None
    ):
        self.fetching.set()
        if self.gate is not None:
            await self.gate.wait()
        messages = [
            ChatMessage(
                id=1000 + n,
                channel=ChannelRef(id=100, name="general"),
                author=Author(id=1 + n % 2, name=f"member{n % 2}"),
                content=f"The release moves to Friday, step {n} of the migration is done.",
                created_at=start + timedelta(seconds=n + 1),
            )
            for n in range(5)
        ]
        return FetchResult(messages=messages)


class Deliverer:
    """Delivers everywhere except to destination ids in `failing`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.failing: set[str] = set()

    async def __call__(self, schedule, run, summary, deliveries):
        final = []
        for delivery in deliveries:
            failed = delivery.destination.id in self.failing
            done = delivery.model_copy(
                update={
                    "status": DeliveryStatus.FAILED if failed else DeliveryStatus.DELIVERED,
                    "attempts": delivery.attempts + 1,
                    "last_error": "HTTP 500" if failed else None,
                }
            )
            await self.store.update_delivery(done)
            final.append(done)
        return final


def make_schedule(name: str) -> Schedule:
    return Schedule(
        guild_id=1,
        created_by=7,
        name=name,
        channel_ids=(100,),
        recurrence=Daily(time=time(9, 0)),
        timezone="UTC",
        lookback_seconds=3600,
        destinations=(
            ChannelDestination(id="d_chan", channel_id=200),
            FileDestination(id="d_file"),
        ),
    )


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "summarybot.db"


@pytest.fixture
async def store(db_path):
    opened = await Store.open(db_path)
    yield opened
    await opened.close()


@pytest.fixture
def metrics() -> BotMetrics:
    return BotMetrics()


@pytest.fixture
def source() -> ChatSource:
    return ChatSource()


@pytest.fixture
def deliverer(store) -> Deliverer:
    return Deliverer(store)


@pytest.fixture
async def scheduler(store, metrics, source, deliverer, tmp_path):
    built = TaskScheduler(
        store,
        SchedulingSettings(max_concurrent_runs=1, retry_attempts=0),
        RetentionSettings(),
        source=source,
        summarize=summarize,
        deliver=deliverer,
        file_root=tmp_path / "digests",
        max_messages=1000,
        min_messages=1,
        clock=SteppingClock(),
        observer=metrics,
    )
    metrics.watch_scheduler(built)
    await built.start()
    await built.wait_idle()
    yield built
    await built.stop(timeout=5)


class Gateway:
    """Stands in for the Discord connection: `problem` is what the check reports."""

    problem: str | None = None

    def __call__(self) -> str | None:
        return self.problem


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


@pytest.fixture
async def server(gateway, scheduler, store, metrics):
    checks = HealthChecks(
        gateway=gateway,
        scheduler=lambda: scheduler_problem(scheduler),
        # Short: a locked database is reported within this, not after SQLite's 5 s.
        database=lambda: database_problem(store, timeout_seconds=0.2),
    )
    running = HealthServer(checks, metrics, host="127.0.0.1", port=0)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def http(server):
    async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{server.port}") as session:
        yield session


async def health(http) -> tuple[int, dict]:
    async with http.get("/healthz") as response:
        return response.status, await response.json()


async def scrape(http) -> dict[tuple[str, tuple], float]:
    """Every sample of `/metrics` as {(name, sorted labels): value}, parsed as Prometheus does."""
    async with http.get("/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


# --- /healthz -------------------------------------------------------------------------------


async def test_healthz_is_ok_when_gateway_scheduler_and_database_are(http):
    status, body = await health(http)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {"gateway": "ok", "scheduler": "ok", "database": "ok"},
    }


async def test_healthz_is_503_while_another_process_holds_the_database_write_lock(http, db_path):
    # What really makes SQLite unwritable for a running bot: another connection (a backup
    # tool, a `sqlite3` shell left inside a transaction) holding the write lock. Every write
    # of the bot would wait 5 s and fail with "database is locked"; the probe says so at once.
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        status, body = await health(http)
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert status == 503
    assert body["status"] == "failing"
    assert body["checks"]["gateway"] == "ok"
    assert body["checks"]["scheduler"] == "ok"
    assert body["checks"]["database"] == "not writable: database is locked"
    # Once the lock is gone the same probe passes: nothing was left half-done.
    assert await health(http) == (
        200,
        {"status": "ok", "checks": dict.fromkeys(body["checks"], "ok")},
    )


async def test_healthz_probe_commits_nothing(http, scheduler, db_path):
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        # `data_version` moves for a connection whenever another one commits to the file.
        before = other.execute("PRAGMA data_version").fetchone()[0]
        assert (await health(http))[0] == 200
        assert other.execute("PRAGMA data_version").fetchone()[0] == before
    finally:
        other.close()
    # The shared connection is out of the probe's transaction: the bot writes as before.
    created = await scheduler.create(make_schedule("after"), actor="test")
    assert created.name == "after"


async def test_healthz_is_503_when_the_database_connection_is_gone(http, store):
    await store.close()
    status, body = await health(http)
    assert status == 503
    assert body["checks"]["database"] == "not writable: the database connection is closed"


async def test_healthz_names_each_failing_part_with_a_reason(http, gateway, scheduler):
    gateway.problem = "not connected to Discord yet"
    await scheduler.stop(timeout=5)
    status, body = await health(http)
    assert status == 503
    assert body == {
        "status": "failing",
        "checks": {
            "gateway": "not connected to Discord yet",
            "scheduler": "not running",
            "database": "ok",
        },
    }


def test_gateway_of_a_bot_that_never_connected_is_reported(tmp_path):
    settings = Settings.model_validate({"storage": {"path": str(tmp_path / "b.db")}})
    bot = create_bot(settings, shard_count=1, start_scheduler=False)
    assert gateway_problem(bot) == "not connected to Discord yet"


async def test_a_bot_not_set_up_is_unhealthy_and_closing_it_stops_the_server(tmp_path):
    settings = Settings.model_validate({"storage": {"path": str(tmp_path / "b.db")}})
    bot = create_bot(settings, shard_count=1, start_scheduler=False)
    async with aiohttp.ClientSession() as session:
        async with bot:  # leaving it closes the bot, as `summarybot run` does
            server = HealthServer(bot_checks(bot), bot.metrics, host="127.0.0.1", port=0)
            await server.start()
            bot.http_server = server
            url = f"http://127.0.0.1:{server.port}/healthz"
            async with session.get(url) as response:
                status, body = response.status, await response.json()
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(url)

    assert status == 503
    assert body["checks"] == {
        "gateway": "not connected to Discord yet",
        "scheduler": "not set up yet",
        "database": "not open yet",
    }


async def test_a_taken_port_is_one_clear_error(server, metrics):
    checks = HealthChecks(gateway=Gateway(), scheduler=Gateway(), database=_healthy_database)
    second = HealthServer(checks, metrics, host="127.0.0.1", port=server.port)
    with pytest.raises(HttpServerError, match=rf"127\.0\.0\.1:{server.port} \(\[http\] host"):
        await second.start()


async def _healthy_database() -> str | None:
    return None


# --- /metrics -------------------------------------------------------------------------------


async def test_metrics_parse_and_count_a_run_and_its_deliveries(http, scheduler, deliverer):
    before = await scrape(http)
    assert before[("summarybot_runs_total", (("status", "succeeded"),))] == 0
    schedule = await scheduler.create(make_schedule("release"), actor="test")
    deliverer.failing = {"d_file"}

    run = await scheduler.trigger(schedule.id, actor="test")

    assert run is not None
    after = await scrape(http)
    assert after[("summarybot_runs_total", (("status", "partial"),))] == 1
    assert after[("summarybot_runs_total", (("status", "succeeded"),))] == 0
    delivered = ("summarybot_deliveries_total", (("kind", "channel"), ("status", "delivered")))
    failed = ("summarybot_deliveries_total", (("kind", "file"), ("status", "failed")))
    assert after[delivered] == 1
    assert after[failed] == 1
    assert after[("summarybot_run_duration_seconds_count", ())] == 1
    assert after[("summarybot_run_duration_seconds_sum", ())] > 0
    assert after[("summarybot_schedules", (("status", "active"),))] == 1
    assert after[("summarybot_runs_waiting", ())] == 0
    assert after[("summarybot_llm_tokens_total", (("kind", "prompt"),))] == 0


async def test_metrics_show_runs_waiting_for_a_slot_and_in_progress(http, scheduler, source):
    first = await scheduler.create(make_schedule("first"), actor="test")
    second = await scheduler.create(make_schedule("second"), actor="test")
    source.gate = asyncio.Event()
    slots = scheduler.context.slots = WatchedSlots(1)
    holding = asyncio.create_task(scheduler.trigger(first.id, actor="test"))
    await source.fetching.wait()
    queued = asyncio.create_task(scheduler.trigger(second.id, actor="test"))
    await slots.queued.wait()

    busy = await scrape(http)
    source.gate.set()
    await asyncio.gather(holding, queued)
    idle = await scrape(http)

    assert busy[("summarybot_runs_waiting", ())] == 1
    assert busy[("summarybot_runs_in_progress", ())] == 1
    assert busy[("summarybot_run_slots", ())] == 1
    assert idle[("summarybot_runs_waiting", ())] == 0
    assert idle[("summarybot_runs_in_progress", ())] == 0
    assert idle[("summarybot_runs_total", (("status", "succeeded"),))] == 2


async def test_metrics_still_answer_when_the_database_is_gone(http, store):
    await store.close()
    samples = await scrape(http)
    assert ("summarybot_runs_total", (("status", "failed"),)) in samples


class WatchedSlots(PrioritySlots):
    """The run slots, telling when a run has to queue for one."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self.queued = asyncio.Event()

    async def acquire(self, priority, due) -> None:
        if self.free == 0:
            self.queued.set()
        await super().acquire(priority, due)
