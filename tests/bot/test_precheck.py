"""The run-time check waits for the gateway: judged before the guilds arrive, all would pause."""

from __future__ import annotations

import asyncio

import pytest

import bot.app
from bot.app import create_bot
from bot.config import Settings
from scheduling.errors import CheckUnavailableError


async def test_precheck_waits_for_ready_and_gives_up_without_pausing(tmp_path, monkeypatch):
    made = create_bot(Settings.model_validate({"storage": {"path": str(tmp_path / "db")}}))
    await made._async_setup_hook()  # what login() does first: the ready event exists
    monkeypatch.setattr(bot.app, "READY_WAIT_SECONDS", 0.05)

    with pytest.raises(CheckUnavailableError, match="not connected"):
        await made.precheck(object())


async def test_precheck_judges_once_ready(tmp_path, monkeypatch):
    made = create_bot(Settings.model_validate({"storage": {"path": str(tmp_path / "db")}}))
    await made._async_setup_hook()
    judged = []

    async def problem(bot, schedule):
        judged.append(schedule)
        return "the bot is no longer in this server"

    monkeypatch.setattr(bot.app, "run_time_problem", problem)
    waiting = asyncio.create_task(made.precheck("s"))
    await asyncio.sleep(0)
    assert not judged  # still waiting for the gateway
    made._ready.set()
    assert await waiting == "the bot is no longer in this server"
    assert judged == ["s"]
