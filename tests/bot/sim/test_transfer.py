"""`/schedule export` and `/schedule import` as an admin uses them: backups in the shell's format,
secrets only when asked for, a dry run before anything is written, and all or nothing."""

from __future__ import annotations

import asyncio
import json

import discord
import pytest
from helpers import text_of

from bot.cli.main import main
from bot.schedule_files import export_text, read_export
from scheduling.models import AuditAction

SECRET_PATH = "in/very-secret-path"
HOOK = f"https://hooks.example.com/{SECRET_PATH}"


def scheduler(world):
    return world.env.bot.require_scheduler()


def reply(result):
    """The message that answered (a deferred command answers in a follow-up)."""
    return result.followups[-1] if result.followups else result.response


def answer(result) -> str:
    parts = [result.response, *result.followups] if result.response else result.followups
    return "\n".join(text_of(p) for p in parts if p is not None)


def labels(message) -> list[str]:
    return [c.get("label") for row in message.components for c in row.get("components", [])]


async def create(world, **options):
    options.setdefault("channel", world.general)
    options.setdefault("when", "daily at 09:00")
    options.setdefault("to", world.digest)
    before = {s.id for s in await scheduler(world).list(world.guild.id)}
    result = await world.admin.slash(world.general, "schedule create", **options)
    assert "Schedule created." in answer(result), answer(result)
    [made] = [s for s in await scheduler(world).list(world.guild.id) if s.id not in before]
    return made


async def export(world, **options) -> tuple[dict, str, object]:
    result = await world.admin.slash(world.general, "schedule export", **options)
    message = reply(result)
    [attachment] = message.attachments
    assert attachment.filename.endswith(".json")
    data = await attachment.read()
    return json.loads(data), data.decode(), result


async def import_file(world, document, who=None, name="backup.json", **options):
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return await (who or world.admin).slash(
        world.general, "schedule import", file=(name, data), **options
    )


def private_channel(world, name="mods"):
    """A channel the bot reads but the server's admins (who import) cannot."""
    mods = world.guild.create_role("Mods")
    return world.guild.create_text_channel(
        name,
        overwrites={
            world.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            mods: discord.PermissionOverwrite(view_channel=True),
            world.env.bot.user: discord.PermissionOverwrite(view_channel=True),
        },
    )


async def test_export_is_the_shells_format_with_secrets_only_when_asked(
    world, tmp_path, monkeypatch
):
    hooked = await create(world, webhook=HOOK, name="Hooked")
    stored_hook = hooked.destinations[1]
    elsewhere = world.env.create_guild(name="Elsewhere")
    elsewhere_admin = elsewhere.add_member(
        world.env.create_user("eve"),
        roles=[elsewhere.create_role("A", permissions=discord.Permissions(manage_guild=True))],
    )
    lobby = elsewhere.create_text_channel("lobby")
    await elsewhere_admin.slash(
        lobby, "schedule create", channel=lobby, when="daily at 09:00", to=lobby
    )

    masked, masked_text, shown = await export(world)

    assert shown.ephemeral
    assert "cannot post or sign as the bot" in answer(shown)
    assert read_export(masked_text).secrets == "omitted"
    [entry] = masked["schedules"]
    assert entry["id"] == hooked.id
    hook = entry["destinations"][1]
    assert (hook["url"], hook["secret"]) == ("https://hooks.example.com/…", None)
    assert SECRET_PATH not in masked_text
    assert "whsec_" not in masked_text
    full, full_text, warned = await export(world, include_secrets=True)
    assert "Keep it private" in answer(warned)
    assert full["schedules"][0]["destinations"][1]["url"] == HOOK
    assert full["schedules"][0]["destinations"][1]["secret"] == stored_hook.secret
    same = json.loads(export_text([hooked], read_export(full_text).exported_at))
    assert full == same
    # The shell imports what Discord exported.
    (tmp_path / "backup.json").write_text(full_text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SUMMARYBOT_STORAGE__PATH", str(tmp_path / "other.db"))
    assert await asyncio.to_thread(main, ["schedules", "import", "backup.json"]) == 0
    audit = await scheduler(world).store.list_audit(guild_id=world.guild.id)
    exported = [e.detail for e in audit if e.action is AuditAction.EXPORTED]
    assert exported == [{"schedules": 1, "secrets": True}, {"schedules": 1, "secrets": False}]


async def test_import_previews_then_creates_and_updates_on_confirmation(world):
    kept = await create(world, webhook=HOOK, name="Morning")
    document, _, _ = await export(world)  # secrets masked
    entry = document["schedules"][0]
    entry["name"] = "Renamed"
    fresh = {k: v for k, v in entry.items() if k not in {"id", "created_by", "destinations"}}
    fresh |= {
        "name": "Evening",
        "destinations": [{"kind": "channel", "channel_id": world.digest.id}],
    }
    document["schedules"].append(fresh)

    previewed = await import_file(world, document)

    preview = reply(previewed)
    embed = preview.embeds[0]
    assert "1 to create, 1 to update, 0 unchanged" in embed.description
    fields = {f.name: f.value for f in embed.fields}
    assert "Evening" in fields["Create"]
    assert f"`{kept.id}` Renamed: name" in fields["Update (fields that change)"]
    assert [s.name for s in await scheduler(world).list(world.guild.id)] == ["Morning"]
    assert labels(preview) == ["Import", "Cancel"]

    done = await world.admin.click(preview, label="Import")

    assert "Imported: 1 created, 1 updated" in answer(done)
    by_name = {s.name: s for s in await scheduler(world).list(world.guild.id)}
    renamed, evening = by_name["Renamed"], by_name["Evening"]
    assert (renamed.id, renamed.name) == (kept.id, "Renamed")
    assert renamed.destinations == kept.destinations  # the masked webhook kept URL and secret
    assert (evening.name, evening.created_by) == ("Evening", world.admin.id)
    shown = await world.admin.slash(world.general, "schedule audit")
    lines = shown.response.embeds[0].description
    assert f"updated `{kept.id}` by an import (name)" in lines
    assert f"imported `{evening.id}` (Evening)" in lines


async def test_import_lists_every_problem_of_every_entry_and_writes_nothing(world):
    mods = private_channel(world)
    original = await create(world, name="Original")
    document, _, _ = await export(world)
    base = {k: v for k, v in document["schedules"][0].items() if k != "id"}
    channel_only = [{"kind": "channel", "channel_id": world.digest.id}]
    document["schedules"] = [
        base | {"guild_id": 999, "destinations": channel_only},
        base | {"channel_ids": [mods.id], "destinations": channel_only},
        base | {"timezone": "Mars/Olympus", "destinations": channel_only},
        base | {"destinations": [{"kind": "webhook", "url": "https://hooks.example.com/…"}]},
        base | {"channel_ids": [world.secret.id], "destinations": channel_only},
        base
        | {"destinations": [{**channel_only[0], "mention_role_id": world.guild.default_role.id}]},
    ]

    previewed = await import_file(world, document)

    words = answer(previewed)
    assert "problems: nothing was imported" in words
    assert "entry 1: guild_id: 999 is another server" in words
    assert "entry 2: channel_ids: Cannot summarize" in words
    assert "entry 3: timezone:" in words
    assert "Mars/Olympus" in words
    assert (
        "entry 4: destinations.0: the webhook URL https://hooks.example.com/… was masked" in words
    )
    assert "entry 5: destinations:" in words
    assert "visible to more people than the source" in words
    assert "entry 6: destinations.0.mention_role_id" in words
    assert not labels(reply(previewed))
    assert [s.id for s in await scheduler(world).list(world.guild.id)] == [original.id]


async def test_a_wider_audience_is_imported_only_when_confirmed(world):
    template = await create(world, channel=world.secret, to=world.secret, name="Staff")
    document, _, _ = await export(world)
    entry = {k: v for k, v in document["schedules"][0].items() if k != "id"}
    entry["destinations"] = [{"kind": "channel", "channel_id": world.general.id}]
    document["schedules"] = [entry]

    refused = await import_file(world, document)
    assert "confirm_wider_audience:True" in answer(refused)
    confirmed = await import_file(world, document, confirm_wider_audience=True)
    fields = {f.name: f.value for f in reply(confirmed).embeds[0].fields}
    assert "visible to more people" in fields["⚠️ Wider audience (you confirm it by importing)"]
    await world.admin.click(reply(confirmed), label="Import")

    [imported] = [s for s in await scheduler(world).list(world.guild.id) if s.id != template.id]
    [audience] = imported.confirmed_audiences
    assert audience.confirmed_by == world.admin.id
    assert audience.destination_id == imported.destinations[0].id


async def test_a_change_after_the_preview_cancels_the_whole_import(world):
    kept = await create(world, name="Morning")
    document, _, _ = await export(world)
    entry = document["schedules"][0]
    document["schedules"] = [
        entry | {"name": "Renamed"},
        {k: v for k, v in entry.items() if k != "id"} | {"name": "Second"},
    ]
    previewed = await import_file(world, document)
    await world.admin.slash(world.general, "schedule pause", schedule=kept.id)

    refused = await world.admin.click(reply(previewed), label="Import")

    assert "Nothing was imported" in answer(refused)
    assert [s.name for s in await scheduler(world).list(world.guild.id)] == ["Morning"]


async def test_cancel_writes_nothing(world):
    await create(world, name="Morning")
    document, _, _ = await export(world)
    document["schedules"][0]["name"] = "Renamed"
    previewed = await import_file(world, document)

    cancelled = await world.admin.click(reply(previewed), label="Cancel")

    assert "Import cancelled" in answer(cancelled)
    assert [s.name for s in await scheduler(world).list(world.guild.id)] == ["Morning"]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("notes.txt", b"{}", "is not a JSON file"),
        ("big.json", b" " * (1024 * 1024 + 1), "at most 1,048,576"),
        ("broken.json", b"{not json", "not a schedule export"),
        ("other.json", b'{"schema": "x/1"}', "schema 'x/1' is not"),
        ("empty.json", b'{"schema": "summarybot.schedules/1"}', "exported_at: missing"),
    ],
)
async def test_a_file_that_is_no_export_is_refused_with_its_reason(world, name, data, words):
    refused = await import_file(world, data, name=name)

    assert words in answer(refused)
    assert await scheduler(world).list(world.guild.id) == []


async def test_export_and_import_are_for_those_who_manage_schedules(world):
    await create(world, webhook=HOOK)
    helpers = world.guild.create_role("Helpers")
    helper = world.guild.add_member(world.env.create_user("hal"), roles=[helpers])
    [command] = [c for c in await world.env.bot.tree.fetch_commands() if c.name == "schedule"]
    world.guild.set_command_permissions(command.id, {helpers: True})

    refused = await helper.slash(world.general, "schedule export", include_secrets=True)
    assert "Manage Server" in answer(refused)
    assert not reply(refused).attachments
    document = {"schema": "summarybot.schedules/1", "exported_at": "2026-01-01T00:00:00Z"}
    refused = await import_file(world, document | {"schedules": []}, who=helper)
    assert "Manage Server" in answer(refused)


async def test_every_problem_is_shown_even_when_they_do_not_fit_in_the_reply(world):
    await create(world, name="Morning")
    document, _, _ = await export(world)
    base = {k: v for k, v in document["schedules"][0].items() if k != "id"}
    document["schedules"] = [base | {"timezone": f"Mars/Crater{n}"} for n in range(80)]

    previewed = await import_file(world, document)

    message = reply(previewed)
    assert "80 problems: nothing was imported" in message.embeds[0].description
    [listing] = message.attachments
    lines = (await listing.read()).decode().splitlines()
    assert len(lines) == 80
    assert lines[-1].startswith("entry 80: timezone:")
    assert "Mars/Crater79" in lines[-1]


async def test_importing_what_is_already_there_changes_nothing(world):
    await create(world, webhook=HOOK, name="Morning")
    document, _, _ = await export(world)

    previewed = await import_file(world, document)

    message = reply(previewed)
    assert "0 to create, 0 to update, 1 unchanged" in message.embeds[0].description
    assert "Nothing to import" in message.embeds[0].description
    assert not labels(message)
