"""The schedule export file: writing it, reading it, and checking every entry of an import.

One format and one set of checks for `summarybot schedules export|import` and `/schedule
export|import`: a file either writes imports through the other, and both refuse the same
entries with the same words, every problem of every entry at once.

An export made without secrets masks each webhook URL to its scheme and host and leaves the
signing secrets out: Discord webhook URLs carry their token in the path, other services often
a key in the path or query, so a masked file can neither post to a webhook nor sign as the
bot. Importing such a file can only update the schedules it came from (a masked webhook keeps
the stored URL and secrets of the destination with the same id); anywhere else a masked URL is
a problem of its entry.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from bot.destinations import DestinationError, webhook_destination
from bot.errors import validation_problems
from delivery.models import Destination, WebhookDestination, mask_url
from delivery.settings import DeliverySettings
from scheduling.errors import RecurrenceError
from scheduling.models import Schedule, ScheduleStatus
from scheduling.recurrence import validate_recurrence

EXPORT_SCHEMA = "summarybot.schedules/1"
# What an import leaves as stored when it updates a schedule: identity and owner, the
# counters runs keep, the pause state (pausing and resuming have their own commands and
# checks) and the wider audiences confirmed (a file cannot confirm anything).
KEPT_ON_UPDATE = (
    "id",
    "guild_id",
    "created_by",
    "created_at",
    "run_count",
    "consecutive_failures",
    "status",
    "pause_reason",
    "pause_cause",
    "confirm_wider_audience",
    "confirmed_audiences",
)


class ScheduleExport(BaseModel):
    """The export file: schedules exactly as their model dumps them, with a schema id.

    Entries stay raw here: each is validated on its own, so every problem of every entry is
    reported, not the first of the file.
    """

    schema_id: str = Field(default=EXPORT_SCHEMA, alias="schema")
    exported_at: datetime
    # "omitted": webhook URLs masked and signing secrets left out (`/schedule export` without
    # `include_secrets`). Informative: an import recognises a masked URL by its shape.
    secrets: Literal["included", "omitted"] = "included"
    schedules: list[Any]


class NotAnExportError(ValueError):
    """The text is not a schedule export at all (not JSON, not an object, another schema)."""


class ExportProblemsError(ValueError):
    """The file is an export, but its own fields are wrong; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class CheckedEntry:
    """One entry of an import: its schedule (None when the model refused it) and problems.

    `stored` is the schedule it updates, if any; `schedule` is then the updated version.
    """

    number: int
    schedule: Schedule | None
    stored: Schedule | None = None
    problems: list[str] = field(default_factory=list)


def export_text(
    schedules: Sequence[Schedule], now: datetime, *, include_secrets: bool = True
) -> str:
    """The export file's text (JSON, indented, ending in a newline)."""
    entries = [
        s.model_dump(mode="json") if include_secrets else without_secrets(s) for s in schedules
    ]
    export = ScheduleExport(
        exported_at=now,
        secrets="included" if include_secrets else "omitted",
        schedules=entries,
    )
    return export.model_dump_json(by_alias=True, indent=2) + "\n"


def without_secrets(schedule: Schedule) -> dict[str, Any]:
    """A schedule as exported without secrets: webhook URLs masked, signing secrets left out."""
    destinations = tuple(_masked(d) for d in schedule.destinations)
    return schedule.model_copy(update={"destinations": destinations}).model_dump(mode="json")


def _masked(destination: Destination) -> Destination:
    if not isinstance(destination, WebhookDestination):
        return destination
    hidden = {
        "url": destination.masked_url(),
        "secret": None,
        "previous_secret": None,
        "previous_secret_expires_at": None,
    }
    return destination.model_copy(update=hidden)


def is_masked(url: str) -> bool:
    """Whether a webhook URL is the masked form an export without secrets writes."""
    return url.endswith("/…") and mask_url(url) == url


def read_export(text: str) -> ScheduleExport:
    """Parse an export; raises `NotAnExportError` (one line) or `ExportProblemsError`."""
    try:
        raw = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise NotAnExportError(f"not a schedule export: {exc}") from None
    except RecursionError:
        raise NotAnExportError("not a schedule export: JSON nested too deeply") from None
    if not isinstance(raw, dict):
        raise NotAnExportError(
            "not a schedule export (expected a JSON object with "
            '"schema", "exported_at" and "schedules")'
        )
    if isinstance(raw.get("schema"), str) and raw["schema"] != EXPORT_SCHEMA:
        raise NotAnExportError(f"schema {raw['schema']!r} is not {EXPORT_SCHEMA!r}")
    try:
        return ScheduleExport.model_validate(raw)
    except ValidationError as exc:
        raise ExportProblemsError(validation_problems(exc)) from None


class _TooLong:
    """An integer literal longer than any id or counter: validation names its field."""

    def __repr__(self) -> str:
        return "<a number too long to be an id or a count>"


def _parse_int(text: str) -> int | _TooLong:
    # Python refuses to convert more than 4,300 digits, with a ValueError naming no field.
    return int(text) if len(text) <= 40 else _TooLong()


def check_entries(
    entries: Sequence[Any],
    *,
    taken: Collection[str],
    delivery: DeliverySettings,
    now: datetime,
    min_interval_seconds: int,
    updatable: Mapping[str, Schedule] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> list[CheckedEntry]:
    """Every entry checked as creating or updating it would be, without writing anything.

    `taken` are the stored ids; an entry naming one is a problem unless `updatable` holds it
    (then the entry updates that schedule, see `KEPT_ON_UPDATE`). `defaults` fill fields a
    hand-written entry leaves out.
    """
    updatable = updatable or {}
    seen: set[str] = set()
    checked = []
    for number, entry in enumerate(entries, start=1):
        raw = {**defaults, **entry} if defaults and isinstance(entry, dict) else entry
        result = CheckedEntry(number, None)
        try:
            result.schedule = Schedule.model_validate(raw)
        except ValidationError as exc:
            result.problems += validation_problems(exc)
        schedule_id = result.schedule.id if result.schedule else _raw_id(entry)
        if isinstance(schedule_id, str):
            if schedule_id in taken and schedule_id not in updatable:
                result.problems.append(f"schedule {schedule_id} exists already")
            elif schedule_id in seen:
                result.problems.append(f"schedule {schedule_id} appears twice in the file")
            seen.add(schedule_id)
            result.stored = updatable.get(schedule_id)
        if result.schedule is not None:
            if result.stored is not None:
                result.schedule = updated(result.stored, result.schedule, now)
            result.schedule, masked = _unmask(result.schedule, result.stored)
            result.problems += masked
            result.problems += run_time_problems(
                result.schedule, delivery, now=now, min_interval_seconds=min_interval_seconds
            )
        checked.append(result)
    return checked


def entry_problems(checked: Sequence[CheckedEntry]) -> list[str]:
    """Every problem of every entry, numbered by entry: `entry 3: timezone: …`."""
    return [f"entry {entry.number}: {problem}" for entry in checked for problem in entry.problems]


def _raw_id(entry: Any) -> Any:
    return entry.get("id") if isinstance(entry, dict) else None


def updated(stored: Schedule, incoming: Schedule, now: datetime) -> Schedule:
    """`stored` as the file describes it, keeping what an import does not change."""
    kept = {name: getattr(stored, name) for name in KEPT_ON_UPDATE}
    return incoming.model_copy(update={**kept, "updated_at": now})


def _unmask(schedule: Schedule, stored: Schedule | None) -> tuple[Schedule, list[str]]:
    """Masked webhooks take back the stored URL and secrets of the same destination.

    Only a destination with the same id and host in the schedule being updated qualifies:
    anything else would be a webhook posting to a URL nobody typed.
    """
    before = {d.id: d for d in stored.destinations} if stored is not None else {}
    problems: list[str] = []
    destinations: list[Destination] = []
    for index, destination in enumerate(schedule.destinations):
        if isinstance(destination, WebhookDestination) and is_masked(destination.url):
            original = before.get(destination.id)
            if isinstance(original, WebhookDestination) and _same_host(original, destination):
                secrets = ("url", "secret", "previous_secret", "previous_secret_expires_at")
                destination = destination.model_copy(
                    update={name: getattr(original, name) for name in secrets}
                )
            else:
                problems.append(
                    f"destinations.{index}: the webhook URL {destination.url} was masked by an "
                    "export without secrets; write the whole URL (and its `secret`) or remove "
                    "the destination"
                )
        destinations.append(destination)
    return schedule.model_copy(update={"destinations": tuple(destinations)}), problems


def _same_host(original: WebhookDestination, masked: WebhookDestination) -> bool:
    return original.masked_url() == masked.url


def run_time_problems(
    schedule: Schedule, delivery: DeliverySettings, *, now: datetime, min_interval_seconds: int
) -> list[str]:
    """What would only fail later, at a run: the same checks as creating or adding it."""
    problems = []
    if schedule.status is ScheduleStatus.ACTIVE:
        try:
            validate_recurrence(
                schedule.recurrence,
                zone=schedule.timezone,
                now=now,
                min_interval_seconds=min_interval_seconds,
            )
        except RecurrenceError as exc:
            problems.append(f"schedule {schedule.id}: {exc}")
    for index, destination in enumerate(schedule.destinations):
        if (
            isinstance(destination, WebhookDestination)
            and destination.disabled_reason is None
            and not is_masked(destination.url)
        ):
            try:
                webhook_destination(destination.url, delivery, destination.secret)
            except DestinationError as exc:
                problems.append(f"destinations.{index}: {exc}")
    return problems
