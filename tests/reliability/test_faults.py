"""Faults: one destination (or the model, or Discord) misbehaves; the rest of the digest does not.

For every fault this proves, on the real code paths, that
- the other destinations of the same run are delivered, once each;
- the failing delivery row ends `failed` with an error that names what happened (a timeout, a
  reset connection, HTTP 500, HTTP 429 after waiting out `Retry-After`, 410 Gone, which also
  disables the destination, a read-only digest folder) and the run ends `partial`;
- the schedule keeps its rhythm: APScheduler fires the next slot on time, and its window starts
  where the previous one ended;
- nothing already stored is lost: the earlier run, its deliveries, its stored digest and its
  file are unchanged.

A model that hangs or answers garbage still gets the digest out: the offline summary, with a
note that says why. Discord answering 5xx and dropping the gateway mid-run still gets the digest
posted exactly once, and the bot resumes its session.

Webhook faults, the read-only folder and the model faults run in-process with what
`SummaryBot.setup_hook` composes (store, TaskScheduler on the wall clock, Outbox, WebhookSender,
FileSender, LLMEngine) against misbehaving servers on 127.0.0.1 (`faults_helpers`). The Discord
faults run the real `summarybot run` process against the wire-level fake (tests/e2e fixtures).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from faults_helpers import DELIVERY, SCHEDULING, Endpoints, FakeClock, Rig, make_read_only
from standardwebhooks import Webhook

from delivery.models import ChannelDestination, FileDestination, WebhookDestination
from delivery.paths import file_name
from delivery.signing import new_signing_secret
from scheduling import jobs
from scheduling.models import (
    Daily,
    Delivery,
    DeliveryStatus,
    Interval,
    Run,
    RunStatus,
    Schedule,
    ScheduleStatus,
    utc_now,
)
from scheduling.store import Store
from summarizer.llm import LLMEngine
from summarizer.models import GuildRef, Summary, SummaryOptions
from summarizer.settings import LLMSettings
from tests.e2e import conftest as e2e
from tests.e2e.test_schedules_fire import CHAT, seed_chat
from tests.summarizer.fake_openai import FakeOpenAI, Reply, completion
from tests.summarizer.helpers import message

pytestmark = pytest.mark.reliability

# The real `summarybot run` against the wire-level fake (tests/e2e/conftest.py).
fake_discord = e2e.fake_discord
seeded = e2e.seeded
bot_process = e2e.bot_process
receiver = e2e.receiver

# A slot APScheduler fires must start this close to its time.
ON_TIME = timedelta(seconds=1)
OFFLINE = "this is the offline summary"
DELIVERY_ATTEMPTS = DELIVERY.max_attempts


@pytest.fixture
async def endpoints() -> AsyncIterator[Endpoints]:
    made = Endpoints()
    await made.start()
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture
async def make_rig(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Rig]]]:
    """`await make_rig(period=1, ...)`: a Rig (see faults_helpers) closed at teardown."""
    made: list[Rig] = []

    async def make(**options: Any) -> Rig:
        made.append(await Rig(tmp_path, **options).open())
        return made[-1]

    try:
        yield make
    finally:
        for rig in made:
            await rig.close()


@pytest.fixture
def openai() -> Iterator[FakeOpenAI]:
    yield from FakeOpenAI().run()


def hook(endpoints: Endpoints, path: str, name: str) -> WebhookDestination:
    return WebhookDestination(id=name, url=endpoints.url(path), secret=new_signing_secret())


async def stored(rig: Rig, run: Run) -> tuple[Run | None, list[Delivery], str | None]:
    """What the store holds about a run: the row, its deliveries and its digest."""
    assert rig.store is not None
    assert run.id is not None
    return (
        await rig.store.get_run(run.id),
        await rig.store.list_deliveries(run_id=run.id),
        await rig.store.load_summary(run.id),
    )


def file_of(delivery: Delivery) -> Path:
    """The file a delivered file destination wrote (its external id)."""
    assert delivery.external_id is not None, delivery
    return Path(delivery.external_id)


def read(path: Path) -> bytes:
    return path.read_bytes()


async def rows_of(rig: Rig, run: Run) -> dict[str, Delivery]:
    assert rig.store is not None
    return {d.destination_id: d for d in await rig.store.list_deliveries(run_id=run.id)}


async def digest_of(rig: Rig, run: Run) -> Summary:
    assert rig.store is not None
    text = await rig.store.load_summary(run.id or 0)
    assert text is not None
    return Summary.model_validate_json(text)


def assert_rhythm(rig: Rig, prior: Run, *fired: Run) -> None:
    """Each fired slot is a period after the one before, started on time, continues its window."""
    previous = prior
    for run in fired:
        assert run.scheduled_for == previous.scheduled_for + timedelta(seconds=rig.period), fired
        assert timedelta(0) <= run.started_at - run.scheduled_for < ON_TIME, run
        assert run.window_start == previous.window_end, (previous, run)
        assert run.window_end == run.scheduled_for, run
        previous = run


async def fire_with_fault(
    rig: Rig, endpoints: Endpoints, *destinations: WebhookDestination | FileDestination
) -> tuple[Schedule, Run, Run, Run]:
    """One clean run already stored, then the fault on and two slots fired by APScheduler."""
    schedule, prior = await rig.schedule_with_a_past_run(*destinations)
    before = await stored(rig, prior)
    endpoints.faulty = True
    await rig.start()
    runs = await rig.wait_runs(schedule.id, 3)
    assert runs[0].id == prior.id
    assert await stored(rig, prior) == before, "a fault changed what was stored before it"
    return schedule, prior, runs[1], runs[2]


async def assert_contained(
    rig: Rig, endpoints: Endpoints, path: str, runs: tuple[Run, ...], *, attempts: int
) -> Delivery:
    """Every run delivered /ok and the file once each; the bad row of each fired run failed."""
    fired = runs[1:]
    ok_hits = [hit.webhook_id for hit in endpoints.hits_on("/ok")]
    for run in runs:
        rows = await rows_of(rig, run)
        assert rows["d_ok"].status is DeliveryStatus.DELIVERED, rows["d_ok"]
        assert rows["d_ok"].attempts == 1
        assert ok_hits.count(rows["d_ok"].id) == 1, "the healthy webhook got a duplicate"
        assert rows["d_file"].status is DeliveryStatus.DELIVERED, rows["d_file"]
        # Slots seconds apart share one `{window_end}` file name (minute resolution; see the
        # manual-run bug below), so only its existence is checked here, not who wrote it.
        assert file_of(rows["d_file"]).is_file()
    bad_rows = []
    for run in fired:
        bad = (await rows_of(rig, run))["d_bad"]
        assert bad.status is DeliveryStatus.FAILED, bad
        assert bad.attempts == attempts, bad
        # Every attempt reached the endpoint, all with the row's id (the consumer's dedup key).
        assert [h.webhook_id for h in endpoints.hits_on(path)].count(bad.id) == attempts
        assert run.status is RunStatus.PARTIAL, run
        assert run.error == f"1 of 3 destinations failed: webhook d_bad: {bad.last_error}"
        bad_rows.append(bad)
    first, second = bad_rows
    assert (first.last_error, first.http_status) == (second.last_error, second.http_status)
    return first


# --- webhooks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "error", "status", "period"),
    [
        pytest.param("/hang", r"timed out after 0\.4 s", None, 2, id="timeout"),
        pytest.param(
            "/reset",
            r"ClientOSError: \[Errno \d+\] Connection reset by peer",
            None,
            1,
            id="connection-reset",
        ),
        pytest.param("/trickle", r"timed out after 0\.4 s", None, 2, id="byte-by-byte"),
        pytest.param("/500", r"HTTP 500: internal error", 500, 1, id="500-forever"),
    ],
)
async def test_a_failing_webhook_fails_alone_truthfully_and_on_rhythm(
    make_rig, endpoints, path, error, status, period
):
    rig = await make_rig(period=period)
    _, prior, first, second = await fire_with_fault(
        rig,
        endpoints,
        hook(endpoints, "/ok", "d_ok"),
        FileDestination(id="d_file"),
        hook(endpoints, path, "d_bad"),
    )

    bad = await assert_contained(
        rig, endpoints, path, (prior, first, second), attempts=DELIVERY_ATTEMPTS
    )
    assert re.fullmatch(error, bad.last_error or ""), bad.last_error
    assert bad.http_status == status
    assert_rhythm(rig, prior, first, second)
    # Only the failing destination is news (the bot posts one such notice a day).
    assert {(n.kind, n.destination_id) for n in rig.notices} == {("destination_failing", "d_bad")}


async def test_429_waits_for_retry_after_then_fails_alone(make_rig, endpoints):
    rig = await make_rig(period=2)
    _, prior, first, second = await fire_with_fault(
        rig,
        endpoints,
        hook(endpoints, "/ok", "d_ok"),
        FileDestination(id="d_file"),
        hook(endpoints, "/429", "d_bad"),
    )

    bad = await assert_contained(
        rig, endpoints, "/429", (prior, first, second), attempts=DELIVERY_ATTEMPTS
    )
    assert (bad.last_error, bad.http_status) == ("HTTP 429: slow down", 429)
    tries = [hit.at for hit in endpoints.hits_on("/429") if hit.webhook_id == bad.id]
    assert tries[1] - tries[0] >= 0.95, "Retry-After: 1 was not waited out"
    assert_rhythm(rig, prior, first, second)


async def test_410_disables_the_webhook_and_the_next_run_leaves_it_out(make_rig, endpoints):
    rig = await make_rig(period=1)
    schedule, prior, first, second = await fire_with_fault(
        rig,
        endpoints,
        hook(endpoints, "/ok", "d_ok"),
        FileDestination(id="d_file"),
        hook(endpoints, "/410", "d_bad"),
    )

    gone = (await rows_of(rig, first))["d_bad"]
    assert (gone.status, gone.attempts) == (DeliveryStatus.FAILED, 1)
    assert (gone.last_error, gone.http_status) == ("HTTP 410: gone", 410)
    assert first.status is RunStatus.PARTIAL
    assert first.error == "1 of 3 destinations failed: webhook d_bad: HTTP 410: gone"
    reason = "the destination answered HTTP 410: gone; it no longer exists"
    assert rig.store is not None
    after = await rig.store.get_schedule(schedule.id)
    assert after is not None
    assert {d.id: d.disabled_reason for d in after.destinations} == {
        "d_ok": None,
        "d_file": None,
        "d_bad": reason,
    }
    assert after.status is ScheduleStatus.ACTIVE
    [notice] = rig.notices
    assert notice.kind == "destination_disabled"
    assert reason in notice.message
    # The next slot goes to the destinations that still exist, and succeeds.
    assert second.status is RunStatus.SUCCEEDED, second
    assert set(await rows_of(rig, second)) == {"d_ok", "d_file"}
    assert [h.webhook_id for h in endpoints.hits_on("/410")].count(gone.id) == 1
    for run in (prior, first, second):
        rows = await rows_of(rig, run)
        assert rows["d_ok"].status is rows["d_file"].status is DeliveryStatus.DELIVERED
    assert_rhythm(rig, prior, first, second)


# --- the digest folder -------------------------------------------------------------------------


async def test_a_read_only_digest_folder_fails_only_the_file(make_rig, endpoints, request):
    rig = await make_rig(period=1)
    schedule, prior = await rig.schedule_with_a_past_run(
        hook(endpoints, "/ok", "d_ok"), FileDestination(id="d_file")
    )
    before = await stored(rig, prior)
    written = file_of((await rows_of(rig, prior))["d_file"])
    content = read(written)
    relative = written.relative_to(rig.file_root.resolve())

    read_only = make_read_only(rig.file_root, written.parent)
    request.addfinalizer(read_only.undo)
    await rig.start()
    _, first, second = await rig.wait_runs(schedule.id, 3)

    for run in (first, second):
        rows = await rows_of(rig, run)
        assert rows["d_ok"].status is DeliveryStatus.DELIVERED
        failed = rows["d_file"]
        assert failed.status is DeliveryStatus.FAILED, failed
        assert failed.attempts == DELIVERY_ATTEMPTS
        name = file_name(
            FileDestination(id="d_file"),
            guild=1,
            channel=100,
            schedule=schedule.id,
            window_end=run.window_end,
        )
        assert failed.last_error == f"cannot write {name}: {read_only.strerror}", read_only.how
        assert run.status is RunStatus.PARTIAL
        assert run.error == f"1 of 2 destinations failed: file d_file: {failed.last_error}"
    assert_rhythm(rig, prior, first, second)
    assert await stored(rig, prior) == before
    assert read(read_only.tree / relative) == content, "the earlier digest file changed"
    files = [p.name for p in read_only.tree.rglob("*") if p.is_file()]
    assert files == [written.name], "a failed write left a temporary file behind"


# --- the model ---------------------------------------------------------------------------------


async def test_a_hanging_then_garbling_model_still_delivers_the_offline_digest(
    make_rig, endpoints, openai
):
    settings = LLMSettings(base_url=openai.url, model="gpt-test", timeout_seconds=0.3)
    rig = await make_rig(period=1, llm=settings)
    schedule, prior = await rig.schedule_with_a_past_run(
        hook(endpoints, "/ok", "d_ok"), FileDestination(id="d_file", format="json")
    )
    before = await stored(rig, prior)
    assert (await digest_of(rig, prior)).notes == []  # the model wrote this one
    garbage = completion("Sure! Here is a summary of the conversation you sent me.")
    # The first fired slot finds the model hanging; the second gets prose, twice (the engine
    # asks once more, quoting the schema error), instead of the JSON it asked for.
    openai.queue(Reply(hang=True), garbage, garbage)
    await rig.start()
    _, first, second = await rig.wait_runs(schedule.id, 3)

    hung, garbled = await digest_of(rig, first), await digest_of(rig, second)
    assert hung.notes == [f"the model was unreachable (no answer within 0.3 s); {OFFLINE}"]
    [note] = garbled.notes
    assert re.fullmatch(
        r"the model's answer did not fit the summary schema after one repair attempt "
        rf"\(.+\); {OFFLINE}",
        note,
    ), note
    assert hung.engine == garbled.engine == "extractive"  # the digest says what wrote it
    assert len(openai.chats) == 1 + 1 + 2
    events = {hit.webhook_id: json.loads(hit.body) for hit in endpoints.hits_on("/ok")}
    for run, digest in ((first, hung), (second, garbled)):
        assert run.status is RunStatus.SUCCEEDED, run
        assert digest.topics, "the offline digest is empty"
        rows = await rows_of(rig, run)
        assert {r.status for r in rows.values()} == {DeliveryStatus.DELIVERED}
        # The consumer sees why, too.
        assert events[rows["d_ok"].id]["data"]["summary"]["notes"] == digest.notes
    latest = file_of((await rows_of(rig, second))["d_file"])
    assert json.loads(read(latest))["notes"] == garbled.notes
    assert_rhythm(rig, prior, first, second)
    assert await stored(rig, prior) == before


async def test_a_model_answering_garbage_is_not_reported_unreachable(openai):
    # The server answered 200 with JSON that is not a chat completion (a proxy's error page as
    # JSON, a wrong path): it was reachable, and the note must not send the admin hunting for a
    # network problem.
    openai.queue(Reply(body={"status": "ok", "result": ["not", "a", "completion"]}))
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    options = SummaryOptions(engine="llm", generated_at=at, guild=GuildRef(id=1, name="g"))
    chat = [message(1, "Shall we ship on Friday?"), message(2, "Friday works.", author=2)]
    async with aiohttp.ClientSession() as session:
        engine = LLMEngine(LLMSettings(base_url=openai.url, model="gpt-test"), session)
        digest = await engine(chat, options)
    [note] = digest.notes
    assert "no choices[0].message.content" in note
    assert note.endswith(OFFLINE)
    assert "unreachable" not in note, note


# --- faults that outlast their budget ----------------------------------------------------------


async def test_a_delivery_retrying_past_the_next_slot_delays_that_slot(make_rig, endpoints):
    # 429 with Retry-After: 1, four attempts: the first fired run spends 3 s (> the 2 s period)
    # waiting. In production: 5 attempts honouring Retry-After up to 300 s each, against a
    # 300 s minimum interval.
    delivery = DELIVERY.model_copy(update={"max_attempts": 4})
    rig = await make_rig(period=2, delivery=delivery)
    schedule, _ = await rig.schedule_with_a_past_run(
        hook(endpoints, "/ok", "d_ok"), hook(endpoints, "/429", "d_bad")
    )
    endpoints.faulty = True
    await rig.start()
    await rig.wait_runs(schedule.id, 2)
    endpoints.faulty = False  # later slots are quick
    _, first, second = await rig.wait_runs(schedule.id, 3)

    assert (await rows_of(rig, first))["d_bad"].attempts == 4
    assert second.scheduled_for == first.scheduled_for + timedelta(seconds=rig.period), (
        f"no run for the slot at {first.scheduled_for + timedelta(seconds=rig.period)}: "
        "APScheduler skipped it while the run before was still retrying a webhook"
    )


async def test_a_run_timeout_during_delivery_keeps_what_was_delivered(make_rig, endpoints):
    # scheduling.run_timeout_seconds (900 s by default) also covers the deliveries, which may
    # legitimately take longer (5 attempts, each allowed a Retry-After of up to 300 s). Here:
    # a 1 s run limit, and a hanging webhook given 3 attempts of 0.4 s.
    rig = await make_rig(
        period=2,
        delivery=DELIVERY.model_copy(update={"max_attempts": 3}),
        scheduling=SCHEDULING.model_copy(update={"run_timeout_seconds": 1}),
    )
    schedule, prior = await rig.schedule_with_a_past_run(
        hook(endpoints, "/ok", "d_ok"),
        FileDestination(id="d_file"),
        hook(endpoints, "/hang", "d_bad"),
    )
    endpoints.faulty = True
    await rig.start()
    await rig.wait_runs(schedule.id, 2)
    endpoints.faulty = False  # the next slot is quick
    _, first, second = await rig.wait_runs(schedule.id, 3)

    rows = await rows_of(rig, first)
    assert rows["d_ok"].status is rows["d_file"].status is DeliveryStatus.DELIVERED
    observed = {
        "run status": first.status,
        "run window": (first.window_start, first.window_end),
        "hanging webhook's row": rows["d_bad"].status,
        "next window starts at": second.window_start,
    }
    # The run reached two of three destinations (partial) over the window it summarized; the
    # third row ended failed, not pending for ever; the next window continues after this one,
    # so the messages already delivered are not summarized and delivered again.
    assert observed == {
        "run status": RunStatus.PARTIAL,
        "run window": (prior.window_end, first.scheduled_for),
        "hanging webhook's row": DeliveryStatus.FAILED,
        "next window starts at": first.scheduled_for,
    }, first.error


async def test_a_manual_run_in_the_same_minute_gets_its_own_digest_file(
    make_rig,
):
    # Daily at 09:00; the admin presses "run now" 40 s after the scheduled digest was written.
    # The manual run's window is [09:00:00, 09:00:40): another window, but `{window_end}` has
    # minute resolution, so its file name is the scheduled digest's, which it replaces.
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    rig = await make_rig(clock=clock)
    assert rig.store is not None
    assert rig.scheduler is not None
    schedule = Schedule(
        guild_id=1,
        created_by=7,
        channel_ids=(100,),
        recurrence=Daily(time=time(9, 0)),
        destinations=(FileDestination(id="d_file"),),
        created_at=clock.now - timedelta(days=1),
        updated_at=clock.now - timedelta(days=1),
    )
    await rig.store.insert_schedule(schedule)
    scheduled = await jobs.run_summary(rig.scheduler.context, schedule.id)
    assert scheduled is not None
    assert scheduled.status is RunStatus.SUCCEEDED
    path = file_of((await rows_of(rig, scheduled))["d_file"])
    day = read(path)

    clock.now += timedelta(seconds=40)
    manual = await rig.scheduler.trigger(schedule.id, actor="user:7", user_id=7)
    assert manual is not None
    assert manual.status is RunStatus.SUCCEEDED
    assert manual.window_start == scheduled.window_end  # a different window...
    assert file_of((await rows_of(rig, manual))["d_file"]) != path, "...written to the same file"
    assert read(path) == day


# --- Discord -----------------------------------------------------------------------------------

POST = "POST /channels/{channel_id}/messages"
HISTORY = "GET /channels/{channel_id}/messages"


async def store_digest_schedule(bot_process, seeded, receiver, secret: str) -> Schedule:
    """Hourly from 2 s from now, to #digest, a signed webhook and a file."""
    schedule = Schedule(
        guild_id=seeded.guild_id,
        created_by=seeded.admin.id,
        channel_ids=(seeded.general,),
        recurrence=Interval(seconds=3600, anchor=utc_now() + timedelta(seconds=2)),
        lookback_seconds=3600,
        destinations=(
            ChannelDestination(id="d_digest", channel_id=seeded.digest),
            WebhookDestination(id="d_hook", url=receiver.url, secret=secret),
            FileDestination(id="d_file", template="{schedule}.md"),
        ),
    )
    async with await Store.open(bot_process.database) as store:
        await store.insert_schedule(schedule)
    return schedule


async def outcome_of(bot_process, schedule: Schedule) -> tuple[Run, dict[str, Delivery], Schedule]:
    """The schedule's one run, its delivery rows and the schedule, once the bot stopped."""
    async with await Store.open(bot_process.database) as store:
        [run] = await store.list_runs(schedule.id)
        rows = {d.destination_id: d for d in await store.list_deliveries(run_id=run.id)}
        after = await store.get_schedule(schedule.id)
    assert after is not None
    return run, rows, after


async def test_discord_5xx_and_a_dropped_gateway_mid_run_still_post_the_digest_once(
    bot_process, fake_discord, seeded, receiver
):
    seed_chat(fake_discord, seeded)
    secret = new_signing_secret()
    schedule = await store_digest_schedule(bot_process, seeded, receiver, secret)
    # Reading the history and posting the digest each meet one server error first (discord.py
    # waits 1 s and retries); the gateway drops while the post is waiting for its retry.
    fake_discord.fail_next(HISTORY, times=1, status=500)
    fake_discord.fail_next(POST, times=1, status=502)

    await bot_process.start()
    await bot_process.wait_ready()
    await fake_discord.wait_for(
        lambda: any(r.route == POST and r.status == 502 for r in fake_discord.requests),
        timeout=20,
    )
    await fake_discord.drop_websocket()
    await fake_discord.wait_for(
        lambda: (
            bool(fake_discord.posted(seeded.digest))
            and bool(receiver.received)
            and fake_discord.gateway.resumes >= 1
            and bool(fake_discord.gateway.connected)
        ),
        timeout=20,
    )
    assert fake_discord.gateway.identifies == 1, "the session was not resumed"
    assert not bot_process.exited(), bot_process.stderr
    assert await bot_process.stop() == 0

    statuses = [(r.route, r.status) for r in fake_discord.requests if r.route in (POST, HISTORY)]
    assert (HISTORY, 500) in statuses
    assert (POST, 502) in statuses
    [posted] = fake_discord.posted(seeded.digest)
    run, rows, after = await outcome_of(bot_process, schedule)
    assert run.status is RunStatus.SUCCEEDED, run
    assert run.message_count == len(CHAT)
    # discord.py retried the 5xx inside one attempt of the fan-out.
    delivered_once = (DeliveryStatus.DELIVERED, 1)
    assert {k: (r.status, r.attempts) for k, r in rows.items()} == dict.fromkeys(
        ("d_digest", "d_hook", "d_file"), delivered_once
    )
    assert rows["d_digest"].external_id == str(posted.id)
    [(headers, body)] = receiver.received
    assert Webhook(secret).verify(body, headers)["data"]["run"]["id"] == run.id
    assert (bot_process.file_root / str(seeded.guild_id) / f"{schedule.id}.md").is_file()
    assert (after.status, after.consecutive_failures) == (ScheduleStatus.ACTIVE, 0)
