"""Destinations changed in place: re-enabled, secrets rotated (and forgotten), channels edited."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from scheduling_fakes import DAY0, FakeClock, make_schedule
from test_outbox import FILE, HOOK, SLOT1, _fire, world  # noqa: F401

from delivery.fanout import SendOutcome
from delivery.models import ChannelDestination, WebhookDestination
from scheduling.destinations import (
    drop_expired_secrets,
    edit_channel_destination,
    enable_destination,
    rotate_secret,
)
from scheduling.errors import ScheduleStateError
from scheduling.models import DeliveryStatus, Run, RunStatus
from summarizer import summarize
from summarizer.models import SummaryOptions

DAY = timedelta(days=1)


async def test_an_enabled_destination_counts_its_failures_afresh(world):  # noqa: F811
    store = world.state["store"]
    world.sender.script["d_hook"] = [SendOutcome(ok=False, http_status=500, error="HTTP 500")]
    for day in range(3):
        await _fire(world, SLOT1 + day * DAY)
    disabled = await store.get_schedule(world.schedule.id)
    assert next(d for d in disabled.destinations if d.id == "d_hook").disabled_reason

    world.clock.now = SLOT1 + 3 * DAY
    enabled = await enable_destination(
        store, world.schedule.id, "d_hook", actor="user:7", now=world.clock.now
    )
    hook = next(d for d in enabled.destinations if d.id == "d_hook")
    assert hook.disabled_reason is None
    assert hook.secret == HOOK.secret  # same id, same secret: the receiver changes nothing
    # One more failure is one failure, not the fourth in a row.
    run = await _fire(world, SLOT1 + 4 * DAY)
    assert run.status is RunStatus.PARTIAL
    after = await store.get_schedule(world.schedule.id)
    assert next(d for d in after.destinations if d.id == "d_hook").disabled_reason is None
    assert await store.failure_streak(world.schedule.id, "d_hook", 10) == 1
    [entry, *_] = await store.list_audit(schedule_id=world.schedule.id)
    assert entry.detail["destination_enabled"] == "d_hook"


async def test_enabling_a_destination_that_is_not_disabled_is_refused(world):  # noqa: F811
    with pytest.raises(ScheduleStateError, match="not disabled"):
        await enable_destination(
            world.state["store"], world.schedule.id, "d_file", actor="user:7", now=SLOT1
        )


async def test_a_resumed_delivery_is_signed_with_the_secrets_the_schedule_holds_now(world):  # noqa: F811
    store = world.state["store"]
    claimed = await store.claim_run(
        Run(schedule_id=world.schedule.id, scheduled_for=SLOT1, started_at=SLOT1)
    )
    rows = await store.create_deliveries(claimed.id, (HOOK, FILE), SLOT1)
    schedule, secret = await rotate_secret(
        store, world.schedule.id, "d_hook", actor="user:7", now=SLOT1, grace=DAY
    )
    seen = []

    class Seeing:
        async def send(self, target, summary, context):
            seen.append((target.destination, target.resend_since))
            return SendOutcome(ok=True)

    world.state["scheduler"].context.deliver.senders = {"webhook": Seeing(), "file": Seeing()}
    digest = await summarize([], SummaryOptions(generated_at=SLOT1))
    reopened = claimed.model_copy(update={"started_at": SLOT1 + timedelta(minutes=5)})
    final = await world.state["scheduler"].context.deliver(schedule, reopened, digest, rows)

    assert {row.status for row in final} == {DeliveryStatus.DELIVERED}
    [(hook, since)] = [(d, s) for d, s in seen if d.id == "d_hook"]
    assert (hook.secret, hook.previous_secret) == (secret, HOOK.secret)
    assert since == SLOT1  # it may have been sent before: senders that can, look first


async def test_rotation_keeps_the_old_secret_for_the_grace_period_and_audits_no_secret(store):
    schedule = make_schedule(destinations=(HOOK,))
    await store.insert_schedule(schedule)

    rotated, secret = await rotate_secret(
        store, schedule.id, "d_hook", actor="user:7", now=DAY0, grace=timedelta(hours=24)
    )

    [hook] = rotated.destinations
    assert secret.startswith("whsec_")
    assert secret != HOOK.secret
    assert hook.id == "d_hook"
    assert hook.signing_secrets(DAY0 + timedelta(hours=23)) == (secret, HOOK.secret)
    assert hook.signing_secrets(DAY0 + timedelta(hours=24)) == (secret,)
    [entry, *_] = await store.list_audit(schedule_id=schedule.id)
    assert entry.detail["secret_rotated"] == "d_hook"
    assert "whsec_" not in json.dumps(entry.detail, default=str)


async def test_only_a_signed_webhook_has_a_secret_to_rotate(store):
    discord_hook = WebhookDestination(id="d_dw", url="https://discord.com/api/webhooks/1/abc")
    schedule = make_schedule(
        destinations=(discord_hook, ChannelDestination(id="d_c", channel_id=5))
    )
    await store.insert_schedule(schedule)
    for destination_id in ("d_dw", "d_c"):
        with pytest.raises(ScheduleStateError, match="no signing secret"):
            await rotate_secret(
                store, schedule.id, destination_id, actor="user:7", now=DAY0, grace=DAY
            )


async def test_cleanup_forgets_secrets_whose_grace_period_is_over(store):
    schedule = make_schedule(destinations=(HOOK,))
    await store.insert_schedule(schedule)
    await rotate_secret(store, schedule.id, "d_hook", actor="user:7", now=DAY0, grace=DAY)

    assert await drop_expired_secrets(store, DAY0 + timedelta(hours=23)) == 0
    assert await drop_expired_secrets(store, DAY0 + DAY) == 1

    [hook] = (await store.get_schedule(schedule.id)).destinations
    assert (hook.previous_secret, hook.previous_secret_expires_at) == (None, None)
    assert hook.secret is not None
    assert await store.schedules_with_rotated_secrets() == []


async def test_a_channel_edit_keeps_the_id_and_records_what_changed(store):
    channel = ChannelDestination(id="d_c", channel_id=5, disabled_reason="HTTP 403")
    schedule = make_schedule(destinations=(channel,))
    await store.insert_schedule(schedule)
    clock = FakeClock()
    edited = ChannelDestination(id="d_c", channel_id=5, style="markdown", mention_role_id=9)

    changed = await edit_channel_destination(
        store, schedule.id, edited, actor="user:7", now=clock()
    )

    [after] = changed.destinations
    assert (after.id, after.style, after.mode, after.mention_role_id) == (
        "d_c",
        "markdown",
        "post",
        9,
    )
    assert after.disabled_reason == "HTTP 403"  # an edit does not switch it back on
    [entry, *_] = await store.list_audit(schedule_id=schedule.id)
    assert entry.detail == {"destination_edited": "d_c", "fields": ["style", "mention_role_id"]}
