"""The crash harness: the real `summarybot run`, killed -9 over and over, and what it left behind.

`crash_repeatedly(variant, workdir)` seeds a fake Discord guild whose #general has a message every
half second, writes `variant.schedules` interval schedules into the database (each to its own
#digest channel, its own signed webhook consumer and a file), then starts the bot, kills it with
SIGKILL at seeded random moments and restarts it, `variant.kills` times. Some kills wait until a
consumer holds a webhook request unanswered: the bot has sent it and cannot have recorded the
outcome. Others wait until the fake Discord holds the answer to a channel post it has already
stored (`CrashDiscord`): the message is in the channel, but the bot never learns its id, so only
Discord's nonce dedup keeps the resend from posting it twice. Then, with the bot down, every
schedule is given an end; the last process runs until all schedules completed and nothing is
pending, and stops with SIGTERM. The `CrashRecord` holds what a test can check: the database's runs
and deliveries, the digest files, the messages posted to each channel, every channel post and
webhook request the bot made, and what each kill cut off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from delivery.channel import nonce as message_nonce
from delivery.models import ChannelDestination, FileDestination, WebhookDestination
from delivery.signing import new_signing_secret
from scheduling.models import (
    Delivery,
    DeliveryStatus,
    Interval,
    Run,
    RunStatus,
    Schedule,
    ScheduleStatus,
    utc_now,
)
from scheduling.store import Store
from tests.e2e.conftest import BotProcess
from tests.fakediscord.bot_env import bot_env as fake_bot_env
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.server import Handler as FakeHandler

MESSAGE_SPACING = timedelta(milliseconds=500)
# The first window of a schedule reaches this far back (the chat starts before it).
LOOKBACK = timedelta(seconds=20)
# Consumers and the fake Discord answer this late, so kills often find sends in flight.
CONSUMER_HOLD_SECONDS = 0.3
POST_LATENCY_SECONDS = 0.2
CHANNEL_POST = "POST /channels/{channel_id}/messages"
# How long the schedules still fire after the last restart before they end.
FINAL_SECONDS = 8
TOPICS = ("the release", "the migration", "the launch party", "the on-call rota", "the docs")


@dataclass(frozen=True)
class Variant:
    """How hard to crash: schedules, kills, their intervals and the seed of all randomness."""

    name: str
    schedules: int
    kills: int
    seed: int
    intervals: tuple[int, ...] = (2, 3, 4, 5)
    # Seconds of chat seeded ahead (more than the run takes; later windows would be empty).
    chat_seconds: int = 600
    settle_timeout: float = 90


@dataclass
class Received:
    """One request a webhook consumer got."""

    consumer: int
    headers: dict[str, str]
    body: bytes
    arrived: float
    answered: bool = False

    @property
    def webhook_id(self) -> str:
        """The Standard Webhooks idempotency key."""
        return self.headers.get("webhook-id", "")

    @property
    def event(self) -> dict[str, Any]:
        """The JSON event (unverified: tests verify the signature first)."""
        return json.loads(self.body)


class Consumers:
    """One webhook consumer per schedule on 127.0.0.1 (`/hook/{n}`): records, then answers late."""

    def __init__(self, notify: Any, hold: float = CONSUMER_HOLD_SECONDS) -> None:
        self.received: list[Received] = []
        self.url = ""
        self.hold = hold
        self._notify = notify
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on an ephemeral port."""
        app = web.Application()
        app.router.add_post("/hook/{consumer}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        found = Received(
            consumer=int(request.match_info["consumer"]),
            headers={key.lower(): value for key, value in request.headers.items()},
            body=await request.read(),
            arrived=time.monotonic(),
        )
        self.received.append(found)
        self._notify()
        # The sender waits for this answer before it can record the delivery.
        await asyncio.sleep(self.hold)
        found.answered = True
        self._notify()
        return web.Response(status=204)

    def since(self, moment: float) -> list[Received]:
        """Requests that arrived after `moment` (time.monotonic())."""
        return [r for r in self.received if r.arrived >= moment]

    def unanswered(self, moment: float) -> list[Received]:
        """Requests since `moment` still waiting for their answer."""
        return [r for r in self.since(moment) if not r.answered]


@dataclass
class ChannelPost:
    """One message post the fake Discord answered 200 (stored, or found by its nonce)."""

    channel_id: int
    message_id: int
    nonce: str | None
    arrived: float
    answered: bool = False

    @property
    def part(self) -> int | None:
        """Which part of a digest its nonce names (`delivery.channel.nonce` ends in `-NN`)."""
        _, dash, number = (self.nonce or "").rpartition("-")
        return int(number) if dash and number.isdigit() else None


class CrashDiscord(FakeDiscord):
    """The fake Discord, noting every channel post; on request, it holds one post's answer.

    `hold_next_channel_post()` arms the hold: the next message post is stored (or deduplicated)
    as usual, then its answer waits until `release_held()`. A kill in between is the worst
    moment for a channel: Discord has the message, the bot has no record of it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.channel_posts: list[ChannelPost] = []
        self._hold_armed = False
        self._release = asyncio.Event()

    def hold_next_channel_post(self) -> None:
        """Hold the answer to the next successful message post until `release_held()`."""
        self._hold_armed = True
        self._release = asyncio.Event()

    def release_held(self) -> None:
        """Answer the held post (to nobody, if its process was killed) and disarm."""
        self._hold_armed = False
        self._release.set()

    def unanswered_posts(self, moment: float) -> list[ChannelPost]:
        """Channel posts since `moment` (time.monotonic()) still waiting for their answer."""
        return [p for p in self.channel_posts if p.arrived >= moment and not p.answered]

    async def _answer(
        self, request: web.Request, handler: FakeHandler, route: str, headers: dict[str, str]
    ) -> web.StreamResponse:
        response = await super()._answer(request, handler, route, headers)
        if route != CHANNEL_POST or response.status != 200:
            return response
        assert isinstance(response, web.Response)
        assert isinstance(response.body, bytes)
        message = json.loads(response.body)
        post = ChannelPost(
            channel_id=int(message["channel_id"]),
            message_id=int(message["id"]),
            nonce=message.get("nonce"),
            arrived=time.monotonic(),
        )
        self.channel_posts.append(post)
        if self._hold_armed:
            # The message is stored already: what is lost from here on is only the answer.
            self._hold_armed = False
            self._notify()
            await self._release.wait()
        post.answered = True
        return response


@dataclass(frozen=True)
class World:
    """The guild the bot finds: an admin who creates the schedules, #general, one #digest each."""

    guild_id: int
    admin_id: int
    general: int
    digests: tuple[int, ...]
    chat: tuple[datetime, ...]


@dataclass(frozen=True)
class PostedMessage:
    """A message the bot posted to a digest channel, as the fake Discord stored it."""

    channel_id: int
    id: int
    created_at: datetime
    copy_key: str
    nonce: str | None = None


@dataclass
class Kill:
    """One SIGKILL: when, how it was chosen, and the sends it cut off before their record.

    `in_flight` are webhook ids of requests a consumer held unanswered, `pending_after` those of
    them still pending in the database after the kill; `channel_cut` are channel posts the fake
    Discord had stored but not answered, `channel_pending_after` the ids of pending deliveries
    whose nonce one of them carries.
    """

    number: int
    mode: str
    uptime: float
    in_flight: list[str] = field(default_factory=list)
    pending_after: list[str] = field(default_factory=list)
    channel_cut: list[ChannelPost] = field(default_factory=list)
    channel_pending_after: list[str] = field(default_factory=list)
    integrity: str = ""


@dataclass
class CrashRecord:
    """Everything a crash run left: database, files, channels, consumers, kills, logs."""

    variant: Variant
    database: Path
    file_root: Path
    world: World
    schedules: list[Schedule]
    runs: list[Run]
    deliveries: list[Delivery]
    files: list[Path]
    posted: list[PostedMessage]
    received: list[Received]
    channel_posts: list[ChannelPost]
    kills: list[Kill]
    nonce_dedups: int
    settled: bool
    exit_code: int | None
    integrity: str
    logs: list[str]
    seconds: float

    def schedule(self, schedule_id: str) -> Schedule:
        """A schedule as stored at the end."""
        return next(s for s in self.schedules if s.id == schedule_id)

    def runs_of(self, schedule_id: str) -> list[Run]:
        """A schedule's runs, oldest slot first."""
        return sorted(
            (r for r in self.runs if r.schedule_id == schedule_id), key=lambda r: r.scheduled_for
        )

    def deliveries_of(self, run_id: int | None) -> list[Delivery]:
        """The outbox rows of one run."""
        return [d for d in self.deliveries if d.run_id == run_id]

    def received_by(self, schedule: Schedule) -> list[Received]:
        """What the webhook consumer of a schedule received, in arrival order."""
        [hook] = [d for d in schedule.destinations if isinstance(d, WebhookDestination)]
        consumer = int(hook.url.rsplit("/", 1)[1])
        return [r for r in self.received if r.consumer == consumer]

    def log_tail(self, lines: int = 60) -> str:
        """The end of the bot's stderr across all processes (for failure messages)."""
        return "\n".join(self.logs[-lines:])


def seed_world(fake: FakeDiscord, variant: Variant, start: datetime) -> World:
    """A guild, its admin, #general with chat from before `start` on, one #digest per schedule."""
    fake.gateway.heartbeat_interval_ms = 500
    guild = fake.add_guild("Quillpress")
    admins = fake.add_role(guild.id, "Admins", 1 << 5)  # MANAGE_GUILD
    admin = fake.add_member(guild.id, "ada", roles=[admins.id])
    member = fake.add_member(guild.id, "bob")
    general = fake.add_channel(guild.id, "general")
    digests = tuple(fake.add_channel(guild.id, f"digest-{n}").id for n in range(variant.schedules))
    # Seeded ahead of time, so every window's messages exist before the window closes: a
    # message's snowflake says when it was sent, and the bot reads windows by snowflake.
    first = start - 2 * LOOKBACK
    count = int((2 * LOOKBACK + timedelta(seconds=variant.chat_seconds)) / MESSAGE_SPACING)
    chat = tuple(first + n * MESSAGE_SPACING for n in range(count))
    for n, at in enumerate(chat):
        author = admin.user if n % 3 == 0 else member.user
        topic = TOPICS[n % len(TOPICS)]
        fake.add_message(general.id, author, f"Update {n} on {topic}: still on track?", at=at)
    return World(guild.id, admin.user.id, general.id, digests, chat)


def make_schedules(
    world: World, consumers: Consumers, variant: Variant, rng: random.Random, start: datetime
) -> list[Schedule]:
    """One interval schedule per #digest channel, first slots spread over the next seconds."""
    schedules = []
    for n, channel_id in enumerate(world.digests):
        seconds = rng.choice(variant.intervals)
        # Whole milliseconds, like snowflakes: a window edge never falls inside a millisecond.
        offset = timedelta(milliseconds=rng.randrange(2000, 2000 + seconds * 1000))
        schedules.append(
            Schedule(
                guild_id=world.guild_id,
                name=f"crash {n}",
                created_by=world.admin_id,
                channel_ids=(world.general,),
                recurrence=Interval(seconds=seconds, anchor=start + offset),
                lookback_seconds=int(LOOKBACK.total_seconds()),
                destinations=(
                    ChannelDestination(channel_id=channel_id),
                    WebhookDestination(url=f"{consumers.url}/{n}", secret=new_signing_secret()),
                    FileDestination(),
                ),
                created_at=start,
                updated_at=start,
            )
        )
    return schedules


def bot_env(fake: FakeDiscord, world: World, workdir: Path) -> dict[str, str]:
    """The process environment: the fake Discord, a private database and digest folder."""
    return fake_bot_env(
        fake,
        workdir,
        DISCORD__GUILD_IDS=f"[{world.guild_id}]",
        DISCORD__SHUTDOWN_TIMEOUT_SECONDS="10",
        STORAGE__PATH=str(workdir / "summarybot.db"),
        DELIVERY__ALLOW_INSECURE_HTTP="true",
        DELIVERY__ALLOW_PRIVATE_ADDRESSES="true",
        DELIVERY__RETRY_BASE_SECONDS="0.2",
        SCHEDULING__MIN_INTERVAL_SECONDS="1",
        SCHEDULING__MAX_CONCURRENT_RUNS="8",
        SUMMARIZER__MIN_MESSAGES="1",
    )


def kill_modes(variant: Variant, rng: random.Random) -> list[str]:
    """Kills that wait for a send in flight, then the rest, which fall anywhere.

    A third of the kills (at least one) wait for a webhook request in flight, an eighth (at
    least one) for a channel post Discord stored but has not answered.
    """
    webhook = min(variant.kills, max(1, variant.kills // 3))
    channel = min(variant.kills - webhook, max(1, variant.kills // 8))
    random_kills = variant.kills - webhook - channel
    modes = ["webhook_in_flight"] * webhook + ["channel_in_flight"] * channel
    modes += ["random"] * random_kills
    rng.shuffle(modes)
    return modes


async def start_bot(bot: BotProcess, fake: FakeDiscord) -> float:
    """Start a process and wait for its gateway IDENTIFY; returns when it was started."""
    before = fake.gateway.identifies
    began = time.monotonic()
    await bot.start()
    await fake.wait_for(lambda: fake.gateway.identifies > before or bot.exited(), timeout=60)
    assert not bot.exited(), bot.stderr
    return began


async def kill_once(
    number: int,
    mode: str,
    bot: BotProcess,
    fake: CrashDiscord,
    consumers: Consumers,
    rng: random.Random,
    began: float,
) -> Kill:
    """Let the process work, kill it at a moment chosen by `mode`, note what it cut off."""

    def ready_to_kill() -> bool:
        if mode == "channel_in_flight":
            # The fake holds a post it stored: nothing answers it until the kill.
            return bool(fake.unanswered_posts(began)) or bot.exited()
        # Either a send is in flight right now, or this process has at least sent something.
        in_flight = mode == "webhook_in_flight"
        sent = consumers.unanswered(began) if in_flight else consumers.since(began)
        return bool(sent) or bot.exited()

    if mode == "channel_in_flight":
        fake.hold_next_channel_post()
    try:
        await fake.wait_for(ready_to_kill, timeout=60)
        assert not bot.exited(), bot.stderr
        if mode == "random":
            await asyncio.sleep(rng.uniform(0, 2.5))  # the chaos itself, not a wait for a result
        # No await between the snapshot and the kill: what is unanswered now was never recorded.
        cut_off = [r.webhook_id for r in consumers.unanswered(began)]
        channel_cut = fake.unanswered_posts(began)
        kill = Kill(number, mode, time.monotonic() - began, cut_off, channel_cut=channel_cut)
        await bot.kill()
    finally:
        fake.release_held()
    async with await Store.open(bot.database) as store:
        kill.integrity = await store.integrity_check()
        pending = {d.id for d in await store.list_deliveries(status=DeliveryStatus.PENDING)}
    kill.pending_after = [webhook_id for webhook_id in cut_off if webhook_id in pending]
    kill.channel_pending_after = sorted(
        delivery_id
        for delivery_id in pending
        for post in channel_cut
        if post.part is not None and message_nonce(delivery_id, post.part) == post.nonce
    )
    return kill


async def end_schedules(database: Path, schedules: list[Schedule], end: datetime) -> None:
    """With the bot down: every schedule ends at `end` (`end_at`), like an edit would set it."""
    async with await Store.open(database) as store:
        for schedule in schedules:

            def change(before: Schedule) -> tuple[Schedule, None]:
                return before.model_copy(update={"end_at": end, "updated_at": utc_now()}), None

            await store.modify_schedule(schedule.id, change)


async def wait_settled(database: Path, bot: BotProcess, timeout: float) -> bool:  # noqa: ASYNC109
    """Wait until every schedule completed and no run or delivery is unfinished."""
    deadline = time.monotonic() + timeout
    async with await Store.open(database) as store:
        while time.monotonic() < deadline and not bot.exited():
            done = all(s.status is ScheduleStatus.COMPLETED for s in await store.list_schedules())
            if (
                done
                and not await store.runs_with_status(RunStatus.RUNNING, RunStatus.INTERRUPTED)
                and not await store.list_deliveries(status=DeliveryStatus.PENDING)
            ):
                return True
            await asyncio.sleep(0.2)  # polling another process's database for a condition
    return False


def posted_messages(fake: FakeDiscord, world: World) -> list[PostedMessage]:
    """What each digest channel shows, with a key that is equal for two copies of a message."""
    found = []
    for channel_id in world.digests:
        for message in fake.posted(channel_id):
            key = json.dumps([message.content, message.embeds], sort_keys=True)
            nonce = None if message.nonce is None else str(message.nonce)
            found.append(PostedMessage(channel_id, message.id, message.created_at, key, nonce))
    return found


@dataclass
class Rig:
    """A running fake Discord and consumers, a seeded guild, and the bot process (not started)."""

    fake: CrashDiscord
    consumers: Consumers
    world: World
    schedules: list[Schedule]
    bot: BotProcess
    logs: list[str] = field(default_factory=list)

    def keep_logs(self, title: str) -> None:
        """File the current process's stderr under `title` (each start clears it)."""
        self.logs += [f"--- {title} ---", *self.bot.stderr_lines]


@asynccontextmanager
async def rigged(
    variant: Variant, workdir: Path, rng: random.Random, **env: str
) -> AsyncIterator[Rig]:
    """The world of `variant` with its schedules stored; always killed and closed at the end."""
    async with contextlib.AsyncExitStack() as stack:
        fake = CrashDiscord()
        await fake.start()
        stack.push_async_callback(fake.close)
        # Before closing: a held post would keep the server's shutdown waiting.
        stack.callback(fake.release_held)
        fake.set_latency(POST_LATENCY_SECONDS, route=CHANNEL_POST)
        consumers = Consumers(notify=fake._notify)
        await consumers.start()
        stack.push_async_callback(consumers.close)
        start = utc_now().replace(microsecond=0)
        world = seed_world(fake, variant, start)
        schedules = make_schedules(world, consumers, variant, rng, start)
        bot = BotProcess(fake, workdir, bot_env(fake, world, workdir) | env)
        async with await Store.open(bot.database) as store:
            for schedule in schedules:
                await store.insert_schedule(schedule)
        rig = Rig(fake, consumers, world, schedules, bot)
        log_file = workdir / "summarybot.log"
        stack.callback(lambda: log_file.write_text("\n".join(rig.logs) + "\n", encoding="utf-8"))
        stack.push_async_callback(bot.kill)
        try:
            yield rig
        except BaseException:
            rig.keep_logs("the process running when the test failed")
            raise


async def crash_repeatedly(variant: Variant, workdir: Path) -> CrashRecord:
    """Run the whole crash scenario of `variant` in `workdir`; see the module docstring."""
    began = time.monotonic()
    rng = random.Random(variant.seed)
    async with rigged(variant, workdir, rng) as rig:
        fake, consumers, bot = rig.fake, rig.consumers, rig.bot
        kills = []
        for number, mode in enumerate(kill_modes(variant, rng), start=1):
            started = await start_bot(bot, fake)
            kills.append(await kill_once(number, mode, bot, fake, consumers, rng, started))
            rig.keep_logs(f"process {number}, killed ({mode})")
        end = utc_now() + timedelta(seconds=FINAL_SECONDS)
        await end_schedules(bot.database, rig.schedules, end)
        await start_bot(bot, fake)
        settled = await wait_settled(bot.database, bot, variant.settle_timeout)
        exit_code = await bot.stop(timeout=30)
        rig.keep_logs("last process, stopped")
        async with await Store.open(bot.database) as store:
            integrity = await store.integrity_check()
            stored = await store.list_schedules()
            runs = [r for s in stored for r in await store.list_runs(s.id, limit=1_000_000)]
            deliveries = await store.list_deliveries()
        return CrashRecord(
            variant=variant,
            database=bot.database,
            file_root=bot.file_root,
            world=rig.world,
            schedules=stored,
            runs=runs,
            deliveries=deliveries,
            files=sorted(p for p in bot.file_root.rglob("*") if p.is_file()),
            posted=posted_messages(fake, rig.world),
            received=list(consumers.received),
            channel_posts=list(fake.channel_posts),
            kills=kills,
            nonce_dedups=fake.nonce_dedups,
            settled=settled,
            exit_code=exit_code,
            integrity=integrity,
            logs=rig.logs,
            seconds=time.monotonic() - began,
        )


def aware(value: str) -> datetime:
    """An ISO timestamp from an event body as an aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
