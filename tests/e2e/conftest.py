"""The real `summarybot run` as a subprocess against the wire-level fake Discord.

`bot_process` starts the console entry point (`python -m bot.cli run`) with an isolated
database, digest folder and environment pointing `discord.api_base` at the fake; it always
kills the process at teardown. Tests wait on facts the fake observes (`fake.wait_for`), never
on sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.fakediscord import plugin
from tests.fakediscord.bot_env import bot_env as fake_bot_env
from tests.fakediscord.plugin import discord_py_at_fake  # noqa: F401
from tests.fakediscord.server import FakeDiscord

fake_discord = plugin.fake_discord


@dataclass
class BotProcess:
    """One `summarybot run` process and what it wrote to stderr."""

    fake: FakeDiscord
    workdir: Path
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    stderr_lines: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    @property
    def database(self) -> Path:
        return Path(self.env["SUMMARYBOT_STORAGE__PATH"])

    @property
    def file_root(self) -> Path:
        return Path(self.env["SUMMARYBOT_DELIVERY__FILE_ROOT"])

    async def start(self, *args: str, **overrides: str) -> BotProcess:
        """Start `summarybot run *args` with the environment plus `overrides`."""
        env = self.env | overrides
        self.stderr_lines = []
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            *args,
            cwd=self.workdir,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.process is not None
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.stderr_lines.append(line.decode(errors="replace").rstrip("\n"))
            self.fake._notify()  # tests may wait for a line with `fake.wait_for`

    @property
    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    async def wait_exit(self, timeout: float = 15) -> int:  # noqa: ASYNC109
        assert self.process is not None
        code = await asyncio.wait_for(self.process.wait(), timeout)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, timeout)
        return code

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:  # noqa: ASYNC109
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
        return await self.wait_exit(timeout)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)

    async def wait_ready(self, timeout: float = 20) -> None:  # noqa: ASYNC109
        """Commands synced and a gateway session identified."""
        await self.fake.wait_for(
            lambda: (
                (self.fake.gateway.identifies >= 1 and bool(self.fake.gateway.connected))
                or self.exited()
            ),
            timeout=timeout,
        )
        assert not self.exited(), self.stderr

    def exited(self) -> bool:
        return self.process is not None and self.process.returncode is not None


@dataclass
class Seeded:
    """The guild the bot finds on the fake: an admin, a member, #general and #digest."""

    guild_id: int
    general: int
    digest: int
    admin: Any
    member: Any


def seed_guild(fake: FakeDiscord, name: str, shard: tuple[int, int] | None = None) -> Seeded:
    """A guild with an admin (Manage Server), a member, #general and #digest."""
    guild = fake.add_guild(name, shard=shard)
    admins = fake.add_role(guild.id, "Admins", 1 << 5)  # MANAGE_GUILD
    admin = fake.add_member(guild.id, "ada", roles=[admins.id])
    member = fake.add_member(guild.id, "bob")
    general = fake.add_channel(guild.id, "general")
    digest = fake.add_channel(guild.id, "digest")
    return Seeded(guild.id, general.id, digest.id, admin.user, member.user)


@pytest.fixture
def seeded(fake_discord: FakeDiscord) -> Seeded:
    fake_discord.gateway.heartbeat_interval_ms = 500
    return seed_guild(fake_discord, "Quillpress")


def bot_env(fake: FakeDiscord, workdir: Path, **settings: str) -> dict[str, str]:
    """The end-to-end tests' process environment: `fakediscord.bot_env` with what they share.

    Webhooks are loopback receivers over plain HTTP, any message makes a digest, and a stop
    has five seconds; `settings` (`SUMMARYBOT_` variables without the prefix) win.
    """
    shared = {
        "DISCORD__SHUTDOWN_TIMEOUT_SECONDS": "5",
        "DELIVERY__ALLOW_INSECURE_HTTP": "true",
        "DELIVERY__ALLOW_PRIVATE_ADDRESSES": "true",
        "SUMMARIZER__MIN_MESSAGES": "1",
    }
    return fake_bot_env(fake, workdir, **(shared | settings))


@contextlib.asynccontextmanager
async def killed_at_exit(*processes: BotProcess) -> AsyncIterator[None]:
    """Kill the processes still running when the block ends; print their stderr."""
    try:
        yield
    finally:
        for number, process in enumerate(processes):
            await process.kill()
            # Shown when a test fails.
            print(f"--- summarybot stderr ({number}) ---\n{process.stderr}")


@pytest.fixture
async def bot_process(
    fake_discord: FakeDiscord, seeded: Seeded, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    env = bot_env(
        fake_discord,
        tmp_path,
        DISCORD__GUILD_IDS=f"[{seeded.guild_id}]",
        STORAGE__PATH=str(tmp_path / "summarybot.db"),
    )
    process = BotProcess(fake_discord, tmp_path, env)
    async with killed_at_exit(process):
        yield process


@dataclass
class Receiver:
    """A local webhook consumer: records every request's headers and body.

    A request `holding(body)` picks is recorded but answered only once `released` is set:
    a sender killed meanwhile has sent it and never learns that it arrived.
    """

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    on_receive: Callable[[], None] = lambda: None
    holding: Callable[[bytes], bool] | None = None
    released: asyncio.Event = field(default_factory=asyncio.Event)
    held: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
async def receiver(fake_discord: FakeDiscord) -> AsyncIterator[Receiver]:
    found = Receiver(on_receive=fake_discord._notify)

    async def handle(request: web.Request) -> web.Response:
        headers, body = dict(request.headers), await request.read()
        found.received.append((headers, body))
        held = found.holding is not None and found.holding(body)
        if held:
            found.held.append(headers)
        found.on_receive()
        if held:
            await found.released.wait()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    found.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield found
    finally:
        found.released.set()
        await runner.cleanup()
