"""A schedule's digest files stay in its own guild's folder, whatever its template says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from scheduling_fakes import DAY0, FakeClock, FakeSource, make_schedule, open_store

from delivery.file import FileSender
from delivery.models import FileDestination
from delivery.settings import DeliverySettings
from scheduling import jobs
from scheduling.cleanup import delete_old_files
from scheduling.models import DeliveryStatus, RunStatus
from scheduling.outbox import Outbox
from scheduling.scheduler import TaskScheduler
from scheduling.settings import RetentionSettings, SchedulingSettings
from summarizer import summarize

SLOT1 = DAY0.replace(hour=9)
GUILD_A, GUILD_B = 111111111111111111, 222222222222222222


@pytest.fixture
async def bot(tmp_path, database_url):
    """A scheduler over a real store whose outbox writes files with the bot's `FileSender`."""
    clock = FakeClock(SLOT1)
    root = tmp_path / "digests"
    store = await open_store(tmp_path / "bot.db", database_url)

    async def notify(_notice):
        return None

    outbox = Outbox(
        store,
        {"file": FileSender(root)},
        DeliverySettings(max_attempts=2, retry_base_seconds=0),
        clock,
        notify,
    )
    scheduler = TaskScheduler(
        store,
        SchedulingSettings(retry_attempts=0),
        RetentionSettings(),
        source=FakeSource(),
        summarize=summarize,
        deliver=outbox,
        file_root=root,
        max_messages=500,
        min_messages=1,
        clock=clock,
        notify=notify,
    )
    yield SimpleNamespace(scheduler=scheduler, root=root)
    await scheduler.stop(timeout=1)
    await store.close()


async def _run(bot: SimpleNamespace, *destinations: FileDestination):
    scheduler: TaskScheduler = bot.scheduler
    schedule = await scheduler.create(
        make_schedule(guild_id=GUILD_A, destinations=destinations), actor="user:7"
    )
    run = await jobs.run_summary(scheduler.context, schedule.id)
    rows = await scheduler.context.store.list_deliveries(run_id=run.id)
    return schedule, run, {row.destination_id: row for row in rows}


async def test_a_template_naming_another_guild_stays_in_its_own_guild_folder(bot):
    _, run, rows = await _run(bot, FileDestination(id="d_file", template=f"{GUILD_B}/x.md"))
    assert run.status is RunStatus.SUCCEEDED
    own = bot.root / str(GUILD_A) / str(GUILD_B) / "x.md"
    assert rows["d_file"].status is DeliveryStatus.DELIVERED
    assert rows["d_file"].external_id == str(own.resolve())
    assert own.is_file()
    assert not (bot.root / str(GUILD_B)).exists()


async def test_the_old_and_new_default_templates_name_the_same_file(bot):
    schedule, _, rows = await _run(
        bot,
        FileDestination(id="d_new"),
        FileDestination(id="d_old", template="{guild}/{schedule}/{window_end}.md"),
    )
    expected = bot.root / str(GUILD_A) / schedule.id / "2026-03-02T0900Z.md"
    assert rows["d_new"].external_id == rows["d_old"].external_id == str(expected.resolve())
    # Retention still finds digest files inside guild folders.
    assert delete_old_files(bot.root, datetime.now(UTC) + timedelta(days=1)) == 1
    assert not expected.exists()


async def test_a_stored_template_refused_today_loads_and_fails_once_with_the_reason(bot):
    # A schedule stored by an older version that accepted `.`: it still loads and runs; the
    # file delivery fails at once (no retry can fix it) instead of replacing the root.
    legacy = FileDestination.model_construct(
        id="d_dot", kind="file", template=".", format="markdown", disabled_reason=None
    )
    _, _, rows = await _run(bot, legacy)
    assert rows["d_dot"].status is DeliveryStatus.FAILED
    assert rows["d_dot"].attempts == 1
    assert "must name a file inside the digest folder" in (rows["d_dot"].last_error or "")
    assert not (bot.root / str(GUILD_A)).is_file()
