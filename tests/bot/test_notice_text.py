"""A notice's words: what happened, to which destination, and never a secret."""

from __future__ import annotations

from datetime import time

from bot.notices import notice_text
from delivery.models import ChannelDestination, WebhookDestination
from scheduling.models import Daily, Schedule, ScheduleNotice

HOOK_URL = "https://hooks.example.com/services/T000/B000/XXXXsecretXXXX"
DISCORD_HOOK = "https://discord.com/api/webhooks/123456789/tokentokentokentokentoken"
SECRET = "whsec_c2VjcmV0c2VjcmV0c2VjcmV0"


def schedule() -> Schedule:
    return Schedule(
        id="k3x9abcdef",
        name="Release digest",
        guild_id=1,
        created_by=7,
        channel_ids=(100,),
        recurrence=Daily(time=time(9, 0)),
        destinations=(
            WebhookDestination(id="d_hook", url=HOOK_URL, secret=SECRET),
            WebhookDestination(id="d_discord", url=DISCORD_HOOK),
            ChannelDestination(id="d_chan", channel_id=200),
        ),
    )


def notice(message: str, **extra: str) -> ScheduleNotice:
    return ScheduleNotice(
        kind="destination_failing",
        schedule_id="k3x9abcdef",
        guild_id=1,
        created_by=7,
        message=message,
        **extra,
    )


def test_a_notice_names_the_schedule_and_its_destination_masked():
    said = notice_text(
        notice("destination `d_hook` (webhook) failed", destination_id="d_hook"), schedule()
    )

    assert said.startswith("⚠️ schedule `k3x9abcdef` (Release digest): destination `d_hook`")
    assert "Destination `d_hook`: webhook `https://hooks.example.com/…`" in said
    assert "services" not in said


def test_secrets_an_error_quotes_never_reach_a_notice():
    error = (
        f"POST {HOOK_URL} failed; {DISCORD_HOOK} refused; signed with {SECRET}; "
        "see http://user:pw@proxy.internal:8080/path?token=abc"
    )

    said = notice_text(notice(error), schedule())

    for secret in ("XXXXsecretXXXX", "tokentoken", SECRET, "c2VjcmV0", "user:pw", "token=abc"):
        assert secret not in said
    assert "https://hooks.example.com/…" in said
    assert "https://discord.com/…" in said
    assert "http://proxy.internal:8080/…" in said


def test_a_notice_about_a_deleted_schedule_is_still_masked():
    said = notice_text(notice(f"gone: {HOOK_URL}"), None)

    assert "XXXXsecretXXXX" not in said
    assert "https://hooks.example.com/…" in said
