"""Once ready, the bot keeps its long-lived start-up heap out of garbage collection."""

from __future__ import annotations

import gc

import pytest

from bot.app import create_bot
from bot.config import Settings


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


async def test_the_heap_is_frozen_once_on_ready(tmp_path, unfrozen):
    made = create_bot(Settings.model_validate({"storage": {"path": str(tmp_path / "db")}}))
    assert made._connection.max_messages is None  # no message cache: digests read over REST
    gc.unfreeze()

    await made._freeze_heap()
    frozen = gc.get_freeze_count()
    await made._freeze_heap()  # a second on_ready (a new session) does not freeze again

    assert frozen > 0
    assert gc.get_freeze_count() == frozen
