"""A scheduled digest whose window the limit cut says so, with the count, in its notes."""

from __future__ import annotations

import json
from datetime import timedelta

from scheduling_fakes import DAY0, make_schedule

from scheduling import jobs
from summarizer.models import Summary

SLOT1 = DAY0.replace(hour=9)


async def test_a_cut_window_notes_how_many_messages_were_left_out(harness):
    harness.scheduler.context.max_messages = 100
    created = await harness.scheduler.create(make_schedule(), actor="user:7")
    harness.clock.now = SLOT1
    run = await jobs.run_summary(harness.scheduler.context, created.id)
    assert run is not None
    assert run.message_count == 100
    summary = Summary.model_validate_json(await harness.store.load_summary(run.id))
    assert summary.truncated
    # The fake source has a message every 10 minutes: 144 in the day-long window.
    assert summary.notes == [
        "only the most recent 100 messages of this window are summarized; 44 earlier ones were "
        "left out (raise summarizer.max_messages to include them)"
    ]
    assert (summary.window.start, summary.window.end) == (SLOT1 - timedelta(days=1), SLOT1)
    assert "44 earlier ones" in json.loads(summary.model_dump_json(by_alias=True))["notes"][0]
