"""`summarybot schedules …` over the same store the bot uses."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from datetime import time

import pytest

from bot.cli.main import main
from delivery.models import ChannelDestination, WebhookDestination
from scheduling.models import AuditAction, Daily, Schedule, ScheduleStatus
from scheduling.store import Store

SECRET_URL = "https://hooks.example.com/in/very-secret-path"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _schedule(guild=1, **changes) -> Schedule:
    fields = {
        "guild_id": guild,
        "created_by": 7,
        "name": f"digest {guild}",
        "channel_ids": (100,),
        "recurrence": Daily(time=time(9, 0)),
        "timezone": "Europe/Berlin",
        "destinations": (
            ChannelDestination(channel_id=200),
            WebhookDestination(url=SECRET_URL, secret="whsec_dGVzdA=="),
        ),
    }
    fields.update(changes)
    return Schedule(**fields)


def _seed(*schedules: Schedule) -> None:
    async def go():
        async with await Store.open("data/summarybot.db") as store:
            for schedule in schedules:
                await store.insert_schedule(schedule)

    asyncio.run(go())


def _stored() -> list[Schedule]:
    async def go():
        async with await Store.open("data/summarybot.db") as store:
            return await store.list_schedules()

    return asyncio.run(go())


def _audit():
    async def go():
        async with await Store.open("data/summarybot.db") as store:
            return await store.list_audit()

    return asyncio.run(go())


def test_list_shows_each_schedule_in_words(capsys):
    a, b = _schedule(1), _schedule(2, status=ScheduleStatus.PAUSED)
    _seed(a, b)
    assert main(["schedules", "list"]) == 0
    out = capsys.readouterr().out
    assert a.id in out
    assert b.id in out
    assert "daily at 09:00 (Europe/Berlin)" in out
    assert main(["schedules", "list", "--guild", "2"]) == 0
    out = capsys.readouterr().out
    assert b.id in out
    assert a.id not in out


def test_list_of_an_empty_database(capsys):
    assert main(["schedules", "list"]) == 0
    assert capsys.readouterr().out.strip() == "no schedules"


def test_show_masks_webhook_urls(capsys):
    schedule = _schedule()
    _seed(schedule)
    assert main(["schedules", "show", schedule.id]) == 0
    out = capsys.readouterr().out
    assert "webhook https://hooks.example.com/…, signed" in out
    assert "very-secret-path" not in out
    assert "whsec_" not in out


def test_show_unknown_id(capsys):
    assert main(["schedules", "show", "nope"]) == 1
    assert capsys.readouterr().err.strip() == "summarybot: no schedule nope"


def test_export_then_import_into_another_database_round_trips(tmp_path, capsys, monkeypatch):
    schedules = [_schedule(1), _schedule(2)]
    _seed(*schedules)
    assert main(["schedules", "export", "--output", "backup.json"]) == 0
    assert "keep it private" in capsys.readouterr().err
    data = json.loads((tmp_path / "backup.json").read_text())
    assert data["schema"] == "summarybot.schedules/1"
    monkeypatch.setenv("SUMMARYBOT_STORAGE__PATH", str(tmp_path / "other.db"))
    assert main(["schedules", "import", "backup.json"]) == 0
    assert "imported 2 schedules" in capsys.readouterr().out

    async def go():
        async with await Store.open(tmp_path / "other.db") as store:
            return await store.list_schedules()

    assert sorted(asyncio.run(go()), key=lambda s: s.id) == sorted(schedules, key=lambda s: s.id)


def test_an_export_file_is_private_and_an_unwritable_one_is_explained(tmp_path, capsys):
    _seed(_schedule(1))
    previous = os.umask(0o022)  # the usual umask: a plain new file would be 0644
    try:
        assert main(["schedules", "export", "--output", "backup.json"]) == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "backup.json").stat().st_mode) == 0o600
    assert "keep it private" in capsys.readouterr().err
    assert main(["schedules", "export", "--output", "missing/backup.json"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "summarybot: cannot write missing/backup.json: No such file or directory"


def test_import_reports_every_problem_and_writes_nothing(tmp_path, capsys):
    existing = _schedule(1)
    _seed(existing)
    good = _schedule(3).model_dump(mode="json")
    bad_zone = _schedule(4).model_dump(mode="json") | {"timezone": "Mars/Olympus"}
    export = {
        "schema": "summarybot.schedules/1",
        "exported_at": "2026-11-25T00:00:00Z",
        "schedules": [good, existing.model_dump(mode="json"), bad_zone, good],
    }
    (tmp_path / "in.json").write_text(json.dumps(export))
    assert main(["schedules", "import", "in.json"]) == 1
    err = capsys.readouterr().err
    assert f"entry 2: schedule {existing.id} exists already" in err
    assert "entry 3: timezone:" in err
    assert "unknown time zone 'Mars/Olympus'" in err
    assert f"entry 4: schedule {good['id']} appears twice in the file" in err
    assert "nothing was imported" in err
    assert [s.id for s in _stored()] == [existing.id]


def test_import_of_a_file_that_is_not_an_export(tmp_path, capsys):
    (tmp_path / "x.json").write_text("[1, 2, 3]")
    assert main(["schedules", "import", "x.json"]) == 1
    assert "not a schedule export" in capsys.readouterr().err
    assert main(["schedules", "import", "missing.json"]) == 1
    assert "missing.json: file not found" in capsys.readouterr().err


def test_pause_all_is_the_emergency_stop_and_resume_all_undoes_it(capsys):
    _seed(_schedule(1), _schedule(2), _schedule(2))
    assert main(["schedules", "pause", "--all", "--reason", "incident 42"]) == 0
    assert "paused 3 schedules in total" in capsys.readouterr().out
    assert {s.status for s in _stored()} == {ScheduleStatus.PAUSED}
    assert {(s.pause_reason, s.pause_cause) for s in _stored()} == {
        ("incident 42", "emergency_stop")
    }
    assert main(["schedules", "resume", "--guild", "2"]) == 0
    assert "resumed 2 schedules of guild 2" in capsys.readouterr().out
    statuses = sorted((s.guild_id, s.status.value) for s in _stored())
    assert statuses == [(1, "paused"), (2, "active"), (2, "active")]
    assert {e.actor for e in _audit()} == {"cli"}


def test_pause_one_and_state_errors(capsys):
    schedule = _schedule()
    _seed(schedule)
    assert main(["schedules", "pause", schedule.id]) == 0
    assert main(["schedules", "pause", schedule.id]) == 1
    assert "is paused, not active" in capsys.readouterr().err


def test_delete_keeps_the_audit_trail(capsys):
    schedule = _schedule()
    _seed(schedule)
    assert main(["schedules", "delete", schedule.id]) == 0
    assert _stored() == []
    assert [e.action for e in _audit()] == [AuditAction.DELETED]


def test_import_of_json_nested_too_deeply_is_one_line(tmp_path, capsys):
    (tmp_path / "deep.json").write_text("[" * 200_000)
    assert main(["schedules", "import", "deep.json"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "summarybot: deep.json: not a schedule export: JSON nested too deeply"
    ]


def test_import_of_a_number_longer_than_python_converts_names_its_field(tmp_path, capsys):
    entry = json.dumps(_schedule(1).model_dump(mode="json") | {"guild_id": "@@"})
    export = {"schema": "summarybot.schedules/1", "exported_at": "2026-11-25T00:00:00Z"}
    text = json.dumps(export)[:-1] + f', "schedules": [{entry}]}}'
    (tmp_path / "big.json").write_text(text.replace('"@@"', "9" * 5000))
    assert main(["schedules", "import", "big.json"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("summarybot: big.json: entry 1: guild_id: ")
    assert line.endswith("; nothing was imported")
    assert _stored() == []
