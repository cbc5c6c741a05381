"""Fixtures every test may use: an isolated environment and a fresh database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings

from scheduling.store import Store

# Property tests are deterministic: the same examples on every run and machine, so CI cannot
# pass one day and fail the next. `HYPOTHESIS_PROFILE=explore` searches afresh.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's summarybot variables or Discord token."""
    for name in list(os.environ):
        if name.upper().startswith("SUMMARYBOT_") or name.upper() == "DISCORD_TOKEN":
            monkeypatch.delenv(name)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated database in a temporary directory."""
    opened = await Store.open(tmp_path / "summarybot.db")
    try:
        yield opened
    finally:
        await opened.close()
