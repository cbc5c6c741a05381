"""What the scheduler stores: schedules, their recurrence, runs, deliveries and the audit log.

All datetimes are timezone-aware UTC. Local wall-clock times (a daily "09:00") are kept as
`time`/`date` values and read in the schedule's own IANA zone, so no naive datetime exists.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from delivery.models import Destination
from scheduling.audiences import ConfirmedAudience
from scheduling.bounds import MAX_INTEGER, span_problem

# The recurrence models live in `recurrence_models` (what `summarybot preview` imports, without
# the rest of these); callers keep importing them from here too.
from scheduling.recurrence_models import (  # noqa: F401
    Cron,
    Daily,
    Interval,
    Monthly,
    Once,
    Recurrence,
    Weekly,
    bounded_utc,
    is_stored,
    refuse,
    to_utc,
    utc_now,
)
from scheduling.zones import canonical_zone_name
from summarizer.models import SummaryLength

_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/1/i/l/o: ids get read aloud and typed

# A schedule's priority when more runs are due than may run at once (`scheduling/slots.py`).
# Here, not there: the models are imported by `summarybot preview`, which needs no asyncio.
Priority = Literal["high", "normal", "low"]
PRIORITIES: tuple[Priority, ...] = ("high", "normal", "low")


def new_schedule_id() -> str:
    """A 10-character id: short to type in a command, ~49 bits so collisions stay negligible."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


# --- Schedules ------------------------------------------------------------------------------


class ScheduleStatus(StrEnum):
    """Lifecycle of a schedule: only `active` ones are in APScheduler."""

    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


PauseCause = Literal["emergency_stop", "left_server"]


class Schedule(BaseModel):
    """One guild's recurring digest of some channels, and where it goes.

    Counters (`run_count`, `consecutive_failures`) live here because auto-pause and
    `max_runs` decide on them; the store moves them in the same transaction as the run.
    `run_count` counts digests delivered on schedule (`scheduling.outcome.counts`).
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=new_schedule_id, min_length=1, max_length=40)
    guild_id: int = Field(gt=0, le=MAX_INTEGER)
    name: str = Field(default="", max_length=100)
    created_by: int = Field(ge=0, le=MAX_INTEGER)
    channel_ids: tuple[int, ...] = Field(min_length=1)
    include_threads: bool = True
    recurrence: Recurrence
    timezone: str = "UTC"
    # How far back the first window reaches; None means one period of the recurrence.
    lookback_seconds: int | None = Field(default=None, gt=0)
    min_messages: int | None = Field(default=None, ge=0)
    length: SummaryLength = SummaryLength.STANDARD
    engine: Literal["extractive", "llm"] | None = None
    language: str | None = Field(default=None, max_length=35)
    destinations: tuple[Destination, ...] = Field(min_length=1)
    # The creator confirmed that a destination reaches a wider audience than the source.
    # Kept for schedules stored before `confirmed_audiences`; the bot honours it only for
    # webhooks and files, whose audience (outside Discord) cannot grow.
    confirm_wider_audience: bool = False
    # What each confirmation covered: a destination that grows past it pauses the schedule.
    confirmed_audiences: tuple[ConfirmedAudience, ...] = ()
    status: ScheduleStatus = ScheduleStatus.ACTIVE
    pause_reason: str | None = Field(default=None, max_length=500)
    # Set when a guild-wide pause (the emergency stop, the bot leaving the server) paused it:
    # `/schedule resume-all` resumes those and leaves schedules paused one by one alone.
    pause_cause: PauseCause | None = None
    max_runs: int | None = Field(default=None, gt=0)
    end_at: AwareDatetime | None = None
    # Which runs take a free run slot first when more are due than may run at once.
    priority: Priority = "normal"
    run_count: int = Field(default=0, ge=0)
    consecutive_failures: int = Field(default=0, ge=0)
    created_at: AwareDatetime = Field(default_factory=utc_now)
    updated_at: AwareDatetime = Field(default_factory=utc_now)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return canonical_zone_name(value)

    @field_validator("end_at", "created_at", "updated_at")
    @classmethod
    def _utc(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if value is None else bounded_utc(value, info)

    @field_validator("lookback_seconds")
    @classmethod
    def _lookback(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and not is_stored(info):
            refuse(span_problem(value, "a lookback"))
        return value

    @model_validator(mode="after")
    def _unique_destination_ids(self) -> Schedule:
        ids = [destination.id for destination in self.destinations]
        if len(ids) != len(set(ids)):
            raise ValueError("two destinations of one schedule share an id")
        return self


# --- Runs, deliveries, audit ----------------------------------------------------------------


class RunStatus(StrEnum):
    """Outcome of one run; `succeeded`, `partial` and `skipped` anchor the next window."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    SKIPPED = "skipped"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


ANCHORING_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.SKIPPED})


class RunTrigger(StrEnum):
    """Why a run exists."""

    SCHEDULED = "scheduled"
    CATCH_UP = "catch_up"
    MANUAL = "manual"


class Run(BaseModel):
    """One attempt to produce and deliver the digest for one slot of a schedule."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    schedule_id: str
    scheduled_for: AwareDatetime
    trigger: RunTrigger = RunTrigger.SCHEDULED
    triggered_by: int | None = None
    status: RunStatus = RunStatus.RUNNING
    attempt: int = Field(default=1, ge=1)
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None
    message_count: int | None = Field(default=None, ge=0)
    error: str | None = None
    started_at: AwareDatetime = Field(default_factory=utc_now)
    finished_at: AwareDatetime | None = None

    @field_validator("scheduled_for", "window_start", "window_end", "started_at", "finished_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else to_utc(value)


class DeliveryStatus(StrEnum):
    """Outbox state of one destination of one run."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def new_delivery_id() -> str:
    """Random and stable: it becomes the consumer's idempotency key (`webhook-id`)."""
    return "msg_" + secrets.token_hex(12)


class Delivery(BaseModel):
    """One destination of one run: written `pending` before sending, updated per attempt.

    `destination` is a snapshot, so a resumed delivery goes where it was meant to go even if
    the schedule was edited in between.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=new_delivery_id)
    run_id: int
    destination: Destination
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = Field(default=0, ge=0)
    last_error: str | None = None
    http_status: int | None = None
    external_id: str | None = None
    duration_ms: int | None = Field(default=None, ge=0)
    created_at: AwareDatetime = Field(default_factory=utc_now)
    updated_at: AwareDatetime = Field(default_factory=utc_now)
    delivered_at: AwareDatetime | None = None

    @property
    def destination_id(self) -> str:
        """The destination this row belongs to (unique per run)."""
        return self.destination.id

    @field_validator("created_at", "updated_at", "delivered_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else to_utc(value)


class AuditAction(StrEnum):
    """What somebody did to a schedule (or a guild's schedules)."""

    CREATED = "created"
    EDITED = "edited"
    PAUSED = "paused"
    RESUMED = "resumed"
    DELETED = "deleted"
    TRIGGERED = "triggered"
    COMPLETED = "completed"
    IMPORTED = "imported"
    EXPORTED = "exported"
    CLEANED_UP = "cleaned_up"
    SETTINGS_CHANGED = "settings_changed"
    EMERGENCY_STOP = "emergency_stop"
    EMERGENCY_RESUME = "emergency_resume"


class AuditEntry(BaseModel):
    """Who did what, when; `actor` is `user:<id>`, `cli` or `system`."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    at: AwareDatetime = Field(default_factory=utc_now)
    guild_id: int | None = None
    schedule_id: str | None = None
    actor: str = Field(min_length=1, max_length=64)
    action: AuditAction
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return to_utc(value)


def user_actor(user_id: int) -> str:
    """The audit `actor` for a Discord user."""
    return f"user:{user_id}"


class DestinationHealth(BaseModel):
    """How a destination has fared across a schedule's runs (shown by `/schedule show`)."""

    model_config = ConfigDict(frozen=True)

    finished: int = Field(ge=0)
    delivered: int = Field(ge=0)
    last_success: AwareDatetime | None = None
    last_error: str | None = None

    @property
    def success_rate(self) -> float:
        """Delivered share of finished deliveries (1.0 before the first)."""
        return self.delivered / self.finished if self.finished else 1.0


NoticeKind = Literal[
    "run_failed",
    "destination_failing",
    "destination_disabled",
    "auto_paused",
    "completed",
    "recovered",
    "subscription_dropped",
]


class ScheduleNotice(BaseModel):
    """Something a guild's admins must hear about (the bot posts it to the log channel)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: NoticeKind
    schedule_id: str
    guild_id: int
    created_by: int
    message: str
    # The destination a destination notice is about (a subscriber's `sub_<id>` for a dropped
    # subscription): its own claim, and the target of the notice's Re-enable button.
    destination_id: str | None = None

    @property
    def claim_kind(self) -> str:
        """What a day's claim is per: the kind, and the destination for destination notices."""
        return f"{self.kind}:{self.destination_id}" if self.destination_id else self.kind
