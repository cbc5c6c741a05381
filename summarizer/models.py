"""What the summarizer reads and writes: chat messages in, a versioned `Summary` out.

Every datetime is timezone-aware UTC. Discord ids are ints in Python and strings in JSON,
because JavaScript consumers of the JSON schema cannot hold a 64-bit snowflake in a number.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
)

SCHEMA_ID = "summarybot.summary/1"

Snowflake = Annotated[int, PlainSerializer(str, return_type=str, when_used="json")]


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class SummaryLength(StrEnum):
    """How much a digest says: a few lines, a normal digest, or everything worth keeping."""

    BRIEF = "brief"
    STANDARD = "standard"
    DETAILED = "detailed"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class GuildRef(_Model):
    """The server an export or window came from."""

    id: Snowflake
    name: str


class ChannelRef(_Model):
    """A channel by id and name (a thread's parent channel for thread messages)."""

    id: Snowflake
    name: str


class ThreadRef(_Model):
    """The thread a message was posted in."""

    id: Snowflake
    name: str


class Author(_Model):
    """Who wrote a message, with the name members see."""

    id: Snowflake
    name: str
    is_bot: bool = False


class Attachment(_Model):
    """A file attached to a message."""

    name: str
    url: str


class LinkPreview(_Model):
    """What Discord showed under a message for a link it carried (an embed): its page title."""

    url: str | None = None
    title: str = ""


class ChatMessage(_Model):
    """One message as every engine sees it, whatever source it came from."""

    id: Snowflake
    channel: ChannelRef
    thread: ThreadRef | None = None
    author: Author
    content: str = ""
    created_at: AwareDatetime
    edited: bool = False
    reply_to: Snowflake | None = None
    reactions: int = Field(default=0, ge=0)
    attachments: tuple[Attachment, ...] = ()
    # Link previews, so a digest can say what a shared link was ("a link to “Papyrus-Making”").
    embeds: tuple[LinkPreview, ...] = ()
    jump_url: str | None = None

    _utc = field_validator("created_at")(_to_utc)


class SummaryOptions(_Model):
    """How to summarize: engine, length, language, who to leave out, and the window's context.

    `start`/`end`, `guild`, `channels` and `title` describe the window when the caller knows
    them (a schedule does); otherwise they are derived from the messages.
    """

    engine: Literal["extractive", "llm"] = "extractive"
    length: SummaryLength = SummaryLength.STANDARD
    language: str | None = None
    include_bots: bool = False
    exclude_user_ids: frozenset[int] = frozenset()
    max_messages: int | None = Field(default=None, ge=1)
    title: str | None = None
    guild: GuildRef | None = None
    channels: tuple[ChannelRef, ...] = ()
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    # The caller's clock, so a summary is reproducible; `None` reads the wall clock once.
    generated_at: AwareDatetime | None = None

    _utc = field_validator("start", "end", "generated_at")(
        lambda value: None if value is None else _to_utc(value)
    )


class Person(_Model):
    """A participant as shown in a digest."""

    id: Snowflake
    name: str


class KeyPoint(_Model):
    """One thing worth knowing, with the messages it rests on."""

    text: str
    message_ids: list[Snowflake] = Field(min_length=1)
    authors: list[Person] = Field(default_factory=list)
    # Where the first cited message is, so a reader can jump to the conversation.
    jump_url: str | None = None
    # When the first cited message was written (plain-text digests name the time).
    said_at: AwareDatetime | None = None


class Topic(_Model):
    """One conversation (or a group of them) and what came out of it."""

    title: str
    points: list[KeyPoint] = Field(default_factory=list)
    participants: list[Person] = Field(default_factory=list)
    message_count: int = Field(default=0, ge=0)
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    # The day, week or month the conversation started in, when the window is long enough to be
    # summarized per period ("Sat 14 Oct 2023", "Week of 9 Oct 2023", "October 2023").
    period: str | None = None


class Highlight(_Model):
    """A message people reacted to or replied to more than the rest."""

    message_id: Snowflake
    author: Person
    excerpt: str
    jump_url: str | None = None
    reactions: int = Field(default=0, ge=0)
    replies: int = Field(default=0, ge=0)
    # What the message shared besides its words ("shared an image"): a quote such as "here's
    # another look at the word" is about the image people reacted to.
    shared: str | None = None


class OpenQuestion(_Model):
    """A question asked in the window that nobody answered in it."""

    message_id: Snowflake
    author: Person
    text: str
    asked_at: AwareDatetime
    jump_url: str | None = None


class Link(_Model):
    """A URL shared in the window (first time it was posted)."""

    url: str
    message_id: Snowflake
    author: Person
    shared_at: AwareDatetime


class ParticipantCount(_Model):
    """How many messages one person wrote in the window."""

    id: Snowflake
    name: str
    messages: int = Field(ge=0)


class Stats(_Model):
    """Counts over the summarized messages (after exclusions and truncation)."""

    message_count: int = Field(default=0, ge=0)
    participant_count: int = Field(default=0, ge=0)
    top_participants: list[ParticipantCount] = Field(default_factory=list)
    messages_per_hour: float = Field(default=0, ge=0)
    busiest_hour: AwareDatetime | None = None
    busiest_hour_messages: int = Field(default=0, ge=0)
    attachment_count: int = Field(default=0, ge=0)
    thread_count: int = Field(default=0, ge=0)
    conversation_count: int = Field(default=0, ge=0)
    # Messages per hour of the window, oldest first (empty for windows over 31 days).
    activity: list[int] = Field(default_factory=list)


class Window(_Model):
    """The half-open time range `[start, end)` a summary covers."""

    start: AwareDatetime
    end: AwareDatetime


class SummarySource(_Model):
    """Where the messages came from."""

    guild: GuildRef | None = None
    channels: list[ChannelRef] = Field(default_factory=list)


class TokenUsage(_Model):
    """Tokens a model engine spent on this summary."""

    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    total_tokens: int = Field(default=0, ge=0)


class Summary(_Model):
    """A digest of one window: what every destination renders; JSON schema `summarybot.summary/1`.

    `schema_id` is serialized as `schema` (dump with `by_alias=True`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    schema_id: Literal["summarybot.summary/1"] = Field(default=SCHEMA_ID, alias="schema")
    title: str
    source: SummarySource
    window: Window
    engine: str
    length: SummaryLength = SummaryLength.STANDARD
    language: str | None = None
    generated_at: AwareDatetime
    overview: str
    topics: list[Topic] = Field(default_factory=list)
    highlights: list[Highlight] = Field(default_factory=list)
    open_questions: list[OpenQuestion] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    stats: Stats = Field(default_factory=Stats)
    truncated: bool = False
    notes: list[str] = Field(default_factory=list)
    usage: TokenUsage | None = None
