"""Settings owned by the summarizer package: `[summarizer]` and `[summarizer.llm]`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class LLMSettings(BaseModel):
    """An OpenAI-compatible chat-completions endpoint; the key comes from the environment only."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    temperature: float = Field(default=0.2, ge=0, le=2)
    timeout_seconds: float = Field(default=60, gt=0)
    max_input_tokens: int = Field(default=12000, ge=500)
    max_output_tokens: int = Field(default=1200, ge=50)
    max_concurrent_requests: int = Field(default=2, ge=1)
    # Tokens per guild per UTC day; 0 means no budget.
    daily_token_budget: int = Field(default=0, ge=0)


class SummarizerSettings(BaseModel):
    """Which engine writes digests and how much of a window it reads."""

    model_config = ConfigDict(extra="forbid")

    engine: Literal["extractive", "llm"] = "extractive"
    max_messages: int = Field(default=5000, ge=1)
    min_messages: int = Field(default=5, ge=0)
    llm: LLMSettings = Field(default_factory=LLMSettings)
