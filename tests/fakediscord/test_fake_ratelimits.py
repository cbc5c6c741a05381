"""Rate limits look like Discord's: bucket headers, 429 with Via and a float retry_after."""

from __future__ import annotations

from tests.fakediscord.fakediscord_client import RawApi
from tests.fakediscord.ratelimits import MESSAGE_CREATE
from tests.fakediscord.server import FakeDiscord


def text_channel(fake: FakeDiscord) -> int:
    guild = fake.add_guild()
    return fake.add_channel(guild.id, "digests").id


async def test_bucket_headers_count_down(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = text_channel(fake_discord)
    first = await api.call("POST", f"/channels/{channel}/messages", json={"content": "1"})
    second = await api.call("POST", f"/channels/{channel}/messages", json={"content": "2"})
    assert first.headers["X-RateLimit-Limit"] == "5"
    assert (first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]) == (
        "4",
        "3",
    )
    assert 0 < float(first.headers["X-RateLimit-Reset-After"]) <= 5
    assert float(first.headers["X-RateLimit-Reset"]) > 1_700_000_000
    assert first.headers["X-RateLimit-Bucket"] == second.headers["X-RateLimit-Bucket"]


async def test_over_the_bucket_is_429_with_via(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel = text_channel(fake_discord)
    fake_discord.set_route_limit(MESSAGE_CREATE, limit=1, per=30.0)
    await api.call("POST", f"/channels/{channel}/messages", json={"content": "1"})
    refused = await api.call("POST", f"/channels/{channel}/messages", json={"content": "2"})
    assert refused.status == 429
    assert refused.headers["Via"]
    assert refused.headers["X-RateLimit-Scope"] == "user"
    assert isinstance(refused.body["retry_after"], float)
    assert 0 < refused.body["retry_after"] <= 30
    assert refused.body["global"] is False
    assert len(fake_discord.rate_limited) == 1
    assert len(fake_discord.posted(channel)) == 1


async def test_buckets_are_per_channel(fake_discord: FakeDiscord, api: RawApi) -> None:
    guild = fake_discord.add_guild()
    one = fake_discord.add_channel(guild.id, "one").id
    two = fake_discord.add_channel(guild.id, "two").id
    fake_discord.set_route_limit(MESSAGE_CREATE, limit=1, per=30.0)
    await api.call("POST", f"/channels/{one}/messages", json={"content": "1"})
    other = await api.call("POST", f"/channels/{two}/messages", json={"content": "2"})
    assert other.status == 200


async def test_global_limit_is_429_global(fake_discord: FakeDiscord, api: RawApi) -> None:
    fake_discord.set_global_limit(2)
    statuses = [(await api.call("GET", "/users/@me")) for _ in range(3)]
    refused = statuses[-1]
    assert [r.status for r in statuses] == [200, 200, 429]
    assert refused.headers["X-RateLimit-Global"] == "true"
    assert refused.headers["X-RateLimit-Scope"] == "global"
    assert refused.body["global"] is True


async def test_webhook_bucket_is_five_per_two_seconds(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    hook = fake_discord.add_webhook(text_channel(fake_discord))
    replies = [
        await api.call(
            "POST", f"/webhooks/{hook.id}/{hook.token}", auth=False, json={"content": "x"}
        )
        for _ in range(6)
    ]
    assert [r.status for r in replies] == [204] * 5 + [429]
    assert replies[0].headers["X-RateLimit-Limit"] == "5"


async def test_requests_per_route_are_counted(fake_discord: FakeDiscord, api: RawApi) -> None:
    await api.call("GET", "/users/@me")
    await api.call("GET", "/gateway/bot")
    await api.call("GET", "/users/@me")
    counts = fake_discord.requests_per_route()
    assert (counts["GET /users/@me"], counts["GET /gateway/bot"]) == (2, 1)


async def test_injected_5xx_then_recovery(fake_discord: FakeDiscord, api: RawApi) -> None:
    fake_discord.fail_next("GET /users/@me", times=2, status=502)
    statuses = [(await api.call("GET", "/users/@me")).status for _ in range(3)]
    assert statuses == [502, 502, 200]


async def test_interaction_follow_ups_skip_the_global_limit(
    fake_discord: FakeDiscord, api: RawApi, identified: object
) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_channel(guild.id, "general")
    member = fake_discord.add_member(guild.id, "alice")
    injected = await fake_discord.inject_command(channel.id, member.user.id, "digest")
    fake_discord.set_global_limit(1)
    callback = f"/interactions/{injected.id}/{injected.token}/callback"
    follow_up = f"/webhooks/{fake_discord.application_id}/{injected.token}"
    statuses = [(await api.call("POST", callback, auth=False, json={"type": 5})).status]
    for n in range(3):
        reply = await api.call("POST", follow_up, auth=False, json={"content": str(n)})
        statuses.append(reply.status)
    assert statuses == [204, 200, 200, 200]
