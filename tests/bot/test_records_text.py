"""The words of `/schedule audit` and `/summarybot stats`, and the export file's secrets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import pytest

from bot.cli.main import main
from bot.cogs.audit_text import action_text, actor_text, entry_line
from bot.cogs.stats_text import destination_lines, seconds_text
from bot.schedule_files import check_entries, entry_problems, export_text
from delivery.models import ChannelDestination, DmDestination, WebhookDestination
from delivery.settings import DeliverySettings
from scheduling.models import AuditAction, AuditEntry, Daily, Schedule
from scheduling.stats import DeliveryTotals

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HOOK = "https://discord.com/api/webhooks/123/very-secret-token"


def _entry(action, detail=None, actor="user:42", schedule_id="k3x9") -> AuditEntry:
    return AuditEntry(
        at=T0, guild_id=1, schedule_id=schedule_id, actor=actor, action=action, detail=detail or {}
    )


@pytest.mark.parametrize(
    ("action", "detail", "words"),
    [
        (AuditAction.CREATED, {"name": "Morning"}, "created `k3x9` (Morning)"),
        (
            AuditAction.EDITED,
            {"fields": ["recurrence", "lookback_seconds"]},
            "edited `k3x9` (when, lookback)",
        ),
        (AuditAction.PAUSED, {"reason": "holidays"}, "paused `k3x9`: holidays"),
        (
            AuditAction.PAUSED,
            {"reason": "x", "cause": "emergency_stop"},
            "paused `k3x9` (emergency stop): x",
        ),
        (AuditAction.RESUMED, {"all": True}, "resumed `k3x9` (resume-all)"),
        (AuditAction.DELETED, {"name": ""}, "deleted `k3x9`"),
        (AuditAction.TRIGGERED, {}, "ran `k3x9` now"),
        (
            AuditAction.COMPLETED,
            {"reason": "its one run is done"},
            "marked `k3x9` completed: its one run is done",
        ),
        (AuditAction.IMPORTED, {"name": "N"}, "imported `k3x9` (N)"),
        (AuditAction.IMPORTED, {"fields": ["name"]}, "updated `k3x9` by an import (name)"),
        (
            AuditAction.EXPORTED,
            {"schedules": 3, "secrets": False},
            "exported 3 schedules (webhook URLs masked, no secrets)",
        ),
        (
            AuditAction.EDITED,
            {"secret_rotated": "d_1"},
            "rotated the signing secret of destination `d_1` of `k3x9`",
        ),
        (
            AuditAction.EDITED,
            {"destination_disabled": "d_1", "reason": "HTTP 410"},
            "disabled destination `d_1` of `k3x9`: HTTP 410",
        ),
        (
            AuditAction.SETTINGS_CHANGED,
            {"log_channel_id": {"from": None, "to": 5}, "admin_role_id": {"from": 6, "to": None}},
            "changed the settings: log channel from none to <#5>; admin role from <@&6> to none",
        ),
        (
            AuditAction.EMERGENCY_STOP,
            {"reason": "incident"},
            "paused every active schedule (emergency stop): incident",
        ),
    ],
)
def test_each_action_reads_as_words(action, detail, words):
    assert action_text(_entry(action, detail)) == words


def test_members_are_named_without_pinging_and_secrets_never_shown():
    assert actor_text("user:42") == "<@42>"
    assert actor_text("cli") == "the command line"
    assert actor_text("system") == "summarybot"
    refused = _entry(
        AuditAction.EDITED,
        {"destination_enable_refused": "d_1", "error": f"POST {HOOK} said no; whsec_abcdefgh"},
    )
    line = entry_line(refused)
    assert line.startswith("<t:1795510800:f> <@42> tried to re-enable destination `d_1`")
    assert "very-secret-token" not in line
    assert "whsec_abcdefgh" not in line


def test_durations_and_dm_totals_in_words():
    assert [seconds_text(s) for s in (0.42, 12, 125, 3720)] == [
        "0.4 s",
        "12 s",
        "2 min 5 s",
        "1 h 2 min",
    ]
    rows = [
        DeliveryTotals(
            schedule_id="s", destination=DmDestination(user_id=u), finished=2, delivered=1
        )
        for u in (1, 2)
    ]
    hook = DeliveryTotals(
        schedule_id="s", destination=WebhookDestination(url=HOOK), finished=2, delivered=2
    )
    dms, webhook = destination_lines([*rows, hook])
    assert (dms.label, dms.finished, dms.delivered) == ("DMs to 2 members", 4, 2)
    assert webhook.label.endswith("webhook `https://discord.com/…`")


def _schedule() -> Schedule:
    return Schedule(
        guild_id=1,
        created_by=7,
        channel_ids=(100,),
        recurrence=Daily(time=time(9, 0)),
        destinations=(
            ChannelDestination(channel_id=200),
            WebhookDestination(url="https://hooks.example.com/in/abc", secret="whsec_dGVzdA=="),
            WebhookDestination(url=HOOK),
        ),
    )


def test_an_export_without_secrets_cannot_post_or_sign_and_updates_keep_them():
    schedule = _schedule()
    text = export_text([schedule], T0, include_secrets=False)
    assert "whsec_" not in text
    assert "/in/abc" not in text
    assert "very-secret-token" not in text
    entries = json.loads(text)["schedules"]
    common = {"delivery": DeliverySettings(), "now": T0, "min_interval_seconds": 300}

    [created] = check_entries(entries, taken=set(), **common)
    assert entry_problems([created]) == [
        "entry 1: destinations.1: the webhook URL https://hooks.example.com/… was masked by an "
        "export without secrets; write the whole URL (and its `secret`) or remove the destination",
        "entry 1: destinations.2: the webhook URL https://discord.com/… was masked by an "
        "export without secrets; write the whole URL (and its `secret`) or remove the destination",
    ]
    [updated] = check_entries(
        entries, taken={schedule.id}, updatable={schedule.id: schedule}, **common
    )
    assert updated.problems == []
    assert updated.schedule.destinations == schedule.destinations


def test_the_shell_refuses_a_masked_export_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SUMMARYBOT_STORAGE__PATH", str(tmp_path / "bot.db"))
    schedule = _schedule().model_copy(update={"destinations": _schedule().destinations[:2]})
    (tmp_path / "masked.json").write_text(export_text([schedule], T0, include_secrets=False))

    assert main(["schedules", "import", "masked.json"]) == 1

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("summarybot: masked.json: entry 1: destinations.1: the webhook URL")
    assert line.endswith("; nothing was imported")
