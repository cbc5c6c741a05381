"""`summarybot run --shard-count`: claiming shards before Discord, refusals, the standby."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from bot.cli.main import main
from bot.cli.run import run_bot
from bot.config import HttpSettings, Settings
from bot.ownership import OwnershipError, ShardRequest, claim_shards
from scheduling.settings import StorageSettings
from scheduling.shards import ShardPlan
from scheduling.store.claims import ShardLocks


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pg_settings(url: str, **changes) -> Settings:
    return Settings(storage=StorageSettings(url=url), **changes)


def test_shards_without_a_shard_count_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    assert main(["run", "--shards", "0-3"]) == 2
    assert "--shards and --shards-per-process need --shard-count" in capsys.readouterr().err


def test_a_shard_count_on_sqlite_is_refused_in_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    assert main(["run", "--shard-count", "4"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "summarybot: --shard-count needs PostgreSQL (storage.url): processes on one SQLite"
        " file cannot tell each other which shards they hold; run one process without it"
    )


def test_a_shard_count_below_one_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    with pytest.raises(SystemExit) as exited:
        main(["run", "--shard-count", "0"])
    assert exited.value.code == 2
    assert "expected a whole number of at least 1, not '0'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--shards", "2-9"], "shard 4 does not exist: with 4 shards they are 0 to 3"),
        (
            ["--shards-per-process", "5"],
            "--shards-per-process must be 1 to the shard count (4), not 5",
        ),
    ],
)
def test_bad_shard_flags_are_explained(monkeypatch, capsys, postgres_url, tmp_path, argv, words):
    config = tmp_path / "pg.toml"
    config.write_text(f'[storage]\nurl = "{postgres_url}"\n')
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    assert main(["run", "--config", str(config), "--shard-count", "4", *argv]) == 1
    assert f"summarybot: {words}" in capsys.readouterr().err


async def test_a_pinned_process_that_collides_is_refused_naming_the_holder(postgres_url):
    holder = await ShardLocks.connect(postgres_url, None, 4)
    try:
        assert await holder.try_take(ShardPlan(4, (0, 1)))
        with pytest.raises(OwnershipError) as caught:
            await run_bot(pg_settings(postgres_url), "token", ShardRequest(4, "1-2"))
        message = str(caught.value)
        assert message.startswith("shards 1-2 of 4 are already served: 1: summarybot ")
        assert message.endswith("shards 0-1 of 4 (stop that process or pin other shards)")
        # Nothing was kept: shard 2 is still free for another process.
        assert await holder.try_take(ShardPlan(4, (2,)))
    finally:
        await holder.close()


async def test_a_standby_reports_itself_healthy_and_takes_a_freed_group(postgres_url):
    first = await ShardLocks.connect(postgres_url, None, 4)
    assert await first.try_take(ShardPlan(4, (0, 1, 2, 3)))
    port = free_port()
    settings = pg_settings(postgres_url, http=HttpSettings(enabled=True, port=port))
    lost: list[bool] = []
    claim = asyncio.create_task(
        claim_shards(settings, ShardRequest(4, "auto", 2), on_lost=lambda: lost.append(True))
    )
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):  # until the standby serves its port
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        assert response.status == 200
                        body = await response.json()
                        break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.02)
            assert body == {
                "status": "standby",
                "checks": {"shards": "standby: all 4 shards are held (groups of 2)"},
            }
        await first.release()
        plan, locks = await asyncio.wait_for(claim, 10)
        assert plan == ShardPlan(4, (0, 1))
        await locks.close()
        assert lost == []  # a chosen close is not a lost claim
    finally:
        claim.cancel()
        await first.close()


async def test_check_lists_who_holds_which_shards(postgres_url, monkeypatch, capsys, tmp_path):
    config = tmp_path / "pg.toml"
    config.write_text(f'[storage]\nurl = "{postgres_url}"\n')
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    holder = await ShardLocks.connect(postgres_url, None, 16)
    try:
        assert await holder.try_take(ShardPlan(16, (4, 5, 6, 7)))
        code = await asyncio.to_thread(main, ["check", "--config", str(config)])
    finally:
        await holder.close()
    out = capsys.readouterr().out
    assert code == 0
    assert "shards of 16: 4-7: summarybot " in out
    assert "shards of 16: 0-3,8-15: free" in out


def test_a_stop_between_two_phases_of_the_start_is_not_lost():
    """SIGTERM just as the claim ended, before the bot's start: the start sees it at once."""
    from bot.cli.run import _Stopper

    stopper = _Stopper()
    stopper._received("SIGTERM")  # no phase is listening yet
    stopped: list[str] = []
    stopper.during(stopped.append)
    assert stopped == ["SIGTERM"]
    stopper._received("SIGINT")  # a second signal changes nothing
    assert stopped == ["SIGTERM"]
