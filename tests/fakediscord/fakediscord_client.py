"""A tiny raw HTTP client for the fake's own tests (what crosses the wire, unparsed)."""

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
