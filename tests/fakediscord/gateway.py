"""The gateway: HELLO, IDENTIFY, heartbeats, READY + GUILD_CREATE, RESUME, dispatch.

JSON text frames only; the `compress` query is ignored (discord.py only inflates binary
frames). Sessions outlive their socket so a dropped connection can RESUME and get the
events it missed replayed.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord.world import World

HELLO, HEARTBEAT, IDENTIFY, RESUME, REQUEST_MEMBERS = 10, 1, 2, 6, 8
DISPATCH, HEARTBEAT_ACK, INVALID_SESSION = 0, 11, 9

GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


@dataclass
class Session:
    """One identified gateway session; survives its socket until invalidated."""

    id: str
    shard: list[int] | None
    intents: int
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None


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
        self.resumes = 0
        self.heartbeats = 0
        # Close codes the fake sent (4004, 4014, drops), in order.
        self.close_codes: list[int] = []
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def connected(self) -> list[Session]:
        """Sessions with a live socket."""
        return [s for s in self.sessions.values() if s.ws is not None and not s.ws.closed]

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
        self.identifies += 1
        session = Session(id=secrets.token_hex(16), shard=data.get("shard"), intents=intents, ws=ws)
        self.sessions[session.id] = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.world.bot_user.to_json() | {"verified": True, "mfa_enabled": False},
            "session_id": session.id,
            "resume_gateway_url": self.url,
            "guilds": [{"id": str(g), "unavailable": True} for g in self.world.guilds],
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
        for guild in self.world.guilds.values():
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
        """Send an event to every session (a disconnected one gets it on RESUME)."""
        for session in list(self.sessions.values()):
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
