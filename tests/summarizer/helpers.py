from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from summarizer.models import Author, ChannelRef, ChatMessage

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-export"
START = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
CHANNEL = ChannelRef(id=10, name="general")


def find_dce() -> Path:
    """The shared real DCE fixtures, wherever the checkout sits relative to `shared/`."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "fixtures" / "dce"
        if candidate.exists():
            return candidate
    raise FileNotFoundError("shared/fixtures/dce not found above the checkout")


def message(
    i: int,
    text: str,
    author: int = 1,
    *,
    minutes: float | None = None,
    bot: bool = False,
    reply_to: int | None = None,
    reactions: int = 0,
) -> ChatMessage:
    return ChatMessage(
        id=1000 + i,
        channel=CHANNEL,
        author=Author(id=author, name=f"user{author}", is_bot=bot),
        content=text,
        created_at=START + timedelta(minutes=i if minutes is None else minutes),
        reply_to=None if reply_to is None else 1000 + reply_to,
        reactions=reactions,
    )
