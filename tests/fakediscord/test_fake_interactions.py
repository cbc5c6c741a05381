"""Interactions and webhooks on the wire: callbacks, 40060, deferral, follow-ups, execute."""

from __future__ import annotations

import pytest

from tests.fakediscord import permissions as p
from tests.fakediscord.fakediscord_client import RawApi
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import DEFAULT_BOT_PERMISSIONS


@pytest.fixture(autouse=True)
def _bot_connected(identified: object) -> None:
    """Interactions are dispatched over the gateway, so a bot session must exist."""


async def command(fake: FakeDiscord, *, permissions: int | None = None):
    guild = fake.add_guild()
    channel = fake.add_channel(guild.id, "general")
    member = fake.add_member(guild.id, "alice")
    return await fake.inject_command(
        channel.id,
        member.user.id,
        "schedule",
        [{"name": "when", "type": 3, "value": "daily 09:00"}],
        permissions=permissions,
    )


async def test_injected_command_carries_member_permissions(fake_discord: FakeDiscord) -> None:
    injected = await command(fake_discord, permissions=1 << 5)
    assert injected.payload["member"]["permissions"] == str(1 << 5)
    assert injected.payload["data"]["options"][0]["value"] == "daily 09:00"
    assert injected.payload["attachment_size_limit"] > 0


async def test_callback_with_response_returns_the_message(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    injected = await command(fake_discord)
    reply = await api.call(
        "POST",
        f"/interactions/{injected.id}/{injected.token}/callback?with_response=1",
        auth=False,
        json={"type": 4, "data": {"content": "Scheduled.", "flags": 64}},
    )
    assert reply.body["interaction"]["id"] == str(injected.id)
    assert reply.body["resource"]["type"] == 4
    assert reply.body["resource"]["message"]["content"] == "Scheduled."
    assert reply.body["interaction"]["response_message_ephemeral"] is True


async def test_second_acknowledgement_is_40060(fake_discord: FakeDiscord, api: RawApi) -> None:
    injected = await command(fake_discord)
    path = f"/interactions/{injected.id}/{injected.token}/callback"
    await api.call("POST", path, auth=False, json={"type": 5})
    again = await api.call("POST", path, auth=False, json={"type": 4, "data": {"content": "x"}})
    assert (again.status, again.body["code"]) == (400, 40060)


async def test_deferral_then_edit_original(fake_discord: FakeDiscord, api: RawApi) -> None:
    injected = await command(fake_discord)
    deferred = await api.call(
        "POST",
        f"/interactions/{injected.id}/{injected.token}/callback?with_response=1",
        auth=False,
        json={"type": 5},
    )
    original = f"/webhooks/{fake_discord.application_id}/{injected.token}/messages/@original"
    edited = await api.call("PATCH", original, auth=False, json={"content": "Done."})
    fetched = await api.call("GET", original, auth=False)
    assert deferred.body["interaction"]["response_message_loading"] is True
    assert edited.body["content"] == fetched.body["content"] == "Done."
    assert injected.response_type == 5


async def test_follow_up_is_posted(fake_discord: FakeDiscord, api: RawApi) -> None:
    injected = await command(fake_discord)
    await api.call(
        "POST",
        f"/interactions/{injected.id}/{injected.token}/callback",
        auth=False,
        json={"type": 4, "data": {"content": "first"}},
    )
    await api.call(
        "POST",
        f"/webhooks/{fake_discord.application_id}/{injected.token}?wait=true",
        auth=False,
        json={"content": "second"},
    )
    assert [m.content for m in injected.followups] == ["second"]


async def test_unknown_webhook_is_10015(fake_discord: FakeDiscord, api: RawApi) -> None:
    reply = await api.call("POST", "/webhooks/1/nope?wait=true", auth=False, json={"content": "x"})
    assert (reply.status, reply.body["code"]) == (404, 10015)


async def test_webhook_execute_into_a_thread(fake_discord: FakeDiscord, api: RawApi) -> None:
    guild = fake_discord.add_guild()
    forum = fake_discord.add_channel(guild.id, "digests")
    thread = fake_discord.add_thread(forum.id, "weekly", archived=True)
    hook = fake_discord.add_webhook(forum.id)
    reply = await api.call(
        "POST",
        f"/webhooks/{hook.id}/{hook.token}?wait=true&thread_id={thread.id}",
        auth=False,
        json={"content": "digest"},
    )
    assert reply.body["channel_id"] == str(thread.id)
    assert reply.body["webhook_id"] == str(hook.id)
    assert thread.archived is False


async def test_bulk_overwrite_guild_commands(fake_discord: FakeDiscord, api: RawApi) -> None:
    guild = fake_discord.add_guild()
    path = f"/applications/{fake_discord.application_id}/guilds/{guild.id}/commands"
    put = await api.call("PUT", path, json=[{"name": "schedule", "description": "d"}])
    got = await api.call("GET", path)
    assert got.body == put.body
    assert put.body[0]["guild_id"] == str(guild.id)


async def test_threads_active_and_archived(fake_discord: FakeDiscord, api: RawApi) -> None:
    guild = fake_discord.add_guild(bot_permissions=DEFAULT_BOT_PERMISSIONS | p.MANAGE_THREADS)
    parent = fake_discord.add_channel(guild.id, "general")
    live = fake_discord.add_thread(parent.id, "live")
    old = fake_discord.add_thread(parent.id, "old", archived=True)
    secret = fake_discord.add_thread(parent.id, "secret", private=True, archived=True)
    active = await api.call("GET", f"/guilds/{guild.id}/threads/active")
    public = await api.call("GET", f"/channels/{parent.id}/threads/archived/public")
    private = await api.call("GET", f"/channels/{parent.id}/threads/archived/private")
    assert [t["id"] for t in active.body["threads"]] == [str(live.id)]
    assert [t["id"] for t in public.body["threads"]] == [str(old.id)]
    assert [t["id"] for t in private.body["threads"]] == [str(secret.id)]


async def test_archived_private_threads_need_manage_threads(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    guild = fake_discord.add_guild()
    parent = fake_discord.add_channel(guild.id, "general")
    fake_discord.add_thread(parent.id, "secret", private=True, archived=True)
    private = await api.call("GET", f"/channels/{parent.id}/threads/archived/private")
    public = await api.call("GET", f"/channels/{parent.id}/threads/archived/public")
    assert (private.status, private.body["code"]) == (403, 50013)
    assert public.status == 200


async def test_dm_channel_and_blocked_dm(fake_discord: FakeDiscord, api: RawApi) -> None:
    alice = fake_discord.add_user("alice")
    dm = await api.call("POST", "/users/@me/channels", json={"recipient_id": str(alice.id)})
    fake_discord.dm_blocked.add(alice.id)
    refused = await api.call("POST", f"/channels/{dm.body['id']}/messages", json={"content": "hi"})
    assert dm.body["type"] == 1
    assert (refused.status, refused.body["code"]) == (403, 50007)


async def test_injecting_without_a_bot_session_is_refused(fake_discord: FakeDiscord) -> None:
    fake_discord.gateway.sessions.clear()
    with pytest.raises(RuntimeError, match="no bot has identified"):
        await command(fake_discord)


async def test_channel_option_is_resolved_with_member_permissions(
    fake_discord: FakeDiscord,
) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_channel(guild.id, "general")
    target = fake_discord.add_channel(guild.id, "announcements")
    member = fake_discord.add_member(guild.id, "alice")
    fake_discord.set_overwrite(target.id, guild.id, deny=1 << 11)
    options = [
        {"name": "add", "type": 1, "options": [{"name": "to", "type": 7, "value": str(target.id)}]}
    ]
    injected = await fake_discord.inject_command(channel.id, member.user.id, "schedule", options)
    resolved = injected.payload["data"]["resolved"]["channels"][str(target.id)]
    assert int(resolved["permissions"]) & (1 << 11) == 0
    assert int(resolved["permissions"]) & (1 << 10)


async def test_ephemeral_reply_stays_out_of_history(fake_discord: FakeDiscord, api: RawApi) -> None:
    injected = await command(fake_discord)
    await api.call(
        "POST",
        f"/interactions/{injected.id}/{injected.token}/callback",
        auth=False,
        json={"type": 4, "data": {"content": "only you", "flags": 64}},
    )
    history = await api.call("GET", f"/channels/{injected.channel_id}/messages")
    assert injected.original.content == "only you"
    assert history.body == []
