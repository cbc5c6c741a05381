"""How often a schedule fires: the recurrence models (once, interval, daily, … cron), the clock.

Apart from `scheduling.models` (which re-exports them) so that what only reads and describes a
recurrence, `summarybot preview` most of all, does not import the schedule, run and delivery
models, and with them delivery's and the summarizer's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from scheduling.bounds import date_problem, instant_problem, span_problem
from scheduling.cron import normalize, parse_cron


def utc_now() -> datetime:
    """The current instant, aware UTC: the one place the models read the wall clock."""
    return datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """`value` as UTC (models store every instant in UTC)."""
    return value.astimezone(UTC)


def is_stored(info: ValidationInfo) -> bool:
    """Whether a value is read back from the database (`delivery.models.STORED`).

    Bounds added later are not applied there: a schedule stored before them (`once
    9999-12-31`) still loads, so it can be shown, paused, fixed or deleted. Fire-time code
    copes with such values; resuming or editing one checks it again.
    """
    return bool((info.context or {}).get("stored"))


def refuse(problem: str | None) -> None:
    """Raise a bound's `problem` as the ValueError pydantic reports; nothing if None."""
    if problem is not None:
        raise ValueError(problem)


def bounded_utc(value: datetime, info: ValidationInfo) -> datetime:
    """`value` in UTC; a ValueError outside the dates a schedule may name."""
    if not is_stored(info):
        refuse(instant_problem(value))
    return to_utc(value)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Recurrence -----------------------------------------------------------------------------


class Once(_Frozen):
    """A single run at a local date and time in the schedule's zone."""

    kind: Literal["once"] = "once"
    date: date
    time: time

    @field_validator("date")
    @classmethod
    def _bounded(cls, value: date, info: ValidationInfo) -> date:
        if not is_stored(info):
            refuse(date_problem(value))
        return value


class Interval(_Frozen):
    """Every N seconds, counted from `anchor` (aware) or from creation when absent."""

    kind: Literal["interval"] = "interval"
    seconds: int = Field(gt=0)
    anchor: AwareDatetime | None = None

    @field_validator("seconds")
    @classmethod
    def _at_most_ten_years(cls, value: int, info: ValidationInfo) -> int:
        if not is_stored(info):
            refuse(span_problem(value, "an interval"))
        return value

    @field_validator("anchor")
    @classmethod
    def _utc(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if value is None else bounded_utc(value, info)


class Daily(_Frozen):
    """Every day at a local time."""

    kind: Literal["daily"] = "daily"
    time: time


class Weekly(_Frozen):
    """On a set of weekdays (ISO numbers: 1 = Monday … 7 = Sunday) at a local time."""

    kind: Literal["weekly"] = "weekly"
    weekdays: tuple[int, ...] = Field(min_length=1)
    time: time

    @field_validator("weekdays")
    @classmethod
    def _iso_weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(day < 1 or day > 7 for day in value):
            raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
        return tuple(sorted(set(value)))


class Monthly(_Frozen):
    """On a day of the month (1–31, or the last day) at a local time."""

    kind: Literal["monthly"] = "monthly"
    day: int | Literal["last"]
    time: time

    @field_validator("day")
    @classmethod
    def _day_of_month(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= 31:
            raise ValueError("day of month must be 1–31 or 'last'")
        return value


class Cron(_Frozen):
    """A 5-field crontab expression with standard semantics (0 and 7 are Sunday)."""

    kind: Literal["cron"] = "cron"
    expression: str

    @field_validator("expression")
    @classmethod
    def _standard_crontab(cls, value: str, info: ValidationInfo) -> str:
        # Parsed in full here, not only by the grammar: an imported or paused schedule must
        # not hold an expression that fails later, when its fire times are needed.
        if not is_stored(info):
            parse_cron(value)  # RecurrenceError is a ValueError: pydantic reports its message
        return normalize(value)


Recurrence = Annotated[
    Once | Interval | Daily | Weekly | Monthly | Cron, Field(discriminator="kind")
]
