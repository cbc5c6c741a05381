"""A tiny raw HTTP and gateway client for the fake's own tests (what crosses the wire, unparsed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.fakediscord.server import FakeDiscord


@dataclass
class Reply:
    """Status, headers and decoded JSON body (None for an empty body)."""

    status: int
    headers: dict[str, str]
    body: Any


class RawApi:
    """Sends requests to the fake as the bot (or without its token)."""

    def __init__(self, fake: FakeDiscord, session: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.session = session

    async def call(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> Reply:
        headers = {"Authorization": f"Bot {self.fake.token}"} if auth else {}
        async with self.session.request(
            method, self.fake.api_base + path, headers=headers, **kwargs
        ) as response:
            text = await response.text()
            body = await response.json(content_type=None) if text else None
            return Reply(response.status, dict(response.headers), body)


async def send_identify(
    ws: aiohttp.ClientWebSocketResponse,
    token: str,
    intents: int = 513,
    shard: tuple[int, int] | None = (0, 1),
) -> None:
    """Read HELLO, then IDENTIFY as `shard` (discord.py always names one; None: without)."""
    hello = await ws.receive_json(timeout=5)
    assert hello["op"] == 10
    identify: dict[str, Any] = {"token": token, "intents": intents}
    if shard is not None:
        identify["shard"] = list(shard)
    await ws.send_json({"op": 2, "d": identify})


async def identify(
    ws: aiohttp.ClientWebSocketResponse, token: str, shard: tuple[int, int] | None = (0, 1)
) -> dict[str, Any]:
    """IDENTIFY and return the READY dispatch."""
    await send_identify(ws, token, shard=shard)
    return await ws.receive_json(timeout=5)
