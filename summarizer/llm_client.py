"""The HTTP side of the LLM engine: one OpenAI-compatible endpoint over a shared aiohttp session.

Works with anything that serves `POST {base_url}/chat/completions` and `GET {base_url}/models`
(OpenAI, OpenRouter, Ollama, vLLM, llama.cpp server, LM Studio). Every request has a timeout;
429 and 5xx are retried a few times, honouring `Retry-After` up to a cap; every other failure
is raised as `ModelUnavailable` for the engine to fall back on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from pydantic import BaseModel

from summarizer.errors import SummarizerError
from summarizer.llm_prompt import Prompt
from summarizer.models import TokenUsage
from summarizer.settings import LLMSettings

Sleep = Callable[[float], Awaitable[None]]

ATTEMPTS = 4
BACKOFF_SECONDS = 1.0
# A server asking for a longer pause than this is treated as down for this digest.
RETRY_AFTER_CAP = 30.0
RETRIED = frozenset({429, 500, 502, 503, 504})


class ModelUnavailable(SummarizerError):
    """The model could not answer: timeout, connection error, refused request, retries spent."""


class NotACompletionError(ModelUnavailable):
    """The server answered 200, but not with a chat completion (a proxy page, a wrong path).

    Told apart so the digest's note does not send an admin looking for a network problem.
    """


class Completion(BaseModel):
    """The text of one answer and what it cost."""

    content: str
    usage: TokenUsage


class ModelList(BaseModel):
    """What `GET /models` says the server offers."""

    ids: list[str]


class ChatClient:
    """Sends chat-completions requests; one instance (and one limiter) per configured model."""

    def __init__(
        self, settings: LLMSettings, session: aiohttp.ClientSession, *, sleep: Sleep = asyncio.sleep
    ) -> None:
        """Use `session` for every request; `sleep` is injectable so tests never wait."""
        self.settings = settings
        self._session = session
        self._sleep = sleep
        self._limiter = asyncio.Semaphore(settings.max_concurrent_requests)
        self.url = settings.base_url.rstrip("/")
        # Servers that reject `response_format` with 400 are asked without it from then on.
        self._json_mode = True

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = self.settings.api_key
        if key is not None and key.get_secret_value().strip():
            headers["Authorization"] = f"Bearer {key.get_secret_value().strip()}"
        return headers

    async def complete(self, prompt: Prompt, history: Sequence[dict[str, str]] = ()) -> Completion:
        """Ask for a JSON answer to `prompt` (plus any repair turns in `history`)."""
        messages = [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
            *history,
        ]
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": messages,
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_output_tokens,
        }
        if self._json_mode:
            body["response_format"] = {"type": "json_object"}
        status, payload = await self._post(body)
        if status == 400 and "response_format" in body:
            self._json_mode = False
            del body["response_format"]
            status, payload = await self._post(body)
        if status != 200:
            raise ModelUnavailable(f"HTTP {status}{_detail(payload)}")
        return _completion(payload)

    async def _post(self, body: dict[str, Any]) -> tuple[int, Any]:
        """POST with retries for 429/5xx; returns the last status and parsed body."""
        status, payload = 0, None
        for attempt in range(1, ATTEMPTS + 1):
            async with self._limiter:
                status, payload, retry_after = await self._request("POST", "chat/completions", body)
            if status not in RETRIED:
                return status, payload
            if attempt == ATTEMPTS:
                break
            delay = BACKOFF_SECONDS * 2 ** (attempt - 1) if retry_after is None else retry_after
            if delay > RETRY_AFTER_CAP:
                raise ModelUnavailable(
                    f"HTTP {status}, asked to retry after {delay:g} s (more than "
                    f"{RETRY_AFTER_CAP:g} s)"
                )
            await self._sleep(delay)
        raise ModelUnavailable(f"HTTP {status} after {ATTEMPTS} attempts{_detail(payload)}")

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any, float | None]:
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_seconds)
        try:
            async with self._session.request(
                method, f"{self.url}/{path}", json=body, headers=self._headers(), timeout=timeout
            ) as response:
                raw = await response.text()
                return response.status, _json_or_text(raw), _retry_after(response.headers)
        except TimeoutError:
            raise ModelUnavailable(
                f"no answer within {self.settings.timeout_seconds:g} s"
            ) from None
        except aiohttp.ClientError as exc:
            raise ModelUnavailable(f"cannot reach {self.url}: {exc}") from None

    async def models(self) -> ModelList:
        """The model ids the server offers; `ModelUnavailable` says why not (never the key)."""
        status, payload, _ = await self._request("GET", "models")
        if status in (401, 403):
            raise ModelUnavailable(f"the API key was refused (HTTP {status})")
        if status != 200:
            raise ModelUnavailable(f"GET /models answered HTTP {status}{_detail(payload)}")
        try:
            return ModelList(ids=[str(entry["id"]) for entry in payload["data"]])
        except (KeyError, TypeError):
            raise ModelUnavailable(
                "GET /models did not answer an OpenAI-style model list"
            ) from None


def _json_or_text(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _retry_after(headers: Any) -> float | None:
    """`Retry-After` in seconds (the HTTP-date form is rare for APIs and treated as absent)."""
    value = headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def _detail(payload: Any) -> str:
    """The server's own error message, short, if it gave one."""
    message = None
    if isinstance(payload, dict):
        error = payload.get("error")
        message = error.get("message") if isinstance(error, dict) else error
    elif isinstance(payload, str):
        message = payload
    if not message:
        return ""
    message = " ".join(str(message).split())
    return f": {message[:160]}"


def _completion(payload: Any) -> Completion:
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise NotACompletionError("the answer had no choices[0].message.content") from None
    usage = payload.get("usage") or {}
    prompt_tokens = int(usage.get("prompt_tokens") or 0)
    completion_tokens = int(usage.get("completion_tokens") or 0)
    total = int(usage.get("total_tokens") or prompt_tokens + completion_tokens)
    return Completion(
        content=content or "",
        usage=TokenUsage(
            prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=total
        ),
    )


async def check_model(settings: LLMSettings, session: aiohttp.ClientSession) -> str:
    """A line saying the configured model is served; `ModelUnavailable` says what is wrong."""
    client = ChatClient(settings, session)
    offered = (await client.models()).ids
    if settings.model not in offered:
        shown = ", ".join(sorted(offered)[:5]) or "none"
        more = f" and {len(offered) - 5} more" if len(offered) > 5 else ""
        raise ModelUnavailable(
            f"model {settings.model!r} is not offered by {client.url}; available: {shown}{more}"
        )
    return f"model {settings.model!r} is offered by {client.url}"
