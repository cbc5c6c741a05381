"""`summarybot check` for the LLM engine: is the configured model really served.

Asks `GET {base_url}/models` once; the API key is sent but never printed.
"""

from __future__ import annotations

import aiohttp

from bot.config import SECRET_KEYS
from summarizer.llm_client import ModelUnavailable, check_model
from summarizer.settings import LLMSettings


async def check_llm(settings: LLMSettings) -> tuple[str | None, str | None]:
    """(the line to print, None) when the model is served, else (None, the problem)."""
    async with aiohttp.ClientSession() as session:
        try:
            return f"llm: {await check_model(settings, session)}", None
        except ModelUnavailable as exc:
            problem = f"llm: {exc}"
    if "refused" in problem:
        variable = SECRET_KEYS["summarizer", "llm", "api_key"]
        problem += f"; check {variable}"
    return None, problem
