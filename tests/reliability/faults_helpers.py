"""The in-process rig of the fault tests: the real scheduler, outbox and senders, bad endpoints.

`Rig` wires what `bot.app.SummaryBot.setup_hook` wires (a `Store`, `TaskScheduler` with real
APScheduler on the wall clock, `Outbox`, `WebhookSender` on `webhook_session`, `FileSender`),
minus Discord: the message source is a stand-in that has a few messages in any window.
`Endpoints` is a webhook consumer on 127.0.0.1 that misbehaves per path. `make_read_only`
turns a digest folder read-only in a way that also holds when the tests run as root.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import fcntl
import functools
import os
import socket
import struct
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from delivery.file import FileSender
from delivery.models import Destination
from delivery.settings import DeliverySettings
from delivery.webhook import WebhookSender, webhook_session
from scheduling import jobs
from scheduling.models import Delivery, Interval, Run, RunStatus, Schedule, utc_now
from scheduling.outbox import Outbox
from scheduling.scheduler import TaskScheduler
from scheduling.settings import RetentionSettings, SchedulingSettings
from scheduling.store import Store
from summarizer import summarize
from summarizer.llm import LLMEngine
from summarizer.models import Author, ChannelRef, ChatMessage, GuildRef
from summarizer.settings import LLMSettings
from summarizer.sources import FetchResult

# Seconds between slots (a rig's default). Every fault a test injects ends well within the
# period, so a skipped slot is a finding, not noise.
PERIOD = 2
# How far ahead of "now" the first slot the scheduler fires lies.
LEAD = 0.4
DELIVERY = DeliverySettings(
    allow_insecure_http=True,
    allow_private_addresses=True,
    timeout_seconds=0.4,
    max_attempts=2,
    retry_base_seconds=0.05,
)
SCHEDULING = SchedulingSettings(min_interval_seconds=1, retry_attempts=0)
CHAT = (
    "Should the release move to Friday? The migration is not finished yet.",
    "Friday works if the database migration lands on Thursday evening.",
    "Agreed: the release ships on Friday, right after the migration.",
    "I will update the changelog and the release notes tomorrow morning.",
)


class FakeClock:
    """A clock a test sets (for runs it calls itself; APScheduler follows the wall clock)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# --- the message source ---------------------------------------------------------------------


@dataclass
class ChatEverywhere:
    """Four messages spread over any window asked for; records the windows."""

    windows: list[tuple[datetime, datetime]] = field(default_factory=list)

    async def fetch(
        self,
        channel_ids: Sequence[int],
        start: datetime,
        end: datetime,
        *,
        limit: int,
        include_threads: bool = True,
        private_threads: object = None,
    ) -> FetchResult:
        self.windows.append((start, end))
        step = (end - start) / (len(CHAT) + 1)
        base = int(start.timestamp() * 1000)
        messages = [
            ChatMessage(
                id=base + index,
                channel=ChannelRef(id=channel_ids[0], name="general"),
                author=Author(id=10 + index % 2, name=("ada", "bob")[index % 2]),
                content=text,
                created_at=start + step * (index + 1),
            )
            for index, text in enumerate(CHAT)
        ]
        return FetchResult(
            messages=messages[-limit:],
            guild=GuildRef(id=1, name="Quillpress"),
            channels=[ChannelRef(id=channel_ids[0], name="general")],
        )


# --- a webhook consumer that misbehaves on purpose ------------------------------------------


@dataclass
class Hit:
    """One request a bad endpoint received."""

    path: str
    at: float  # time.monotonic()
    webhook_id: str
    body: bytes = b""


class Endpoints:
    """Webhook paths on 127.0.0.1, each with one behaviour once `faulty` is set (204 before).

    `/ok` always 204 · `/hang` never answers · `/500` always 500 · `/429` always 429 with
    `Retry-After: 1` · `/410` Gone · `/reset` reads the request, then resets the connection
    (RST) · `/trickle` sends its status line and headers one byte every 0.1 s.
    The last two are a raw TCP server: aiohttp cannot misbehave at that level.
    """

    HTTP = ("/ok", "/hang", "/500", "/429", "/410")
    RAW = ("/reset", "/trickle")

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.faulty = False
        self.release = asyncio.Event()  # set at teardown: hanging handlers return
        self._http = ""
        self._raw = ""
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None
        self._raw_tasks: set[asyncio.Task[None]] = set()

    def url(self, path: str) -> str:
        return f"{self._raw if path in self.RAW else self._http}{path}"

    def hits_on(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{name}", self._answer)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._http = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        self._server = await asyncio.start_server(self._raw_connection, "127.0.0.1", 0)
        self._raw = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def close(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._raw_tasks:
            await asyncio.wait(self._raw_tasks, timeout=5)
        if self._runner is not None:
            await self._runner.cleanup()

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.hits.append(Hit(request.path, time.monotonic(), request.headers["webhook-id"], body))
        if not self.faulty:
            return web.Response(status=204)
        if request.path == "/hang":
            await self.release.wait()
            return web.Response(status=204)
        if request.path == "/500":
            return web.Response(status=500, text="internal error")
        if request.path == "/429":
            return web.Response(status=429, text="slow down", headers={"Retry-After": "1"})
        if request.path == "/410":
            return web.Response(status=410, text="gone")
        return web.Response(status=204)

    async def _raw_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._raw_tasks.add(task)
        try:
            await self._raw_exchange(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client gave up first: that is the point of these endpoints
        finally:
            self._raw_tasks.discard(task)
            writer.close()

    async def _raw_exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        path = (await reader.readline()).split()[1].decode()
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        await reader.readexactly(int(headers.get("content-length", "0")))
        self.hits.append(Hit(path, time.monotonic(), headers.get("webhook-id", "")))
        if not self.faulty:
            writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        if path == "/reset":
            # Linger 0: close() sends RST instead of FIN, as a crashing proxy or a firewall does.
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        for byte in b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n":
            if self.release.is_set():
                return
            writer.write(bytes([byte]))
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), 0.1)


# --- the scheduler, outbox and senders, as the bot composes them -----------------------------


class Finished:
    """The scheduler's run observer: every finished run, and a wake-up for waiters."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self._changed = asyncio.Event()

    def run_finished(self, run: Run) -> None:
        self.runs.append(run)
        self._changed.set()

    def deliveries_finished(self, deliveries: Sequence[Delivery]) -> None:
        return None

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()


@dataclass
class Rig:
    """A store, a TaskScheduler and an Outbox with the real senders, on the wall clock."""

    tmp_path: Path
    period: int = PERIOD
    clock: Callable[[], datetime] = utc_now
    delivery: DeliverySettings = field(default_factory=lambda: DELIVERY)
    scheduling: SchedulingSettings = field(default_factory=lambda: SCHEDULING)
    llm: LLMSettings | None = None
    source: ChatEverywhere = field(default_factory=ChatEverywhere)
    finished: Finished = field(default_factory=Finished)
    notices: list[object] = field(default_factory=list)
    store: Store | None = None
    scheduler: TaskScheduler | None = None
    session: aiohttp.ClientSession | None = None
    llm_session: aiohttp.ClientSession | None = None

    @property
    def file_root(self) -> Path:
        return self.tmp_path / "digests"

    async def open(self) -> Rig:
        self.store = await Store.open(self.tmp_path / "summarybot.db")
        self.session = webhook_session(self.delivery)
        senders = {
            "webhook": WebhookSender(self.session, self.delivery, self.clock),
            "file": FileSender(self.file_root),
        }

        async def notify(notice: object) -> None:
            self.notices.append(notice)

        summarize_with = summarize
        if self.llm is not None:
            self.llm_session = aiohttp.ClientSession()
            summarize_with = functools.partial(summarize, llm=LLMEngine(self.llm, self.llm_session))
        self.scheduler = TaskScheduler(
            self.store,
            self.scheduling,
            RetentionSettings(),
            source=self.source,
            summarize=summarize_with,
            deliver=Outbox(self.store, senders, self.delivery, self.clock, notify=notify),
            file_root=self.file_root,
            max_messages=500,
            min_messages=1,
            default_engine="extractive" if self.llm is None else "llm",
            clock=self.clock,
            notify=notify,
            observer=self.finished,
        )
        return self

    async def close(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop(timeout=5)
        for session in (self.session, self.llm_session):
            if session is not None:
                await session.close()
        if self.store is not None:
            await self.store.close()

    async def schedule_with_a_past_run(self, *destinations: Destination) -> tuple[Schedule, Run]:
        """Store a schedule every `period` s and run its first slot, which is already past.

        The scheduler is not started yet: the test turns its fault on, then `start()`s, and
        APScheduler fires the next slots on its own, LEAD s from now and every `period` s.
        """
        assert self.store is not None
        assert self.scheduler is not None
        first = utc_now() + timedelta(seconds=LEAD - self.period)
        schedule = Schedule(
            guild_id=1,
            created_by=7,
            channel_ids=(100,),
            recurrence=Interval(seconds=self.period, anchor=first),
            destinations=destinations,
            created_at=first - timedelta(seconds=1),
            updated_at=first - timedelta(seconds=1),
        )
        await self.store.insert_schedule(schedule)
        run = await jobs.run_summary(self.scheduler.context, schedule.id, scheduled_for=first)
        assert run is not None
        assert run.status is RunStatus.SUCCEEDED, run
        return schedule, run

    async def start(self) -> None:
        assert self.scheduler is not None
        await self.scheduler.start()

    async def wait_runs(self, schedule_id: str, count: int, timeout: float = 10) -> list[Run]:  # noqa: ASYNC109
        """Wait until `count` runs of the schedule finished; they come back oldest slot first."""
        await self.finished.wait_for(
            lambda: len([r for r in self.finished.runs if r.schedule_id == schedule_id]) >= count,
            timeout,
        )
        assert self.store is not None
        return list(reversed(await self.store.list_runs(schedule_id)))


# --- a digest folder that stops being writable -----------------------------------------------

_FS_IOC_GETFLAGS = 0x80086601
_FS_IOC_SETFLAGS = 0x40086602
_FS_IMMUTABLE_FL = 0x10


@dataclass
class ReadOnly:
    """How the folder was made read-only, what the OS now says to a write, how to undo it."""

    how: str
    strerror: str
    tree: Path  # where the files written before now are (the root itself unless replaced)
    undo: Callable[[], None]


def _write_error(directory: Path) -> OSError | None:
    """What creating a file in `directory` raises now (None: it worked)."""
    try:
        handle, name = tempfile.mkstemp(dir=directory)
    except OSError as exc:
        return exc
    os.close(handle)
    os.unlink(name)
    return None


def _directories(root: Path) -> list[Path]:
    return [root, *sorted(p for p in root.rglob("*") if p.is_dir())]


def _set_immutable(directory: Path, on: bool) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(fd, _FS_IOC_GETFLAGS, flags, True)
        flags[0] = flags[0] | _FS_IMMUTABLE_FL if on else flags[0] & ~_FS_IMMUTABLE_FL
        fcntl.ioctl(fd, _FS_IOC_SETFLAGS, flags)
    finally:
        os.close(fd)


def make_read_only(root: Path, leaf: Path) -> ReadOnly:
    """Make `root` (and everything under it) refuse new files, as a read-only mount does.

    `leaf` is the directory new digests go to. Three ways, the first that really refuses:
    1. permissions: `chmod` every directory r-x. Root ignores permissions (CAP_DAC_OVERRIDE),
       and CI containers often run tests as root, so this is checked by writing.
    2. the immutable attribute (`chattr +i`, FS_IOC_SETFLAGS) on every directory: refuses even
       root, as long as the file system supports it (ext4, xfs, btrfs do; tmpfs and overlayfs
       may not).
    3. the folder replaced by a regular file (the old tree moved aside), as when a mount point
       is gone and something else sits at the path: every write fails with "Not a directory".
    """
    directories = _directories(root)
    modes = {d: d.stat().st_mode for d in directories}
    for directory in reversed(directories):
        directory.chmod(0o555)
    refused = _write_error(leaf)
    if refused is not None:
        return ReadOnly(
            "chmod", str(refused.strerror), root, lambda: [d.chmod(modes[d]) for d in directories]
        )
    for directory in directories:
        directory.chmod(modes[directory])

    immutable: list[Path] = []

    def clear() -> None:
        for directory in immutable:
            _set_immutable(directory, on=False)

    try:
        for directory in directories:
            _set_immutable(directory, on=True)
            immutable.append(directory)
    except OSError:
        clear()
    else:
        refused = _write_error(leaf)
        if refused is not None:
            return ReadOnly("immutable", str(refused.strerror), root, clear)
        clear()

    aside = root.with_name(root.name + "-unmounted")
    root.rename(aside)
    root.write_bytes(b"")
    refused = _write_error(leaf)
    assert refused is not None, "a regular file in place of the folder did not refuse a write"
    return ReadOnly("replaced by a file", str(refused.strerror), aside, lambda: None)
