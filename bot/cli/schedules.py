"""`summarybot schedules …`: schedules from the shell, for backups, migrations and emergencies.

These work on the database directly, whether the bot is stopped or running; a running bot
notices the changes within seconds (it polls for them). Pausing everything is the operator's
emergency stop.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.cli.schedule_create import CreateError, add_create_arguments, build_schedule
from bot.config import Settings, load_settings
from bot.schedule_files import (
    ExportProblemsError,
    NotAnExportError,
    check_entries,
    entry_problems,
    export_text,
    read_export,
)
from delivery.models import WebhookDestination
from scheduling.bounds import MAX_INTEGER
from scheduling.errors import (
    DuplicateError,
    NotFoundError,
    RecurrenceError,
    ScheduleStateError,
    StoreError,
)
from scheduling.models import Schedule, ScheduleStatus, utc_now
from scheduling.recurrence import describe, next_fire_times
from scheduling.service import ScheduleService
from scheduling.store import open_store
from summarizer.notes import count

Handler = Callable[[argparse.Namespace, ScheduleService, Settings], Awaitable[int]]

ACTOR = "cli"


def configure(parser: argparse.ArgumentParser) -> None:
    """Give `schedules` its description and its subcommands."""
    parser.description = "Work on the schedule database directly (the bot may be running)."
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, handler: Handler) -> Any:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--config", metavar="PATH", help="TOML file (as for `check`)")
        sub.set_defaults(handler=lambda args: _run(args, handler))
        return sub

    listing = action("list", "list schedules", _list)
    listing.add_argument("--guild", type=int, metavar="ID", help="only this guild")
    listing.add_argument("--status", choices=[s.value for s in ScheduleStatus])
    show = action("show", "show one schedule and its recent runs", _show)
    show.add_argument("id")
    create = action("create", "create a schedule, as /schedule create does", _create)
    add_create_arguments(create)
    export = action("export", "write schedules as JSON (to stdout or --output)", _export)
    export.add_argument("--guild", type=int, metavar="ID", help="only this guild")
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    importing = action("import", "add the schedules of an export file (all or none)", _import)
    importing.add_argument("file", metavar="FILE")
    for name, verb in (("pause", "pause"), ("resume", "resume")):
        sub = action(name, f"{verb} one schedule, a guild's, or all", _pause_resume)
        target = sub.add_mutually_exclusive_group(required=True)
        target.add_argument("id", nargs="?", help="schedule id")
        target.add_argument("--guild", type=int, metavar="ID", help="every schedule of a guild")
        target.add_argument("--all", action="store_true", help="every schedule (emergency stop)")
        if name == "pause":
            sub.add_argument("--reason", default="paused from the command line")
    delete = action("delete", "delete a schedule with its runs (the audit log keeps it)", _delete)
    delete.add_argument("id")


def _run(args: argparse.Namespace, handler: Handler) -> int:
    settings = load_settings(args.config)

    async def main() -> int:
        async with await open_store(settings.storage) as store:
            service = ScheduleService(store, settings.scheduling, utc_now)
            return await handler(args, service, settings)

    try:
        return asyncio.run(main())
    except (NotFoundError, ScheduleStateError, DuplicateError, StoreError) as exc:
        return _fail(str(exc))


def _fail(message: str) -> int:
    print(f"summarybot: {message}", file=sys.stderr)
    return 1


def _when(schedule: Schedule) -> str:
    return f"{describe(schedule.recurrence)} ({schedule.timezone})"


def _next(schedule: Schedule) -> str:
    if schedule.status is not ScheduleStatus.ACTIVE:
        return "-"
    upcoming = next_fire_times(
        schedule.recurrence,
        schedule.timezone,
        after=utc_now(),
        count=1,
        start=schedule.created_at,
    )
    return upcoming[0].isoformat(timespec="seconds") if upcoming else "-"


async def _list(args: argparse.Namespace, service: ScheduleService, _: Settings) -> int:
    status = ScheduleStatus(args.status) if args.status else None
    schedules = await service.list(args.guild, status)
    if not schedules:
        print("no schedules")
        return 0
    print(f"{'id':<12} {'guild':<20} {'status':<10} {'next run':<26} when / name")
    for s in schedules:
        label = f"{_when(s)}" + (f" / {s.name}" if s.name else "")
        print(f"{s.id:<12} {s.guild_id:<20} {s.status.value:<10} {_next(s):<26} {label}")
    return 0


def _destination_line(destination: Any) -> str:
    if isinstance(destination, WebhookDestination):
        signed = ", signed" if destination.secret else ""
        return f"webhook {destination.masked_url()}{signed}"
    fields = destination.model_dump(exclude={"id", "kind"}, exclude_none=True)
    text = ", ".join(f"{key}={value}" for key, value in fields.items())
    return f"{destination.kind} {text}"


async def _show(args: argparse.Namespace, service: ScheduleService, _: Settings) -> int:
    s = await service.get(args.id)
    print(f"schedule {s.id}  {s.name}".rstrip())
    print(f"  guild: {s.guild_id}   created by: {s.created_by}   status: {s.status.value}")
    if s.pause_reason:
        print(f"  reason: {s.pause_reason}")
    print(f"  when: {_when(s)}   next run: {_next(s)}")
    print(f"  channels: {', '.join(str(c) for c in s.channel_ids)}")
    print(f"  digests delivered: {s.run_count}   consecutive failures: {s.consecutive_failures}")
    print("  destinations:")
    for destination in s.destinations:
        print(f"    {destination.id}: {_destination_line(destination)}")
    runs = await service.store.list_runs(s.id, limit=5)
    if runs:
        print("  last runs:")
    for run in runs:
        error = f"  {run.error}" if run.error else ""
        print(f"    {run.scheduled_for.isoformat()}  {run.status.value}{error}")
    return 0


def _write_private(path: Path, text: str) -> None:
    """Write an export: a new file is 0600, as it holds webhook URLs and signing secrets.

    An existing file is overwritten and keeps its mode: whoever made it chose who reads it.
    """
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)


async def _export(args: argparse.Namespace, service: ScheduleService, _: Settings) -> int:
    schedules = await service.list(args.guild)
    text = export_text(schedules, utc_now())
    if args.output:
        try:
            await asyncio.to_thread(_write_private, Path(args.output), text)
        except OSError as exc:
            return _fail(f"cannot write {args.output}: {exc.strerror or exc}")
        print(f"exported {count(len(schedules), 'schedule')} to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if any(isinstance(d, WebhookDestination) for s in schedules for d in s.destinations):
        print(
            "note: the export contains webhook URLs and signing secrets; keep it private",
            file=sys.stderr,
        )
    return 0


async def _create(args: argparse.Namespace, service: ScheduleService, settings: Settings) -> int:
    zone = settings.scheduling.timezone
    if 0 < args.guild <= MAX_INTEGER:  # else the model refuses the id, naming it
        zone = (await service.store.get_guild_settings(args.guild)).timezone or zone
    try:
        made = build_schedule(args, settings, zone)
        stored = await service.create(made.schedule, ACTOR)
    except CreateError as exc:
        for problem in exc.problems[:-1]:
            print(f"summarybot: schedules create: {problem}", file=sys.stderr)
        return _fail(f"schedules create: {exc.problems[-1]}")
    except RecurrenceError as exc:
        return _fail(f"schedules create: {exc}")
    for note in made.notes:
        print(f"note: {note}", file=sys.stderr)
    if made.secret:
        print(
            f"webhook signing secret (shown once; give it to the receiving service): {made.secret}",
            file=sys.stderr,
        )
    upcoming = next_fire_times(
        stored.recurrence, stored.timezone, after=utc_now(), count=3, start=stored.created_at
    )
    print(f"created {stored.id}: {_when(stored)}")
    for moment in upcoming:
        print(f"next run: {moment.isoformat(timespec='seconds')}")
    return 0


async def _import(args: argparse.Namespace, service: ScheduleService, settings: Settings) -> int:
    path = Path(args.file)
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except FileNotFoundError:
        return _fail(f"{path}: file not found")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"{path}: not a schedule export: {exc}")
    try:
        export = read_export(text)
    except NotAnExportError as exc:
        return _fail(f"{path}: {exc}")
    except ExportProblemsError as exc:
        return _refuse(path, exc.problems)
    checked = check_entries(
        export.schedules,
        taken=await service.store.schedule_ids(),
        delivery=settings.delivery,
        now=service.clock(),
        min_interval_seconds=service.settings.min_interval_seconds,
    )
    problems = entry_problems(checked)
    if problems:
        return _refuse(path, problems)
    schedules = [entry.schedule for entry in checked if entry.schedule is not None]
    imported = await service.store.insert_schedules(schedules, actor=ACTOR, now=service.clock())
    print(f"imported {count(imported, 'schedule')}")
    return 0


def _refuse(path: Path, problems: list[str]) -> int:
    """Every problem on its own line; the file is all or nothing, so nothing was imported."""
    if len(problems) == 1:
        return _fail(f"{path}: {problems[0]}; nothing was imported")
    for problem in problems:
        print(f"summarybot: {path}: {problem}", file=sys.stderr)
    return _fail(f"{path}: {count(len(problems), 'problem')}; nothing was imported")


async def _pause_resume(args: argparse.Namespace, service: ScheduleService, _: Settings) -> int:
    pausing = args.action == "pause"
    if args.id:
        if pausing:
            await service.pause(args.id, ACTOR, args.reason)
        else:
            await service.resume(args.id, ACTOR)
        print(f"{'paused' if pausing else 'resumed'} {args.id}")
        return 0
    wanted = ScheduleStatus.ACTIVE if pausing else ScheduleStatus.PAUSED
    if pausing:
        # A guild-wide pause, as /schedule pause-all does: /schedule resume-all undoes it.
        guilds = sorted({s.guild_id for s in await service.list(args.guild, wanted)})
        paused = [
            await service.pause_all(guild, ACTOR, "emergency_stop", args.reason) for guild in guilds
        ]
        scope = f"of guild {args.guild}" if args.guild else "in total"
        print(f"paused {count(sum(len(p) for p in paused), 'schedule')} {scope}")
        return 0
    changed = failed = 0
    for schedule in await service.list(args.guild, wanted):
        try:
            await service.resume(schedule.id, ACTOR)
            changed += 1
        except (ScheduleStateError, RecurrenceError) as exc:
            failed += 1
            print(f"summarybot: {schedule.id}: {exc}", file=sys.stderr)
    scope = f"of guild {args.guild}" if args.guild else "in total"
    print(f"resumed {count(changed, 'schedule')} {scope}")
    return 1 if failed else 0


async def _delete(args: argparse.Namespace, service: ScheduleService, _: Settings) -> int:
    await service.delete(args.id, ACTOR)
    print(f"deleted {args.id}")
    return 0
