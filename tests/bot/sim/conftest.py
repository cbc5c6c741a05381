"""simcord fixtures: the real bot (`create_bot`) on an isolated database and digest folder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord
import pytest

from bot.app import SummaryBot, create_bot
from bot.cogs.replies import error_text
from bot.config import Settings
from scheduling.models import utc_now


@pytest.fixture
def bot_settings(tmp_path) -> Settings:
    return Settings.model_validate(
        {
            "storage": {"path": str(tmp_path / "summarybot.db")},
            "delivery": {"file_root": str(tmp_path / "digests"), "max_attempts": 1},
            "summarizer": {"min_messages": 1},
        }
    )


class SimClock:
    """The bot's clock, following simcord's virtual time once the environment exists."""

    def __init__(self) -> None:
        self.env: Any = None

    def __call__(self) -> datetime:
        return self.env.now() if self.env is not None else utc_now()


@pytest.fixture
def sim_clock() -> SimClock:
    return SimClock()


async def close_bot(bot: SummaryBot) -> None:
    """simcord detaches a bot without closing it; an open store would keep pytest alive."""
    for session in (bot.session, bot.webhook_session):
        if session is not None and not session.closed:
            await session.close()
    if bot.store is not None:
        await bot.store.close()


@pytest.fixture
async def build_bot(bot_settings, sim_clock):
    """Build bots on the test's database (a rebuild is a restart); all are closed at the end.

    A fixture rather than a module-level list: a test importing this conftest gets a second
    copy of the module, whose bots the teardown would never see.
    """
    built: list[SummaryBot] = []

    def build(settings: Settings | None = None) -> SummaryBot:
        # APScheduler's wall-clock timers don't follow simcord's virtual clock: runs are
        # triggered with /schedule run here; firing on time is tested in tests/e2e.
        bot = create_bot(
            settings or bot_settings, shard_count=1, start_scheduler=False, clock=sim_clock
        )
        built.append(bot)
        return bot

    yield build
    for bot in built:
        await close_bot(bot)


@pytest.fixture
def simcord_bot(build_bot):
    return build_bot()


@pytest.fixture
def expected_errors() -> list[BaseException]:
    """Errors a test provoked on purpose (a simulated bug), which it asserts on itself."""
    return []


@pytest.fixture(autouse=True)
def errors_are_answers(simcord_env, expected_errors):
    """Refusals travel as exceptions to the tree's error handler, which simcord records.

    They are answers, not bugs: acknowledge those `error_text` words for a member, and fail
    the test on anything else (a bug the member would see as an apology with an error id).
    """
    yield
    claimed = {id(e) for e in expected_errors}
    unexpected = [e for e in simcord_env.errors if error_text(e) is None and id(e) not in claimed]
    if unexpected:
        pytest.fail(f"the bot raised unexpected errors: {unexpected!r}")


@dataclass
class World:
    """A guild with an admin, a plain member, a public and a private channel, a digest channel."""

    env: Any
    guild: Any
    admin: Any
    member: Any
    admins: Any
    general: Any
    secret: Any
    digest: Any

    async def say(self, channel: Any, *texts: str, who: Any = None) -> None:
        # Messages a minute apart, and the clock past the last one: a window ends before "now".
        for text in texts:
            await (who or self.member).send(channel, text)
            await self.env.advance_time(60)


@pytest.fixture
def world(simcord_env, sim_clock) -> World:
    env = simcord_env
    sim_clock.env = env
    guild = env.create_guild(name="Quillpress")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("ada"), roles=[admins])
    member = guild.add_member(env.create_user("bob"))
    general = guild.create_text_channel("general")
    secret = guild.create_text_channel(
        "secret",
        overwrites={
            guild.default_role: discord.PermissionOverwrite(view_channel=False),
            admins: discord.PermissionOverwrite(view_channel=True),
            env.bot.user: discord.PermissionOverwrite(view_channel=True),
        },
    )
    digest = guild.create_text_channel("digest")
    return World(env, guild, admin, member, admins, general, secret, digest)
