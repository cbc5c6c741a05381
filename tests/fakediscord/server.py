"""`FakeDiscord`: the aiohttp server, its request pipeline and the control API for tests."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakediscord import rest_interactions, rest_messages
from tests.fakediscord.gateway import Gateway
from tests.fakediscord.ratelimits import RateLimiter, RouteLimit
from tests.fakediscord.state import Message, User
from tests.fakediscord.wire import ApiError, json_response, unauthorized
from tests.fakediscord.world import World

API_PREFIX = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request as the fake answered it."""

    method: str
    route: str
    path: str
    status: int
    at: float


def _route_key(request: web.Request) -> str:
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else request.path
    return f"{request.method} {canonical.removeprefix(API_PREFIX)}"


def _major(request: web.Request) -> str:
    """The bucket's major parameter; a webhook's is id + token (follow-ups share the app id)."""
    info = request.match_info
    if "webhook_token" in info:
        return f"webhook={info['webhook_id']}/{info['webhook_token']}"
    for key in ("channel_id", "guild_id", "webhook_id", "interaction_id"):
        if key in info:
            return f"{key}={info[key]}"
    return ""


def _needs_bot_auth(route: str) -> bool:
    """Webhook and interaction-token routes are authorised by their token, not the bot's."""
    return "/webhooks/{" not in route and "/interactions/" not in route


class FakeDiscord(World):
    """A wire-level fake of Discord API v10 and its gateway, running in the test's loop."""

    def __init__(self, token: str = "fake-bot-token") -> None:
        super().__init__(token)
        self.limiter = RateLimiter()
        self.gateway = Gateway(self, self._notify)
        self.requests: list[RecordedRequest] = []
        self.rate_limited: list[RecordedRequest] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.interactions: dict[int, rest_interactions.InjectedInteraction] = {}
        self.nonce_dedups = 0
        # "METHOD /path" of requests no route matched: what a bot used that the fake lacks.
        self.unmatched: list[str] = []
        self._failures: dict[str, tuple[int, int]] = {}
        self._latency: dict[str | None, float] = {}
        self._waiters: set[asyncio.Event] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 on an ephemeral port."""
        app = web.Application(middlewares=[self._pipeline])
        app.router.add_get("/gateway-ws", self.gateway.handle)

        def add(method: str, path: str, handler: Handler) -> None:
            app.router.add_route(method, API_PREFIX + path, handler)

        add("GET", "/gateway/bot", self._gateway_bot)
        add("GET", "/gateway", self._gateway_bot)
        add("GET", "/users/@me", self._me)
        add("GET", "/oauth2/applications/@me", self._application)
        rest_messages.register(add, self)
        rest_interactions.register(add, self)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.gateway.url = f"ws://127.0.0.1:{self.port}/gateway-ws"

    async def close(self) -> None:
        """Close sockets and stop listening."""
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        """What `discord.http.Route.BASE` (the bot's `discord.api_base`) should be."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The websocket URL `GET /gateway/bot` hands out."""
        return self.gateway.url

    # Control: limits and faults -----------------------------------------------------------

    def set_global_limit(self, per_second: int | None) -> None:
        """Global requests per second for the bot (None: unlimited)."""
        self.limiter.global_per_second = per_second
        self.limiter.reset()

    def set_route_limit(self, route: str, limit: int, per: float) -> None:
        """Per-route bucket, e.g. `("POST /channels/{channel_id}/messages", 5, 5.0)`."""
        self.limiter.routes[route] = RouteLimit(limit, per)
        self.limiter.reset()

    def fail_next(self, route: str, times: int = 1, status: int = 500) -> None:
        """Answer the next `times` requests on `route` with a 5xx."""
        self._failures[route] = (times, status)

    def set_latency(self, seconds: float, route: str | None = None) -> None:
        """Delay every response (or one route's) by `seconds`."""
        self._latency[route] = seconds

    async def drop_websocket(self, code: int = 4000) -> None:
        """Close the gateway sockets with a resumable code."""
        await self.gateway.drop(code)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION to connected sessions."""
        await self.gateway.invalidate(resumable=resumable)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Dispatch a raw gateway event (e.g. MESSAGE_CREATE) to the bot."""
        await self.gateway.dispatch(event, data)

    async def inject_command(
        self,
        channel_id: int,
        user_id: int,
        name: str,
        options: list[dict[str, Any]] | None = None,
        *,
        permissions: int | None = None,
    ) -> rest_interactions.InjectedInteraction:
        """Dispatch a slash command as a member; await `.wait_response()` for the answer."""
        return await rest_interactions.inject_command(
            self, channel_id, user_id, name, options or [], permissions
        )

    # Control: inspection ----------------------------------------------------------------

    def requests_per_route(self) -> Counter[str]:
        """How many requests each route received, e.g. `{"GET /users/@me": 1}`."""
        return Counter(r.route for r in self.requests)

    def deny_intents(self, intents: int) -> None:
        """Refuse these privileged intents at IDENTIFY (close 4014), as an unapproved app."""
        self.gateway.denied_intents = intents

    async def say(self, channel_id: int, author: User, content: str) -> Message:
        """A member posts now: stored in history and dispatched as MESSAGE_CREATE."""
        channel = self.channel(channel_id)
        message = Message(
            id=self.ids.next_id(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            content=content,
        )
        self.store_message(channel, message)
        data = message.to_json()
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        if guild is not None and author.id in guild.members:
            member = guild.members[author.id].to_json()
            member.pop("user")
            data["member"] = member
        await self.dispatch("MESSAGE_CREATE", data)
        return message

    def pings(self, channel_id: int | None = None) -> list[tuple[int, Any]]:
        """(message id, Pings) for every posted message that notified someone."""
        return [
            (m.id, m.pings)
            for m in self.posted(channel_id)
            if m.pings.users or m.pings.roles or m.pings.everyone
        ]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until `predicate()` holds; re-checked after every request and gateway event."""
        async with asyncio.timeout(timeout):
            while not predicate():
                event = asyncio.Event()
                self._waiters.add(event)
                try:
                    await event.wait()
                finally:
                    self._waiters.discard(event)

    def _notify(self) -> None:
        for event in list(self._waiters):
            event.set()

    # Pipeline ---------------------------------------------------------------------------

    @web.middleware
    async def _pipeline(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        route = _route_key(request)
        headers: dict[str, str] = {"Via": "1.1 google"}
        try:
            response = await self._answer(request, handler, route, headers)
        except ApiError as error:
            response = json_response(error.body(), error.status)
        except web.HTTPException as error:
            # Unmatched routes: Discord answers JSON, and tests can list what the fake lacks.
            body = {"message": f"{error.status}: {error.reason}", "code": 0}
            self.unmatched.append(f"{request.method} {request.path}")
            response = json_response(body, error.status)
        for key, value in headers.items():
            response.headers[key] = value
        record = RecordedRequest(request.method, route, request.path, response.status, time.time())
        self.requests.append(record)
        if response.status == 429:
            self.rate_limited.append(record)
        self._notify()
        return response

    async def _answer(
        self, request: web.Request, handler: Handler, route: str, headers: dict[str, str]
    ) -> web.StreamResponse:
        delay = self._latency.get(route, self._latency.get(None, 0.0))
        if delay:
            await asyncio.sleep(delay)
        failure = self._failures.get(route)
        if failure is not None and failure[0] > 0:
            self._failures[route] = (failure[0] - 1, failure[1])
            return json_response({"message": f"{failure[1]}: Server Error", "code": 0}, failure[1])
        if _needs_bot_auth(route):
            if request.headers.get("Authorization") != f"Bot {self.token}":
                raise unauthorized()
            over = self.limiter.check_global()
            if over is not None:
                headers.update(over.headers)
                return self._too_many(over.retry_after or 0.0, is_global=True)
        decision = self.limiter.take(route, _major(request))
        headers.update(decision.headers)
        if decision.retry_after is not None:
            return self._too_many(decision.retry_after, is_global=False)
        return await handler(request)

    @staticmethod
    def _too_many(retry_after: float, *, is_global: bool) -> web.Response:
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        return json_response(body, 429)

    # Start-up routes ---------------------------------------------------------------------

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.gateway.url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _me(self, request: web.Request) -> web.Response:
        return json_response(
            self.bot_user.to_json() | {"verified": True, "mfa_enabled": False, "flags": 0}
        )

    async def _application(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": str(self.application_id),
                "name": self.bot_user.username,
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self.owner.to_json(),
                "team": None,
                "flags": 0,
                "rpc_origins": [],
                "summary": "",
                "bot": self.bot_user.to_json(),
            }
        )
