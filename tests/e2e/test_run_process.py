"""`summarybot run` as people start it: start-up, reconnects, stopping, and refusals."""

from __future__ import annotations

import socket

from scheduling.store import Store
from tests.fakediscord.gateway import MESSAGE_CONTENT


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("summarybot: ")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr, stderr
    return lines[0]


async def test_run_starts_syncs_its_commands_and_stops_cleanly_on_sigterm(
    bot_process, fake_discord, seeded
):
    await bot_process.start()
    await bot_process.wait_ready()
    await fake_discord.wait_for(lambda: seeded.guild_id in fake_discord.commands, timeout=10)
    names = {c["name"] for c in fake_discord.commands[seeded.guild_id]}
    assert {"schedule", "summary"} <= names

    assert await bot_process.stop() == 0
    assert "Traceback" not in bot_process.stderr, bot_process.stderr
    async with await Store.open(bot_process.database) as store:
        assert await store.integrity_check() == "ok"


async def test_run_survives_a_dropped_websocket_and_resumes(bot_process, fake_discord):
    await bot_process.start()
    await bot_process.wait_ready()

    await fake_discord.drop_websocket()

    await fake_discord.wait_for(
        lambda: fake_discord.gateway.resumes >= 1 and bool(fake_discord.gateway.connected),
        timeout=15,
    )
    assert fake_discord.gateway.identifies == 1
    assert not bot_process.exited()
    assert await bot_process.stop() == 0


async def test_a_bad_token_is_one_line(bot_process):
    await bot_process.start(DISCORD_TOKEN="not-the-token")
    assert await bot_process.wait_exit() != 0
    line = one_line(bot_process.stderr)
    assert "refused the token" in line
    assert "DISCORD_TOKEN" in line


async def test_a_missing_message_content_intent_is_one_line(bot_process, fake_discord):
    fake_discord.deny_intents(MESSAGE_CONTENT)
    await bot_process.start()
    assert await bot_process.wait_exit() != 0
    line = one_line(bot_process.stderr)
    assert "Message Content" in line
    assert "Developer Portal" in line


async def test_an_unreachable_discord_is_one_line(bot_process):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await bot_process.start(SUMMARYBOT_DISCORD__API_BASE=f"http://127.0.0.1:{port}/api/v10")
    assert await bot_process.wait_exit() != 0
    assert "cannot reach Discord" in one_line(bot_process.stderr)


async def test_a_missing_token_is_one_line(bot_process):
    await bot_process.start(DISCORD_TOKEN="")
    assert await bot_process.wait_exit() == 2
    assert "set DISCORD_TOKEN" in one_line(bot_process.stderr)


async def test_under_a_rate_limit_the_bot_waits_instead_of_failing(
    bot_process, fake_discord, seeded
):
    # Start-up sends four requests at once; two per second draws a 429 with Discord's headers.
    fake_discord.set_global_limit(2)
    await bot_process.start()
    await bot_process.wait_ready()
    await fake_discord.wait_for(lambda: seeded.guild_id in fake_discord.commands, timeout=15)
    assert fake_discord.rate_limited, "the fake never rate-limited the bot"
    assert not bot_process.exited()
    assert await bot_process.stop() == 0


async def test_after_an_invalid_session_it_reidentifies_at_the_configured_server(
    bot_process, fake_discord
):
    await bot_process.start()
    await bot_process.wait_ready()
    # discord.py falls back to its built-in gateway (the real Discord) after this unless
    # start-up pointed it at discord.api_base's gateway; it waits 5 s before identifying again.
    await fake_discord.invalidate_session(resumable=False)
    await fake_discord.wait_for(
        lambda: fake_discord.gateway.identifies == 2 and bool(fake_discord.gateway.connected),
        timeout=15,
    )
    assert not bot_process.exited()
    assert await bot_process.stop() == 0


async def test_sigterm_during_start_up_exits_zero_quietly(bot_process, fake_discord):
    # The gateway URL hangs, so the signal lands in the middle of start-up.
    fake_discord.set_latency(1.0, "GET /gateway/bot")
    await bot_process.start()
    await fake_discord.wait_for(
        lambda: fake_discord.requests_per_route()["GET /oauth2/applications/@me"] == 1,
        timeout=10,
    )
    assert await bot_process.stop() == 0
    assert "Traceback" not in bot_process.stderr
    assert not [line for line in bot_process.stderr_lines if line.startswith("summarybot: ")]
    assert fake_discord.gateway.identifies == 0
