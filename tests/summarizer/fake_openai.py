"""A fake OpenAI-compatible server on 127.0.0.1 that records every request.

It runs its own event loop in a thread, so both async tests and the synchronous CLI (which
calls `asyncio.run`) can talk to it. Replies are queued per test; with nothing queued it
answers like a well-behaved model, citing the first message of whatever it was given.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_MESSAGES = re.compile(r"<messages>\n(.*)\n</messages>", re.DOTALL)
_PARTIALS = re.compile(r"<partials>\n(.*)\n</partials>", re.DOTALL)


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def system(self) -> str:
        return self.body["messages"][0]["content"]

    @property
    def user(self) -> str:
        return self.body["messages"][1]["content"]

    def data(self) -> list[dict]:
        """The quoted messages (or partial summaries) of a chat request, parsed back."""
        found = _MESSAGES.search(self.user) or _PARTIALS.search(self.user)
        assert found is not None, self.user
        return json.loads(found.group(1))


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


def completion(content: str | dict, usage: dict | None = None) -> Reply:
    """A 200 chat-completions answer whose message content is `content`."""
    text = content if isinstance(content, str) else json.dumps(content)
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
    }
    body["usage"] = usage or {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    return Reply(body=body)


def well_behaved(recorded: Recorded) -> Reply:
    """Summarize what was sent: one topic citing the first id given (or the partials' ids)."""
    if "<partials>" in recorded.user:
        points = [p for partial in recorded.data() for t in partial["topics"] for p in t["points"]]
        return completion({"overview": "Merged.", "topics": [{"title": "All", "points": points}]})
    first = recorded.data()[0]["id"]
    point = {"text": "Someone said something.", "message_ids": [first]}
    return completion({"overview": "A chat.", "topics": [{"title": "Chat", "points": [point]}]})


class FakeOpenAI:
    """The server, its recorded requests and its reply queue."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.replies: deque[Reply] = deque()
        self.respond: Callable[[Recorded], Reply] = well_behaved
        self.models = ["gpt-test", "llama3.1:8b", "qwen2.5:7b"]
        self.models_status = 200
        self.in_flight = self.most_in_flight = 0
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._release = asyncio.Event()

    @property
    def chats(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        recorded = Recorded(request.method, request.path, dict(request.headers), None)
        recorded.body = await request.json()
        self.requests.append(recorded)
        reply = self.replies.popleft() if self.replies else self.respond(recorded)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if reply.hang:
                await self._release.wait()
            # Let any other request already on its way arrive while this one is open.
            for _ in range(20):
                await asyncio.sleep(0)
            return web.json_response(reply.body, status=reply.status, headers=reply.headers)
        finally:
            self.in_flight -= 1

    async def _models(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Recorded(request.method, request.path, dict(request.headers), None))
        if self.models_status != 200:
            body = {"error": {"message": "Incorrect API key provided"}}
            return web.json_response(body, status=self.models_status)
        data = [{"id": m, "object": "model"} for m in self.models]
        return web.json_response({"object": "list", "data": data})

    def run(self) -> Iterator[FakeOpenAI]:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        runner = web.AppRunner(app)
        ready = threading.Event()

        async def start() -> None:
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}/v1"
            ready.set()

        thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        thread.start()
        asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout=10)
        ready.wait(10)
        try:
            yield self
        finally:
            self._loop.call_soon_threadsafe(self._release.set)
            asyncio.run_coroutine_threadsafe(runner.cleanup(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            thread.join(10)
            self._loop.close()
