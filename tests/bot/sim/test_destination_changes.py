"""What an admin sees changing a destination in place: enable, rotate-secret and edit.

Each keeps the destination's id; `enable` only switches a disabled destination back on after a
test digest got through, and `rotate-secret` shows the new secret once while deliveries carry
a signature for the old one too, so the receiving service never rejects one while it switches.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import standardwebhooks.webhooks
from aiohttp import web
from helpers import text
from standardwebhooks import Webhook

from bot.config import Settings


@pytest.fixture
def bot_settings(tmp_path) -> Settings:
    # A webhook receiver on loopback over plain http: allowed here, refused by default. Two
    # failing runs in a row disable a destination.
    return Settings.model_validate(
        {
            "storage": {"path": str(tmp_path / "summarybot.db")},
            "delivery": {
                "file_root": str(tmp_path / "digests"),
                "max_attempts": 1,
                "allow_insecure_http": True,
                "allow_private_addresses": True,
                "max_consecutive_destination_failures": 2,
            },
            "summarizer": {"min_messages": 1},
        }
    )


class Receiver:
    """A signed-webhook consumer on loopback that answers `status` and keeps every request."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((await request.text(), dict(request.headers)))
        return web.Response(status=self.status, text="ok" if self.status < 300 else "broken")


@pytest.fixture
async def receiver():
    made = Receiver()
    app = web.Application()
    app.router.add_post("/hook/secret-token", made.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    made.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook/secret-token"
    yield made
    await runner.cleanup()


@pytest.fixture
def verifier_at_sim_time(world, monkeypatch):
    """standardwebhooks checks the timestamp against the wall clock; the bot runs on simcord's."""

    class SimDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return world.env.now().astimezone(tz)

    monkeypatch.setattr(standardwebhooks.webhooks, "datetime", SimDatetime)


def scheduler(world):
    return world.env.bot.require_scheduler()


async def with_webhook(world, receiver):
    """A schedule posting to #digest and to the receiver; returns it and the webhook."""
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.digest,
        webhook=receiver.url,
        confirm_wider_audience=True,
    )
    [schedule] = await scheduler(world).list(world.guild.id)
    [_, hook] = schedule.destinations
    return schedule, hook


async def current(world, schedule_id, destination_id):
    schedule = await scheduler(world).get(schedule_id)
    return next(d for d in schedule.destinations if d.id == destination_id)


async def test_a_disabled_webhook_is_enabled_again_only_once_a_test_gets_through(world, receiver):
    schedule, hook = await with_webhook(world, receiver)
    await world.say(world.general, "the release is on Thursday")
    receiver.status = 500
    for _ in range(2):
        await world.admin.slash(world.general, "schedule run", schedule=schedule.id)
        await world.say(world.general, "one more thing about the release")
    assert "failed 2 runs in a row" in (await current(world, schedule.id, hook.id)).disabled_reason

    refused = await world.admin.slash(
        world.general, "schedule destination enable", schedule=schedule.id, destination=hook.id
    )
    assert refused.ephemeral
    assert f"❌ `{hook.id}` stays disabled" in text(refused)
    assert "HTTP 500" in text(refused)
    assert "/hook" not in text(refused)  # the URL stays masked
    assert (await current(world, schedule.id, hook.id)).disabled_reason

    receiver.status = 200
    enabled = await world.admin.slash(
        world.general, "schedule destination enable", schedule=schedule.id, destination=hook.id
    )

    assert f"`{hook.id}` is enabled again, with the same id and signing secret" in text(enabled)
    after = await current(world, schedule.id, hook.id)
    assert after.disabled_reason is None
    assert after.secret == hook.secret  # the receiver needs no new secret
    audit = await scheduler(world).store.list_audit(schedule_id=schedule.id)
    assert [e.detail.get("destination_enabled") for e in audit[:1]] == [hook.id]
    assert any(e.detail.get("destination_enable_refused") == hook.id for e in audit)
    # Its failures count from zero again: one more failing run does not disable it at once.
    receiver.status = 500
    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)
    assert (await current(world, schedule.id, hook.id)).disabled_reason is None


async def test_enabling_a_destination_that_works_is_refused_with_what_to_do(world, receiver):
    schedule, hook = await with_webhook(world, receiver)

    result = await world.admin.slash(
        world.general, "schedule destination enable", schedule=schedule.id, destination=hook.id
    )

    assert "is not disabled" in text(result)
    assert "/schedule destination test" in text(result)
    assert receiver.requests == []


async def test_a_rotated_secret_is_shown_once_and_both_secrets_verify_meanwhile(
    world, receiver, verifier_at_sim_time
):
    schedule, hook = await with_webhook(world, receiver)
    old = hook.secret

    rotated = await world.admin.slash(
        world.general,
        "schedule destination rotate-secret",
        schedule=schedule.id,
        destination=hook.id,
    )

    assert rotated.ephemeral
    after = await current(world, schedule.id, hook.id)
    assert after.id == hook.id
    assert after.secret != old
    assert after.secret in text(rotated)  # shown once, to the admin only
    assert old not in text(rotated)
    assert "signed with the new and the old secret" in text(rotated)
    await world.say(world.general, "the release is on Thursday")
    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)
    [(body, headers)] = receiver.requests
    for secret in (old, after.secret):  # a receiver not yet switched over, and one that has
        assert Webhook(secret).verify(body, headers)["type"] == "summary.created"
    shown = await world.admin.slash(world.general, "schedule show", schedule=schedule.id)
    assert "also with the previous secret until" in text(shown)
    assert after.secret not in text(shown)


async def test_only_a_signed_webhook_has_a_secret_to_rotate(world, receiver):
    schedule, _ = await with_webhook(world, receiver)
    [channel, _] = schedule.destinations

    result = await world.admin.slash(
        world.general,
        "schedule destination rotate-secret",
        schedule=schedule.id,
        destination=channel.id,
    )

    assert "has no signing secret" in text(result)


async def test_editing_a_channel_destination_changes_how_it_posts(world, receiver):
    schedule, _ = await with_webhook(world, receiver)
    [channel, hook] = schedule.destinations
    readers = world.guild.create_role("Readers", mentionable=True)

    edited = await world.admin.slash(
        world.general,
        "schedule destination edit",
        schedule=schedule.id,
        destination=channel.id,
        style="markdown",
        mention=readers,
    )

    assert f"Changed `{channel.id}`" in text(edited)
    after = await current(world, schedule.id, channel.id)
    assert (after.id, after.style, after.mention_role_id) == (channel.id, "markdown", readers.id)
    await world.say(world.general, "the release is on Thursday")
    await world.admin.slash(world.general, "schedule run", schedule=schedule.id)
    [digest] = [m for m in world.digest.history() if m.author.id == world.env.bot.user.id]
    assert not digest.embeds
    assert [r.id for r in digest.role_mentions] == [readers.id]

    removed = await world.admin.slash(
        world.general,
        "schedule destination edit",
        schedule=schedule.id,
        destination=channel.id,
        remove_mention=True,
    )
    assert f"Changed `{channel.id}`" in text(removed)
    assert (await current(world, schedule.id, channel.id)).mention_role_id is None

    everyone = await world.admin.slash(
        world.general,
        "schedule destination edit",
        schedule=schedule.id,
        destination=channel.id,
        mention=world.guild.default_role,
    )
    assert "never @everyone" in text(everyone)
    not_a_channel = await world.admin.slash(
        world.general,
        "schedule destination edit",
        schedule=schedule.id,
        destination=hook.id,
        style="markdown",
    )
    assert "Only a channel destination has a style" in text(not_a_channel)
    audit = await scheduler(world).store.list_audit(schedule_id=schedule.id)
    assert {"destination_edited": channel.id, "fields": ["mention_role_id"]} in [
        e.detail for e in audit
    ]
