"""The gateway: HELLO, IDENTIFY, heartbeats, READY + GUILD_CREATE, RESUME, dispatch.

JSON text frames only; the `compress` query is ignored (discord.py only inflates binary
frames). Sessions outlive their socket so a dropped connection can RESUME and get the
events it missed replayed. A session identified with `shard: [id, count]` gets, as on
Discord, only the guilds of that shard and their events (DMs go to shard 0); one without
`shard` gets everything.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord.state import shard_of
from tests.fakediscord.world import World

HELLO, HEARTBEAT, IDENTIFY, RESUME, REQUEST_MEMBERS = 10, 1, 2, 6, 8
DISPATCH, HEARTBEAT_ACK, INVALID_SESSION = 0, 11, 9

GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
# Guild events whose guild is their `id`; every other guild event carries `guild_id`.
GUILD_BY_ID = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})


def event_guild(event: str, data: dict[str, Any]) -> int | None:
    """The guild an event belongs to (None: not a guild's, e.g. a DM)."""
    raw = data.get("id") if event in GUILD_BY_ID else data.get("guild_id")
    return int(raw) if raw is not None else None


@dataclass
class Session:
    """One identified gateway session; survives its socket until invalidated."""

    id: str
    shard: list[int] | None
    intents: int
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None

    def serves(self, guild_id: int | None) -> bool:
        """Whether Discord routes this guild's events here (None: a DM, for shard 0)."""
        if self.shard is None:
            return True
        shard_id, shard_count = self.shard
        if guild_id is None:
            return shard_id == 0
        return shard_of(guild_id, shard_count) == shard_id


class Gateway:
    """The websocket endpoint and the sessions behind it."""

    def __init__(self, world: World, notify: Callable[[], None]) -> None:
        self.world = world
        self._notify = notify
        self.url = ""
        self.heartbeat_interval_ms = 41250
        # Privileged intents the application has NOT been granted in the developer portal.
        self.denied_intents = 0
        self.sessions: dict[str, Session] = {}
        self.identifies = 0
        # IDENTIFYs that named a shard, by (shard_id, shard_count).
        self.shard_identifies: Counter[tuple[int, int]] = Counter()
        self.resumes = 0
        self.heartbeats = 0
        # Close codes the fake sent (4004, 4014, drops), in order.
        self.close_codes: list[int] = []
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def connected(self) -> list[Session]:
        """Sessions with a live socket."""
        return [s for s in self.sessions.values() if s.ws is not None and not s.ws.closed]

    def serving(self, guild_id: int | None) -> list[Session]:
        """The sessions (connected or not) that get this guild's events."""
        return [s for s in self.sessions.values() if s.serves(guild_id)]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one gateway connection until either side closes it."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: Session | None = None
        try:
            await self._send(
                ws, {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                session = await self._on_payload(ws, payload, session)
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
            self._notify()
        return ws

    async def _on_payload(
        self, ws: web.WebSocketResponse, payload: dict[str, Any], session: Session | None
    ) -> Session | None:
        op, data = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            await self._send(ws, {"op": HEARTBEAT_ACK})
            # A live bot shows itself by heartbeating; tests wait on that too.
            self._notify()
        elif op == IDENTIFY:
            return await self._identify(ws, data or {})
        elif op == RESUME:
            return await self._resume(ws, data or {})
        elif op == REQUEST_MEMBERS and session is not None:
            await self._member_chunk(session, data or {})
        return session

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        if data.get("token") != self.world.token:
            await self._close(ws, 4004, "Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & self.denied_intents:
            await self._close(ws, 4014, "Disallowed intent(s).")
            return None
        shard = data.get("shard")
        if shard is not None and not _valid_shard(shard):
            await self._close(ws, 4010, "Invalid shard.")
            return None
        self.identifies += 1
        if shard is not None:
            self.shard_identifies[shard[0], shard[1]] += 1
        session = Session(id=secrets.token_hex(16), shard=shard, intents=intents, ws=ws)
        self.sessions[session.id] = session
        guilds = [g for g in self.world.guilds.values() if session.serves(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.world.bot_user.to_json() | {"verified": True, "mfa_enabled": False},
            "session_id": session.id,
            "resume_gateway_url": self.url,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "application": {"id": str(self.world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fakediscord"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        await self.send_dispatch(session, "READY", ready)
        for guild in guilds:
            channels = self.world.guild_channels(guild.id)
            await self.send_dispatch(session, "GUILD_CREATE", guild.to_json(channels))
        self._notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.world.token:
            await self._send(ws, {"op": INVALID_SESSION, "d": False})
            return None
        session.ws = ws
        self.resumes += 1
        after = int(data.get("seq") or 0)
        for event in session.history:
            if event["s"] > after:
                await self._send(ws, event)
        await self.send_dispatch(session, "RESUMED", {"_trace": ["fakediscord"]})
        self._notify()
        return session

    async def _member_chunk(self, session: Session, data: dict[str, Any]) -> None:
        guild = self.world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.to_json() for m in guild.members.values()],
            "chunk_index": 0,
            "chunk_count": 1,
            "nonce": data.get("nonce"),
        }
        await self.send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def send_dispatch(self, session: Session, event: str, data: dict[str, Any]) -> None:
        """Number the event in the session, keep it for replay, send it if connected."""
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.history.append(payload)
        if session.ws is not None and not session.ws.closed:
            await self._send(session.ws, payload)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to its guild's shard's sessions (a disconnected one: on RESUME)."""
        for session in self.serving(event_guild(event, data)):
            await self.send_dispatch(session, event, data)

    async def drop(self, code: int = 4000) -> None:
        """Close every socket with a resumable code, as a Discord-side disconnect would."""
        for ws in list(self._sockets):
            await self._close(ws, code, "fakediscord dropped the connection")

    async def invalidate(self, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION; a non-resumable one forgets sessions (the bot re-identifies)."""
        for session in self.connected:
            assert session.ws is not None
            await self._send(session.ws, {"op": INVALID_SESSION, "d": resumable})
        if not resumable:
            self.sessions.clear()

    async def close(self) -> None:
        """Close all sockets at shutdown."""
        await asyncio.gather(*(ws.close(code=1001) for ws in list(self._sockets)))

    async def _close(self, ws: web.WebSocketResponse, code: int, reason: str) -> None:
        self.close_codes.append(code)
        await ws.close(code=code, message=reason.encode())

    @staticmethod
    async def _send(ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        if not ws.closed:
            await ws.send_str(json.dumps(payload))


def _valid_shard(shard: object) -> bool:
    """`[shard_id, shard_count]` with 0 <= shard_id < shard_count (else Discord closes 4010)."""
    return (
        isinstance(shard, list)
        and len(shard) == 2
        and all(isinstance(n, int) for n in shard)
        and 0 <= shard[0] < shard[1]
    )
