"""`summarybot schedules create`: `/schedule create` from the shell, with the same checks.

The options are the slash command's and go through the same functions (`parse_duration`,
`destinations_from`, the model, `ScheduleService.create`), so the shell accepts and refuses
exactly what Discord does. What needs Discord — who can read the sources, whether the bot may
post in a channel destination, who can see it — cannot be checked offline: the bot checks it
before the first run (and every run), and pauses the schedule with the reason if it fails.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import discord
from pydantic import ValidationError

from bot.cogs.replies import UserError
from bot.cogs.schedule_input import DestinationOptions, destinations_from, parse_duration
from bot.config import Settings
from bot.destinations import DestinationError
from bot.errors import validation_problems
from scheduling.errors import RecurrenceError
from scheduling.models import Schedule
from scheduling.recurrence import parse_when
from scheduling.zones import UnknownTimeZoneError, resolve_zone


class CreateError(Exception):
    """Options that cannot make a schedule; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class NewSchedule:
    """A schedule ready to store, the signing secret to show once, and notes for the operator."""

    schedule: Schedule
    secret: str | None
    notes: list[str]


def add_create_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `/schedule create`, spelled for a shell, plus who and which server."""
    parser.add_argument("--guild", type=int, required=True, metavar="ID", help="the server's id")
    parser.add_argument(
        "--created-by",
        type=int,
        required=True,
        metavar="ID",
        help="the member it runs for: the bot checks before every run that they can read "
        "the sources",
    )
    parser.add_argument(
        "--channel",
        type=int,
        action="append",
        required=True,
        metavar="ID",
        help="a channel to summarize (repeatable)",
    )
    parser.add_argument("--when", required=True, help="e.g. 'weekdays at 09:00' (the grammar)")
    parser.add_argument(
        "--timezone", metavar="TZ", help="IANA zone (default: the server's, else config)"
    )
    parser.add_argument("--to", type=int, metavar="CHANNEL_ID", help="post in this channel")
    parser.add_argument("--webhook", metavar="URL", help="POST to this URL (signed) or Discord's")
    parser.add_argument("--file", metavar="TEMPLATE", help="write to this file template")
    parser.add_argument("--name", default="", help="a name for the schedule")
    parser.add_argument("--lookback", metavar="DURATION", help="first digest reaches back (1d)")
    parser.add_argument("--min-messages", type=int, metavar="N", help="skip with fewer messages")
    parser.add_argument("--length", choices=["brief", "standard", "detailed"], default="standard")
    parser.add_argument("--engine", choices=["extractive", "llm"], help="default: from config")
    parser.add_argument(
        "--no-threads", dest="threads", action="store_false", help="leave the threads out"
    )
    parser.add_argument("--style", choices=["embed", "markdown"], default="embed")
    parser.add_argument("--mode", choices=["post", "edit"], default="post")
    parser.add_argument(
        "--confirm-wider-audience",
        action="store_true",
        help="a webhook or file may reach more people than the sources (a channel's wider "
        "audience can only be confirmed in Discord)",
    )


def build_schedule(args: argparse.Namespace, settings: Settings, zone: str) -> NewSchedule:
    """The schedule the options describe, checked as `/schedule create` checks it offline.

    `zone` is the default when `--timezone` is absent (the server's, else the config's).
    Raises `CreateError`; the recurrence against now and the limits is the service's check.
    """
    try:
        when = parse_when(args.when)
        zone = resolve_zone(args.timezone).key if args.timezone else zone
        lookback = parse_duration(args.lookback, "lookback") if args.lookback else None
        options = DestinationOptions(
            channel=discord.Object(id=args.to) if args.to else None,
            webhook=args.webhook,
            file=args.file,
            style=args.style,
            mode=args.mode,
        )
        if not options.any():
            raise UserError("give a destination: --to, --webhook or --file")
        destinations, secret = destinations_from(options, settings.delivery)
    except (UserError, DestinationError, RecurrenceError, UnknownTimeZoneError) as exc:
        raise CreateError([str(exc)]) from None
    try:
        schedule = Schedule(
            guild_id=args.guild,
            name=args.name.strip(),
            created_by=args.created_by,
            channel_ids=tuple(args.channel),
            include_threads=args.threads,
            recurrence=when,
            timezone=zone,
            lookback_seconds=int(lookback.total_seconds()) if lookback else None,
            min_messages=args.min_messages,
            length=args.length,
            engine=args.engine,
            destinations=tuple(destinations),
            confirm_wider_audience=args.confirm_wider_audience,
        )
    except ValidationError as exc:
        raise CreateError(validation_problems(exc)) from None
    return NewSchedule(schedule, secret, _notes(schedule))


def _notes(schedule: Schedule) -> list[str]:
    """What the shell could not check, said once so a pause at the first run is no surprise."""
    posts = [f"can post in {d.channel_id}" for d in schedule.destinations if d.kind == "channel"]
    reads = ", ".join(str(c) for c in schedule.channel_ids)
    checks = [f"user {schedule.created_by} and the bot can read {reads}", *posts]
    return [
        f"the bot checks at the first run (and every run) that {' and that it '.join(checks)}; "
        "if not, it pauses the schedule and says why"
    ]
