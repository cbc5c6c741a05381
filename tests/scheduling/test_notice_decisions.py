"""Which notices a run's outcome produces: failures from the first, then pause, end, recovery.

The scheduler decides and words the notices (the bot keeps one a day per schedule and kind):
these tests run the real jobs and outbox over a real database, with a scripted sender.
"""

from __future__ import annotations

import sqlite3
from datetime import time, timedelta

import pytest
from scheduling_fakes import DAY0, FakeClock, FakeSource, make_schedule, open_store

from delivery.fanout import SendOutcome
from delivery.models import FileDestination, WebhookDestination
from delivery.settings import DeliverySettings
from scheduling import jobs
from scheduling.models import Once, RunStatus, ScheduleStatus
from scheduling.notices import local_time
from scheduling.outbox import Outbox
from scheduling.scheduler import TaskScheduler
from scheduling.settings import RetentionSettings, SchedulingSettings
from scheduling.store import Store, migrations
from summarizer import summarize

SLOT1 = DAY0.replace(hour=9)  # Monday 2 March 2026, 09:00 UTC
DAY = timedelta(days=1)
HOOK = WebhookDestination(
    id="d_hook", url="https://hooks.example.com/secret-path", secret="whsec_dGVzdA=="
)
FILE = FileDestination(id="d_file")
FAIL = SendOutcome(ok=False, http_status=500, error="HTTP 500")


class ScriptedSender:
    """Delivers unless a destination id is in `failing` (then answers HTTP 500)."""

    def __init__(self) -> None:
        self.failing: set[str] = set()

    async def send(self, target, summary, context):
        if target.destination.id in self.failing:
            return FAIL
        return SendOutcome(ok=True, http_status=200)


class World:
    """A scheduler with the real outbox; `notices` is everything it asked the bot to tell."""

    def __init__(self, tmp_path, url: str | None = None) -> None:
        self.path = tmp_path / "bot.db"
        self.url = url
        self.file_root = tmp_path / "digests"
        self.clock = FakeClock(DAY0)
        self.sender = ScriptedSender()
        self.notices: list = []
        self.store: Store | None = None
        self.scheduler: TaskScheduler | None = None
        self.schedule = None

    async def notify(self, notice) -> None:
        self.notices.append(notice)

    async def open(self) -> TaskScheduler:
        self.store = await open_store(self.path, self.url)
        outbox = Outbox(
            self.store,
            {"webhook": self.sender, "file": self.sender},
            DeliverySettings(
                max_attempts=1, retry_base_seconds=0, max_consecutive_destination_failures=4
            ),
            self.clock,
            self.notify,
        )
        self.scheduler = TaskScheduler(
            self.store,
            SchedulingSettings(retry_attempts=1, retry_base_seconds=10, max_consecutive_failures=3),
            RetentionSettings(),
            source=FakeSource(),
            summarize=summarize,
            deliver=outbox,
            file_root=self.file_root,
            max_messages=500,
            min_messages=1,
            clock=self.clock,
            notify=self.notify,
        )
        return self.scheduler

    async def close(self) -> None:
        await self.scheduler.stop(timeout=1)
        await self.store.close()

    async def create(self, **changes) -> None:
        changes.setdefault("destinations", (HOOK, FILE))
        self.schedule = await self.scheduler.create(make_schedule(**changes), actor="user:7")

    async def fire(self, at):
        """A scheduled slot, and its one retry if it fails: the run as it ends for good."""
        self.clock.now = at
        run = await jobs.run_summary(self.scheduler.context, self.schedule.id)
        if run.status is RunStatus.FAILED and run.attempt == 1:
            self.told_before_retry = list(self.notices)
            self.clock.now = at + timedelta(minutes=1)
            run = await jobs.run_summary(
                self.scheduler.context, self.schedule.id, retry_run_id=run.id
            )
        return run

    def kinds(self) -> list[str]:
        return [n.kind for n in self.notices]


@pytest.fixture
async def world(tmp_path, database_url):
    made = World(tmp_path, database_url)
    await made.open()
    yield made
    await made.close()


async def test_a_run_failing_after_its_retries_is_told_with_what_happens_next(world):
    await world.create()
    world.sender.failing = {"d_hook", "d_file"}

    run = await world.fire(SLOT1)

    assert world.told_before_retry == []  # a failure with a retry left is not news yet
    assert run.status is RunStatus.FAILED
    [notice] = world.notices
    assert notice.kind == "run_failed"
    assert notice.schedule_id == world.schedule.id
    assert "the run of Mon 2 Mar 09:00 UTC failed after 2 attempts" in notice.message
    assert "2 of 2 destinations failed" in notice.message
    assert "HTTP 500" in notice.message
    assert "The next run is at Tue 3 Mar 09:00 UTC" in notice.message
    assert "after 2 more failures in a row the schedule pauses" in notice.message
    assert "secret-path" not in notice.message


async def test_each_failed_run_counts_down_to_the_auto_pause_which_is_told_too(world):
    await world.create()
    world.sender.failing = {"d_hook", "d_file"}

    for day in range(3):
        await world.fire(SLOT1 + day * DAY)

    assert world.kinds() == ["run_failed", "run_failed", "auto_paused"]
    second = world.notices[1].message
    assert "That makes 2 failed runs in a row" in second
    assert "after 1 more failure in a row the schedule pauses" in second
    schedule = await world.store.get_schedule(world.schedule.id)
    assert schedule.status is ScheduleStatus.PAUSED


def test_times_are_told_in_the_schedules_own_zone():
    assert local_time(SLOT1, "Europe/Berlin") == "Mon 2 Mar 10:00 Europe/Berlin"
    assert local_time(SLOT1, "UTC") == "Mon 2 Mar 09:00 UTC"


async def test_a_destination_failing_while_the_others_deliver_is_told(world):
    await world.create()
    world.sender.failing = {"d_hook"}

    run = await world.fire(SLOT1)

    assert run.status is RunStatus.PARTIAL
    [notice] = world.notices
    assert notice.kind == "destination_failing"
    assert notice.destination_id == "d_hook"
    assert notice.claim_kind == "destination_failing:d_hook"
    assert "destination `d_hook` (webhook) failed in the run of Mon 2 Mar" in notice.message
    assert "The other destinations got the digest" in notice.message
    assert "After 3 more failed runs in a row it is disabled" in notice.message
    assert "hooks.example.com" not in notice.message

    await world.fire(SLOT1 + DAY)

    assert "It has failed 2 runs in a row" in world.notices[1].message
    assert "After 2 more failed runs" in world.notices[1].message


async def test_the_run_that_disables_a_destination_tells_only_that(world):
    await world.create()
    world.sender.failing = {"d_hook"}

    for day in range(4):
        await world.fire(SLOT1 + day * DAY)

    assert world.kinds() == ["destination_failing"] * 3 + ["destination_disabled"]
    assert world.notices[-1].destination_id == "d_hook"


async def test_the_first_success_after_a_told_failure_is_told_once(world):
    await world.create()
    await world.fire(SLOT1)
    assert world.notices == []  # nothing failed: nothing to recover from
    world.sender.failing = {"d_hook", "d_file"}
    await world.fire(SLOT1 + DAY)
    world.sender.failing = set()

    await world.fire(SLOT1 + 2 * DAY)
    await world.fire(SLOT1 + 3 * DAY)

    assert world.kinds() == ["run_failed", "recovered"]
    recovered = world.notices[1]
    assert "delivers again: the run of Wed 4 Mar 09:00 UTC succeeded" in recovered.message


async def test_a_partial_run_is_no_recovery_and_the_recovery_outlives_a_restart(world):
    await world.create()
    world.sender.failing = {"d_hook"}
    await world.fire(SLOT1)
    world.sender.failing = {"d_file"}
    await world.fire(SLOT1 + DAY)  # partial again: not recovered yet
    assert "recovered" not in world.kinds()

    await world.close()
    await world.open()
    world.sender.failing = set()
    await world.fire(SLOT1 + 2 * DAY)

    assert world.kinds()[-1] == "recovered"


async def test_the_recovery_names_destinations_still_disabled(world):
    await world.create()
    world.sender.failing = {"d_hook"}
    for day in range(4):  # disabled by the fourth failure
        await world.fire(SLOT1 + day * DAY)

    await world.fire(SLOT1 + 4 * DAY)

    assert world.kinds()[-1] == "recovered"
    assert "Still disabled: `d_hook`" in world.notices[-1].message


async def test_a_schedule_reaching_max_runs_or_end_at_is_told_it_completed(world):
    await world.create(max_runs=1)

    await world.fire(SLOT1)

    [notice] = world.notices
    assert notice.kind == "completed"
    assert "has completed" in notice.message
    assert "Nothing more runs" in notice.message

    await world.create(end_at=SLOT1 + 2 * DAY + timedelta(hours=1))
    await world.fire(SLOT1 + 2 * DAY)

    assert world.kinds() == ["completed", "completed"]
    assert "end time" in world.notices[1].message


async def test_a_one_off_completing_is_not_news(world):
    await world.create(recurrence=Once(date=SLOT1.date(), time=time(9, 0)))

    await world.fire(SLOT1)

    assert (await world.store.get_schedule(world.schedule.id)).status is ScheduleStatus.COMPLETED
    assert world.notices == []


async def test_claims_made_before_kinds_stay_readable_and_block_no_kind(tmp_path):
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    for version, _name, sql in migrations():
        if version <= 3:
            raw.executescript(sql)
    raw.execute("PRAGMA user_version = 3")
    raw.execute("INSERT INTO notices_sent (subject, day) VALUES ('schedule:a', '2026-03-02')")
    raw.commit()
    raw.close()

    async with await Store.open(path) as store:
        assert await store.notice_claims("schedule:a") == [("", "2026-03-02")]
        assert await store.claim_notice("schedule:a", "auto_paused", "2026-03-02")
        assert not await store.claim_notice("schedule:a", "auto_paused", "2026-03-02")
        assert await store.claim_notice("schedule:a", "run_failed", "2026-03-02")
        assert await store.notice_claims("schedule:a") == [
            ("", "2026-03-02"),
            ("auto_paused", "2026-03-02"),
            ("run_failed", "2026-03-02"),
        ]
