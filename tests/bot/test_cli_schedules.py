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
from scheduling.guilds import GuildSettings
from scheduling.models import (
    AuditAction,
    AuditEntry,
    Daily,
    Schedule,
    ScheduleStatus,
    utc_now,
)
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


def _create(*extra: str) -> list[str]:
    base = ["schedules", "create", "--guild", "123", "--created-by", "7", "--channel", "100"]
    return [*base, *extra]


def test_create_stores_what_the_slash_command_would_and_prints_the_next_runs(capsys):
    argv = _create(
        "--when", "weekdays at 9am", "--timezone", "Europe/Berlin", "--to", "200",
        "--webhook", "https://hooks.example.com/in/x", "--file", "{schedule}.md",
        "--name", "Morning", "--lookback", "2d", "--min-messages", "3", "--length", "brief",
        "--no-threads",
    )  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    [stored] = _stored()
    lines = captured.out.splitlines()
    assert lines[0] == f"created {stored.id}: weekdays at 09:00 (Europe/Berlin)"
    assert len(lines) == 4
    assert all(line.startswith("next run: 20") and line.endswith(":00+01:00") for line in lines[1:])
    assert (stored.guild_id, stored.created_by, stored.channel_ids) == (123, 7, (100,))
    assert (stored.name, stored.lookback_seconds, stored.min_messages) == ("Morning", 172800, 3)
    assert (stored.length, stored.include_threads, stored.timezone) == (
        "brief", False, "Europe/Berlin"
    )  # fmt: skip
    channel, webhook, file = stored.destinations
    assert (channel.kind, channel.channel_id) == ("channel", 200)
    assert webhook.secret in captured.err  # shown once, for the receiving service
    assert (file.kind, file.template) == ("file", "{schedule}.md")
    assert "checks at the first run" in captured.err
    assert "can post in 200" in captured.err
    assert [e.action for e in _audit()] == [AuditAction.CREATED]


def test_create_defaults_to_the_servers_zone_else_the_configured_one(capsys):
    async def set_zone():
        async with await Store.open("data/summarybot.db") as store:
            settings = GuildSettings(guild_id=123, timezone="Asia/Tokyo", updated_at=utc_now())
            audit = AuditEntry(
                at=utc_now(), guild_id=123, actor="t", action=AuditAction.SETTINGS_CHANGED
            )
            await store.save_guild_settings(settings, audit)

    assert main(_create("--when", "daily at 9", "--file", "d.md")) == 0
    asyncio.run(set_zone())
    assert main(_create("--when", "daily at 9", "--file", "e.md")) == 0
    assert [s.timezone for s in _stored()] == ["UTC", "Asia/Tokyo"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--when", "every 2 minutes", "--to", "200"], "shorter than the shortest interval"),
        (["--when", "every blursday", "--to", "200"], "`every blursday`: not understood"),
        (["--when", "daily at 9"], "give a destination: --to, --webhook or --file"),
        (
            ["--when", "daily at 9", "--to", "2", "--timezone", "Europe/Berln"],
            "did you mean Europe/Berlin",
        ),
        (["--when", "daily at 9", "--webhook", "https://10.0.0.1/x"], "private"),
        (["--when", "daily at 9", "--file", "{foo}.md"], "unknown placeholder {foo}"),
        (["--when", "daily at 9", "--to", "2", "--lookback", "3x"], "'3x' is not a duration"),
    ],
)
def test_create_refuses_what_the_slash_command_refuses(extra, message, capsys):
    assert main(_create(*extra)) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("summarybot: schedules create: ")
    assert message in line
    assert _stored() == []


def test_create_lists_every_problem_of_the_model(capsys):
    argv = ["schedules", "create", "--guild", "0", "--created-by", "7", "--channel", "100"]
    assert main([*argv, "--when", "daily at 9", "--to", "2", "--min-messages", "-1"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "summarybot: schedules create: guild_id: Input should be greater than 0",
        "summarybot: schedules create: min_messages: Input should be greater than or equal to 0",
    ]


def _export_file(tmp_path, entries, **envelope) -> str:
    data = {"schema": "summarybot.schedules/1", "exported_at": "2026-11-25T00:00:00Z"}
    data |= envelope
    data["schedules"] = entries
    (tmp_path / "in.json").write_text(json.dumps({k: v for k, v in data.items() if v != ...}))
    return "in.json"


def test_import_reports_every_problem_of_every_entry_in_plain_words(tmp_path, capsys):
    existing = _schedule(1)
    _seed(existing)
    many = existing.model_dump(mode="json") | {"timezone": "Mars/Olympus", "created_by": -1}
    unsafe = _schedule(2).model_dump(mode="json")
    unsafe["destinations"][1]["url"] = "https://10.0.0.1/hook"
    discord_http = _schedule(3).model_dump(mode="json")
    discord_http["destinations"][1] |= {"url": "http://discord.com/api/webhooks/1/t"}
    path = _export_file(tmp_path, [many, unsafe, discord_http])
    assert main(["schedules", "import", path]) == 1
    err = capsys.readouterr().err.splitlines()
    assert (
        "summarybot: in.json: entry 1: created_by: Input should be greater than or equal to 0"
        in err
    )
    assert any(
        line.startswith("summarybot: in.json: entry 1: timezone: unknown time zone 'Mars/Olympus'")
        for line in err
    )
    assert f"summarybot: in.json: entry 1: schedule {existing.id} exists already" in err
    assert any(
        line.startswith("summarybot: in.json: entry 2: destinations.1: https://10.0.0.1/…: ")
        for line in err
    )
    assert any(
        "entry 3: destinations.1: " in line and "Discord webhook URLs must start with https://"
        in line for line in err
    )  # fmt: skip
    assert not any("Value error" in line for line in err)
    assert err[-1] == f"summarybot: in.json: {len(err) - 1} problems; nothing was imported"
    assert [s.id for s in _stored()] == [existing.id]


def test_import_names_a_missing_exported_at(tmp_path, capsys):
    path = _export_file(tmp_path, [], exported_at=...)
    assert main(["schedules", "import", path]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "summarybot: in.json: exported_at: missing; nothing was imported"
    ]


def test_counts_agree_with_their_nouns(tmp_path, capsys, monkeypatch):
    _seed(_schedule(1))
    assert main(["schedules", "export", "--output", "one.json"]) == 0
    assert "exported 1 schedule to one.json" in capsys.readouterr().err
    monkeypatch.setenv("SUMMARYBOT_STORAGE__PATH", str(tmp_path / "other.db"))
    assert main(["schedules", "import", "one.json"]) == 0
    assert capsys.readouterr().out.strip() == "imported 1 schedule"
    assert main(["schedules", "pause", "--all"]) == 0
    assert capsys.readouterr().out.strip() == "paused 1 schedule in total"
    assert main(["schedules", "resume", "--guild", "1"]) == 0
    assert capsys.readouterr().out.strip() == "resumed 1 schedule of guild 1"
