"""The outbox: attempts recorded, crashes resumed with the same ids, failing destinations off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from scheduling_fakes import DAY0, FakeClock, FakeSource, make_schedule, open_store

from delivery.fanout import SendOutcome
from delivery.models import FileDestination, WebhookDestination
from delivery.settings import DeliverySettings
from scheduling import jobs
from scheduling.models import DeliveryStatus, Run, RunStatus
from scheduling.outbox import Outbox
from scheduling.scheduler import TaskScheduler
from scheduling.settings import RetentionSettings, SchedulingSettings
from summarizer import summarize

SLOT1 = DAY0.replace(hour=9)
HOOK = WebhookDestination(id="d_hook", url="https://hooks.example.com/x", secret="whsec_dGVzdA==")
FILE = FileDestination(id="d_file")


class RecordingSender:
    """Answers from a script per destination id; remembers every (delivery id, summary title)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.previous: list[str | None] = []
        self.script: dict[str, list[SendOutcome]] = {}

    async def send(self, target, summary, context):
        self.sent.append((target.delivery_id, summary.generated_at.isoformat()))
        self.previous.append(target.previous_external_id)
        answers = self.script.get(target.destination.id) or [SendOutcome(ok=True, http_status=200)]
        return answers.pop(0) if len(answers) > 1 else answers[0]


@pytest.fixture
async def world(tmp_path, database_url):
    clock = FakeClock(SLOT1)
    sender = RecordingSender()
    notices = []
    state = {"store": None, "scheduler": None}

    async def notify(notice):
        notices.append(notice)

    async def open_scheduler(start=False):
        store = await open_store(tmp_path / "bot.db", database_url)
        outbox = Outbox(
            store,
            {"webhook": sender, "file": sender, "channel": sender},
            DeliverySettings(
                max_attempts=2, retry_base_seconds=0, max_consecutive_destination_failures=3
            ),
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
            file_root=tmp_path / "digests",
            max_messages=500,
            min_messages=1,
            clock=clock,
            notify=notify,
        )
        if start:
            await scheduler.start()
            await scheduler.wait_idle()
        state.update(store=store, scheduler=scheduler)
        return scheduler

    async def close():
        await state["scheduler"].stop(timeout=1)
        await state["store"].close()

    class World:
        pass

    made = World()
    made.clock, made.sender, made.notices = clock, sender, notices
    made.open, made.close, made.state = open_scheduler, close, state
    await open_scheduler()
    made.schedule = await state["scheduler"].create(
        make_schedule(destinations=(HOOK, FILE)), actor="user:7"
    )
    yield made
    await close()


async def _fire(world, at):
    world.clock.now = at
    return await jobs.run_summary(world.state["scheduler"].context, world.schedule.id)


async def test_every_row_ends_delivered_with_its_attempts(world):
    world.sender.script["d_hook"] = [
        SendOutcome(ok=False, http_status=500, error="HTTP 500"),
        SendOutcome(ok=True, http_status=200),
    ]
    run = await _fire(world, SLOT1)
    assert run.status is RunStatus.SUCCEEDED
    rows = {d.destination_id: d for d in await world.state["store"].list_deliveries(run_id=run.id)}
    assert rows["d_hook"].status is DeliveryStatus.DELIVERED
    assert rows["d_hook"].attempts == 2
    assert rows["d_hook"].http_status == 200
    assert rows["d_file"].attempts == 1


async def test_a_crash_mid_run_resumes_with_the_same_delivery_ids_and_summary(world):
    store = world.state["store"]
    scheduler = world.state["scheduler"]
    # What a run had done when the process died: slot claimed, window set, digest stored,
    # outbox written, the webhook sent (but not recorded), the file not yet written.
    claimed = await store.claim_run(
        Run(schedule_id=world.schedule.id, scheduled_for=SLOT1, started_at=SLOT1)
    )
    claimed = claimed.model_copy(
        update={"window_start": SLOT1 - timedelta(days=1), "window_end": SLOT1}
    )
    await store.update_run(claimed)
    source = await scheduler.context.source.fetch((100,), claimed.window_start, SLOT1, limit=50)
    from summarizer.models import SummaryOptions

    digest = await summarize(source.messages, SummaryOptions(generated_at=SLOT1))
    await store.save_summary(claimed.id, digest.model_dump_json(by_alias=True))
    rows = await store.create_deliveries(claimed.id, (HOOK, FILE), SLOT1)
    ids = {row.destination_id: row.id for row in rows}
    world.sender.sent.append((ids["d_hook"], SLOT1.isoformat()))  # the send before the crash
    await world.close()

    world.clock.now = SLOT1 + timedelta(minutes=3)
    await world.open(start=True)
    store = world.state["store"]
    run = await store.get_run(claimed.id)
    assert run.status is RunStatus.SUCCEEDED
    assert len(await store.list_runs(world.schedule.id)) == 1
    final = {d.destination_id: d for d in await store.list_deliveries(run_id=run.id)}
    assert {d.status for d in final.values()} == {DeliveryStatus.DELIVERED}
    assert {d.id for d in final.values()} == set(ids.values())
    # The consumer saw the webhook twice, both times with the same id and the same digest.
    hook_sends = [sent for sent in world.sender.sent if sent[0] == ids["d_hook"]]
    assert hook_sends == [(ids["d_hook"], SLOT1.isoformat())] * 2


async def test_delivered_rows_are_not_sent_again_when_a_cut_off_run_resumes(world):
    world.sender.script["d_hook"] = [SendOutcome(ok=False, http_status=503, error="HTTP 503")]
    world.sender.script["d_file"] = [SendOutcome(ok=True)]
    run = await _fire(world, SLOT1)
    assert run.status is RunStatus.PARTIAL
    # As if the process had stopped before the outcome was recorded.
    await world.state["store"].update_run(run.model_copy(update={"status": RunStatus.INTERRUPTED}))
    world.sender.script["d_hook"] = [SendOutcome(ok=True, http_status=200)]
    sent_before = len(world.sender.sent)
    retried = await jobs.run_summary(
        world.state["scheduler"].context, world.schedule.id, retry_run_id=run.id
    )
    assert retried.status is RunStatus.SUCCEEDED
    resent = world.sender.sent[sent_before:]
    hook_row = next(
        d
        for d in await world.state["store"].list_deliveries(run_id=run.id)
        if d.destination_id == "d_hook"
    )
    assert [delivery_id for delivery_id, _ in resent] == [hook_row.id]


async def test_410_disables_the_destination_and_tells_the_guild(world):
    world.sender.script["d_hook"] = [
        SendOutcome(ok=False, http_status=410, error="HTTP 410", gone=True)
    ]
    run = await _fire(world, SLOT1)
    assert run.status is RunStatus.PARTIAL
    schedule = await world.state["store"].get_schedule(world.schedule.id)
    hook = next(d for d in schedule.destinations if d.id == "d_hook")
    assert "no longer exists" in hook.disabled_reason
    assert [n.kind for n in world.notices] == ["destination_disabled"]
    # The next run leaves it out; the other destination keeps working.
    nxt = await _fire(world, SLOT1 + timedelta(days=1))
    assert nxt.status is RunStatus.SUCCEEDED
    rows = await world.state["store"].list_deliveries(run_id=nxt.id)
    assert [d.destination_id for d in rows] == ["d_file"]


async def test_a_destination_failing_run_after_run_is_disabled(world):
    world.sender.script["d_hook"] = [SendOutcome(ok=False, http_status=500, error="HTTP 500")]
    for day in range(3):
        run = await _fire(world, SLOT1 + timedelta(days=day))
        assert run.status is RunStatus.PARTIAL
    schedule = await world.state["store"].get_schedule(world.schedule.id)
    hook = next(d for d in schedule.destinations if d.id == "d_hook")
    assert hook.disabled_reason.startswith("failed 3 runs in a row; last error: HTTP 500")
    file = next(d for d in schedule.destinations if d.id == "d_file")
    assert file.disabled_reason is None


async def test_a_schedule_whose_destinations_are_all_disabled_fails_its_runs(world):
    await world.state["scheduler"].edit(
        world.schedule.id,
        {
            "destinations": tuple(
                d.model_copy(update={"disabled_reason": "gone"}) for d in (HOOK, FILE)
            )
        },
        actor="user:7",
    )
    run = await _fire(world, SLOT1)
    assert run.status is RunStatus.FAILED
    assert run.error == "every destination of this schedule is disabled"


async def test_edit_mode_gets_the_message_ids_of_the_last_digest(world):
    from delivery.models import ChannelDestination

    rolling = ChannelDestination(id="d_roll", channel_id=5, mode="edit")
    await world.state["scheduler"].edit(
        world.schedule.id, {"destinations": (rolling,)}, actor="user:7"
    )
    world.sender.script["d_roll"] = [SendOutcome(ok=True, external_id="111,222")]
    await _fire(world, SLOT1)
    await _fire(world, SLOT1 + timedelta(days=1))
    assert world.sender.previous == [None, "111,222"]
