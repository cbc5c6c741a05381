"""Message creation fidelity: errors, limits, permissions, nonce dedup, pings, wire format."""

from __future__ import annotations

import json

import aiohttp

from tests.fakediscord import permissions as p
from tests.fakediscord.fakediscord_client import RawApi
from tests.fakediscord.server import FakeDiscord


def text_channel(fake: FakeDiscord) -> int:
    guild = fake.add_guild()
    return fake.add_channel(guild.id, "digests").id


async def post(api: RawApi, channel: int, **payload: object):
    return await api.call("POST", f"/channels/{channel}/messages", json=payload)


async def test_json_content_type_is_exact(fake_discord: FakeDiscord, api: RawApi) -> None:
    reply = await post(api, text_channel(fake_discord), content="hi")
    assert reply.headers["Content-Type"] == "application/json"


async def test_bad_token_is_401(fake_discord: FakeDiscord, api: RawApi) -> None:
    reply = await api.call("GET", "/users/@me", auth=False)
    assert (reply.status, reply.body["message"]) == (401, "401: Unauthorized")


async def test_oversized_embed_title_names_the_field(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    embeds = [{"title": "ok"}, {"title": "x" * 257}]
    reply = await post(api, text_channel(fake_discord), embeds=embeds)
    assert (reply.status, reply.body["code"]) == (400, 50035)
    errors = reply.body["errors"]["embeds"]["1"]["title"]["_errors"]
    assert errors[0]["code"] == "BASE_TYPE_MAX_LENGTH"


async def test_field_value_over_1024_names_the_field(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    embed = {"fields": [{"name": "a", "value": "b"}, {"name": "n", "value": "v" * 1025}]}
    reply = await post(api, text_channel(fake_discord), embeds=[embed])
    assert "value" in reply.body["errors"]["embeds"]["0"]["fields"]["1"]


async def test_embeds_over_6000_in_total_are_refused(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    embeds = [{"description": "d" * 4000}, {"description": "d" * 2001}]
    reply = await post(api, text_channel(fake_discord), embeds=embeds)
    assert reply.body["errors"]["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"


async def test_content_over_2000_is_refused(fake_discord: FakeDiscord, api: RawApi) -> None:
    reply = await post(api, text_channel(fake_discord), content="c" * 2001)
    assert "content" in reply.body["errors"]


async def test_posting_without_send_permission_is_50013(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    channel = text_channel(fake_discord)
    guild_id = fake_discord.channels[channel].guild_id
    fake_discord.set_overwrite(channel, guild_id, deny=p.SEND_MESSAGES)
    fake_discord.bot_role(guild_id).permissions &= ~p.SEND_MESSAGES
    reply = await post(api, channel, content="hi")
    assert (reply.status, reply.body["code"]) == (403, 50013)
    assert fake_discord.posted(channel) == []


async def test_member_overwrite_beats_role_overwrite(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    channel = text_channel(fake_discord)
    guild_id = fake_discord.channels[channel].guild_id
    fake_discord.set_overwrite(channel, fake_discord.bot_role(guild_id).id, deny=p.SEND_MESSAGES)
    fake_discord.set_overwrite(channel, fake_discord.bot_user.id, allow=p.SEND_MESSAGES)
    reply = await post(api, channel, content="hi")
    assert reply.status == 200


async def test_embed_without_embed_links_is_50013(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = text_channel(fake_discord)
    guild_id = fake_discord.channels[channel].guild_id
    fake_discord.set_overwrite(channel, fake_discord.bot_role(guild_id).id, deny=p.EMBED_LINKS)
    fake_discord.set_overwrite(channel, guild_id, deny=p.EMBED_LINKS)
    reply = await post(api, channel, embeds=[{"title": "t"}])
    assert reply.body["code"] == 50013


async def test_unknown_channel_and_message(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = text_channel(fake_discord)
    unknown_channel = await post(api, 123, content="hi")
    unknown_message = await api.call("GET", f"/channels/{channel}/messages/456")
    assert (unknown_channel.status, unknown_channel.body["code"]) == (404, 10003)
    assert (unknown_message.status, unknown_message.body["code"]) == (404, 10008)


async def test_enforced_nonce_is_posted_once(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = text_channel(fake_discord)
    first = await post(api, channel, content="digest", nonce="run-1", enforce_nonce=True)
    again = await post(api, channel, content="digest", nonce="run-1", enforce_nonce=True)
    assert first.body["id"] == again.body["id"]
    assert len(fake_discord.posted(channel)) == 1


async def test_nonce_without_enforce_posts_twice(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = text_channel(fake_discord)
    await post(api, channel, content="digest", nonce="run-1")
    await post(api, channel, content="digest", nonce="run-1")
    assert len(fake_discord.posted(channel)) == 2


async def test_omitted_allowed_mentions_pings_users_and_everyone(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    channel = text_channel(fake_discord)
    await post(api, channel, content="<@42> @everyone")
    [(_, pings)] = fake_discord.pings(channel)
    assert (pings.users, pings.everyone) == ([42], True)


async def test_empty_parse_pings_nobody(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = text_channel(fake_discord)
    await post(api, channel, content="<@42> @everyone", allowed_mentions={"parse": []})
    assert fake_discord.pings(channel) == []


async def test_explicit_user_list_pings_only_them(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = text_channel(fake_discord)
    await post(api, channel, content="<@1> <@2>", allowed_mentions={"parse": [], "users": ["2"]})
    [(_, pings)] = fake_discord.pings(channel)
    assert pings.users == [2]


async def test_webhook_default_pings_users_only(fake_discord: FakeDiscord, api: RawApi) -> None:
    hook = fake_discord.add_webhook(text_channel(fake_discord))
    reply = await api.call(
        "POST",
        f"/webhooks/{hook.id}/{hook.token}?wait=true",
        auth=False,
        json={"content": "<@7> @everyone"},
    )
    [(_, pings)] = fake_discord.pings(hook.channel_id)
    assert reply.status == 200
    assert (pings.users, pings.everyone) == ([7], False)


async def test_multipart_payload_json_with_a_file(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = text_channel(fake_discord)
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps({"content": "with file"}))
    form.add_field("files[0]", b"# digest", filename="digest.md")
    reply = await api.call("POST", f"/channels/{channel}/messages", data=form)
    assert reply.body["content"] == "with file"
    assert reply.body["attachments"][0]["filename"] == "digest.md"


async def test_edit_and_delete(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = text_channel(fake_discord)
    created = await post(api, channel, content="draft")
    path = f"/channels/{channel}/messages/{created.body['id']}"
    edited = await api.call("PATCH", path, json={"content": "final"})
    deleted = await api.call("DELETE", path)
    assert edited.body["content"] == "final"
    assert deleted.status == 204
    assert fake_discord.messages(channel) == []


async def test_unmatched_route_is_a_json_404_and_listed(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    reply = await api.call("GET", "/guilds/1/audit-logs")
    assert (reply.status, reply.headers["Content-Type"]) == (404, "application/json")
    assert fake_discord.unmatched == ["GET /api/v10/guilds/1/audit-logs"]
