from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from summarizer.models import Author, ChannelRef, ChatMessage

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-export"
# Two real DiscordChatExporter exports, copied with their licence note (see their README).
DCE_REAL = Path(__file__).resolve().parents[1] / "data" / "dce-real"
START = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
CHANNEL = ChannelRef(id=10, name="general")


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
