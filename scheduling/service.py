"""Schedule operations as a person asks for them: validate, write the store, audit.

`ScheduleService` never touches APScheduler: the CLI uses it while the bot is stopped, and a
running `TaskScheduler` wraps it and then brings its in-memory jobs in line. Every change is
one store transaction together with its audit entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from scheduling.errors import (
    NotFoundError,
    RecurrenceError,
    ScheduleStateError,
    ScheduleValidationError,
)
from scheduling.models import (
    AuditAction,
    AuditEntry,
    PauseCause,
    Schedule,
    ScheduleStatus,
)
from scheduling.recurrence import validate_recurrence
from scheduling.settings import SchedulingSettings
from scheduling.store import ScheduleChange, Store

# What runs move on their own: a change to these alone is no edit.
RUN_COUNTERS = frozenset({"run_count", "consecutive_failures"})
# Fields an edit may not change: identity, ownership and the counters the scheduler keeps.
FIXED_FIELDS = frozenset(
    {"id", "guild_id", "created_by", "created_at", "updated_at", "run_count", "status"}
)


class ScheduleService:
    """Create, edit, pause, resume, delete and look up schedules (store and audit only)."""

    def __init__(
        self, store: Store, settings: SchedulingSettings, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    def _check(self, schedule: Schedule, now: datetime) -> None:
        validate_recurrence(
            schedule.recurrence,
            zone=schedule.timezone,
            now=now,
            min_interval_seconds=self.settings.min_interval_seconds,
        )

    async def create(self, schedule: Schedule, actor: str) -> Schedule:
        """Store a new schedule after checking its recurrence against `now` and the limits."""
        now = self.clock()
        self._check(schedule, now)
        stored = schedule.model_copy(update={"created_at": now, "updated_at": now})
        await self.store.insert_schedule(
            stored, _audit(stored, actor, AuditAction.CREATED, now, {"name": stored.name})
        )
        return stored

    async def get(self, schedule_id: str, guild_id: int | None = None) -> Schedule:
        """One schedule; a schedule of another guild is reported as not found."""
        schedule = await self.store.get_schedule(schedule_id, guild_id)
        if schedule is None:
            raise NotFoundError(f"no schedule {schedule_id}")
        return schedule

    async def list(
        self, guild_id: int | None = None, status: ScheduleStatus | None = None
    ) -> list[Schedule]:
        """Schedules, oldest first."""
        return await self.store.list_schedules(guild_id, status)

    async def edit(
        self, schedule_id: str, changes: dict[str, Any], actor: str, guild_id: int | None = None
    ) -> Schedule:
        """Change any editable field; the new value set is validated as a whole."""
        fixed = sorted(FIXED_FIELDS & changes.keys())
        if fixed:
            raise ScheduleValidationError(f"{', '.join(fixed)} cannot be edited")
        now = self.clock()

        def change(before: Schedule) -> tuple[Schedule, AuditEntry | None]:
            data = before.model_dump() | changes | {"updated_at": now}
            try:
                after = Schedule.model_validate(data)
            except ValidationError as exc:
                raise ScheduleValidationError(_first_problem(exc)) from None
            if before.status is ScheduleStatus.ACTIVE or "recurrence" in changes:
                self._check(after, now)
            changed = sorted(key for key in changes if getattr(before, key) != getattr(after, key))
            # Field names only: values may hold webhook URLs and secrets.
            return after, _audit(after, actor, AuditAction.EDITED, now, {"fields": changed})

        return (await self.store.modify_schedule(schedule_id, change, guild_id))[1]

    async def pause(
        self,
        schedule_id: str,
        actor: str,
        reason: str = "paused",
        guild_id: int | None = None,
    ) -> Schedule:
        """Stop a schedule from firing until it is resumed; the reason is shown to admins."""
        now = self.clock()

        def change(before: Schedule) -> tuple[Schedule, AuditEntry | None]:
            if before.status is not ScheduleStatus.ACTIVE:
                raise ScheduleStateError(f"schedule {before.id} is {before.status}, not active")
            after = before.model_copy(
                update={"status": ScheduleStatus.PAUSED, "pause_reason": reason, "updated_at": now}
            )
            return after, _audit(after, actor, AuditAction.PAUSED, now, {"reason": reason})

        return (await self.store.modify_schedule(schedule_id, change, guild_id))[1]

    async def resume(self, schedule_id: str, actor: str, guild_id: int | None = None) -> Schedule:
        """Let a paused schedule fire again; its failure count starts over."""
        now = self.clock()

        def change(before: Schedule) -> tuple[Schedule, AuditEntry | None]:
            if before.status is not ScheduleStatus.PAUSED:
                raise ScheduleStateError(f"schedule {before.id} is {before.status}, not paused")
            after = _resumed(before, now)
            # A `once` whose time passed while paused can never fire again: say so now.
            self._check(after, now)
            return after, _audit(after, actor, AuditAction.RESUMED, now, {})

        return (await self.store.modify_schedule(schedule_id, change, guild_id))[1]

    async def pause_all(
        self, guild_id: int, actor: str, cause: PauseCause, reason: str
    ) -> list[Schedule]:
        """Pause every active schedule of a guild at once; returns those it paused."""
        now = self.clock()

        def change(before: Schedule) -> tuple[Schedule, AuditEntry | None]:
            if before.status is not ScheduleStatus.ACTIVE:
                return before, None
            after = before.model_copy(
                update={
                    "status": ScheduleStatus.PAUSED,
                    "pause_reason": reason,
                    "pause_cause": cause,
                    "updated_at": now,
                }
            )
            detail = {"reason": reason, "cause": cause}
            return after, _audit(after, actor, AuditAction.PAUSED, now, detail)

        guild_entry = None
        if cause == "emergency_stop":
            guild_entry = AuditEntry(
                at=now,
                guild_id=guild_id,
                actor=actor,
                action=AuditAction.EMERGENCY_STOP,
                detail={"reason": reason},
            )
        pairs = await self.store.modify_guild_schedules(guild_id, change, guild_entry)
        return [after for before, after in pairs if after is not before]

    async def resume_all(self, guild_id: int, actor: str) -> tuple[list[Schedule], list[str]]:
        """Resume what a guild-wide pause paused; schedules paused one by one stay paused.

        Returns the resumed schedules and, for those that cannot run again (a one-off whose
        time passed meanwhile), why.
        """
        now = self.clock()
        problems: list[str] = []

        def change(before: Schedule) -> tuple[Schedule, AuditEntry | None]:
            if before.status is not ScheduleStatus.PAUSED or before.pause_cause is None:
                return before, None
            after = _resumed(before, now)
            try:
                self._check(after, now)
            except (ScheduleStateError, ScheduleValidationError, RecurrenceError) as exc:
                problems.append(f"{before.id}: {exc}")
                return before, None
            return after, _audit(after, actor, AuditAction.RESUMED, now, {"all": True})

        entry = AuditEntry(
            at=now, guild_id=guild_id, actor=actor, action=AuditAction.EMERGENCY_RESUME
        )
        pairs = await self.store.modify_guild_schedules(guild_id, change, entry)
        return [after for before, after in pairs if after is not before], problems

    async def apply_import(
        self,
        creates: Sequence[Schedule],
        updates: Sequence[tuple[Schedule, Schedule]],
        actor: str,
        guild_id: int,
    ) -> list[Schedule]:
        """Store an import's new schedules and its (before, after) updates: all or nothing.

        The import was checked against `before`; if that schedule was changed since (edited,
        paused, completed) the whole import is refused, since its preview no longer says what
        would happen. Counters moved by runs in between are no change; they are kept.
        """
        now = self.clock()
        new = [s.model_copy(update={"updated_at": now}) for s in creates]
        written = [(s, _audit(s, actor, AuditAction.IMPORTED, now, {"name": s.name})) for s in new]

        def replace(before: Schedule, after: Schedule) -> ScheduleChange:
            fields = changed_fields(before, after)

            def change(current: Schedule) -> tuple[Schedule, AuditEntry | None]:
                if changed_fields(before, current, ignore=RUN_COUNTERS):
                    raise ScheduleStateError(
                        f"schedule {before.id} was changed while the import waited for "
                        "confirmation; nothing was imported: run the import again"
                    )
                counters = {
                    "run_count": current.run_count,
                    "consecutive_failures": current.consecutive_failures,
                    "updated_at": now,
                }
                done = after.model_copy(update=counters)
                # Field names only: values may hold webhook URLs and secrets.
                return done, _audit(done, actor, AuditAction.IMPORTED, now, {"fields": fields})

            return change

        changes = [(before.id, replace(before, after)) for before, after in updates]
        return await self.store.import_schedules(written, changes, guild_id)

    async def delete(self, schedule_id: str, actor: str, guild_id: int | None = None) -> None:
        """Delete a schedule with its runs; the audit log keeps its history."""
        schedule = await self.get(schedule_id, guild_id)
        now = self.clock()
        deleted = await self.store.delete_schedule(
            schedule.id, _audit(schedule, actor, AuditAction.DELETED, now, {"name": schedule.name})
        )
        if not deleted:
            raise NotFoundError(f"no schedule {schedule_id}")


def changed_fields(
    before: Schedule, after: Schedule, ignore: frozenset[str] = frozenset()
) -> list[str]:
    """The fields in which `after` differs from `before` (`updated_at` aside), in model order."""
    return [
        name
        for name in Schedule.model_fields
        if name != "updated_at"
        and name not in ignore
        and getattr(before, name) != getattr(after, name)
    ]


def _resumed(schedule: Schedule, now: datetime) -> Schedule:
    """`schedule` active again: no pause reason or cause, its failure count starting over."""
    return schedule.model_copy(
        update={
            "status": ScheduleStatus.ACTIVE,
            "pause_reason": None,
            "pause_cause": None,
            "consecutive_failures": 0,
            "updated_at": now,
        }
    )


def _audit(
    schedule: Schedule, actor: str, action: AuditAction, at: datetime, detail: dict[str, Any]
) -> AuditEntry:
    return AuditEntry(
        at=at,
        guild_id=schedule.guild_id,
        schedule_id=schedule.id,
        actor=actor,
        action=action,
        detail=detail,
    )


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str((error.get("ctx") or {}).get("error") or error["msg"])
    return f"{where}: {message}" if where else message
