"""`summarybot preview WHEN`: the next fire times of a `when`, to try the grammar safely."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.config import load_section
from scheduling.bounds import instant_problem
from scheduling.errors import RecurrenceError
from scheduling.recurrence import describe, next_fire_times, parse_when, validate_recurrence
from scheduling.recurrence_models import utc_now
from scheduling.settings import SchedulingSettings
from scheduling.zones import UnknownTimeZoneError, resolve_zone


def configure(parser: argparse.ArgumentParser) -> None:
    """Give `preview` its description, options and handler."""
    parser.description = "Print the next fire times of WHEN, one ISO-8601 timestamp per line."
    parser.add_argument("when", nargs="+", help='e.g. "weekdays at 09:00" or "0 9 * * 1-5"')
    parser.add_argument("--timezone", metavar="TZ", help="IANA zone (default: scheduling.timezone)")
    parser.add_argument("--count", type=int, default=5, metavar="N", help="how many (1–1000)")
    parser.add_argument("--after", metavar="ISO", help="start after this time (default: now)")
    parser.add_argument("--config", metavar="PATH", help="TOML file (as for `check`)")
    parser.set_defaults(handler=_preview)


def _preview(args: argparse.Namespace) -> int:
    text = " ".join(args.when)
    # The configuration holds the shortest interval creation allows: preview refuses the same.
    # Only this section is needed, so with no file and no variable pydantic-settings is not.
    scheduling = load_section("scheduling", SchedulingSettings, args.config)
    try:
        tz = resolve_zone(args.timezone or scheduling.timezone)
        if not 1 <= args.count <= 1000:
            raise RecurrenceError(f"--count must be 1–1000, not {args.count}")
        after = _after(args.after, tz) if args.after else utc_now()
        recurrence = parse_when(text)
        validate_recurrence(
            recurrence,
            zone=tz.key,
            now=after,
            min_interval_seconds=scheduling.min_interval_seconds,
        )
    except (RecurrenceError, UnknownTimeZoneError) as exc:
        print(f"summarybot: {exc}", file=sys.stderr)
        return 1
    print(f"# {describe(recurrence)} ({tz.key})", file=sys.stderr)
    # An interval without `from` counts from `after` as it would from a schedule's creation.
    for moment in next_fire_times(recurrence, tz.key, after=after, count=args.count, start=after):
        print(moment.isoformat(timespec="seconds"))
    return 0


def _after(text: str, zone: object) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RecurrenceError(
            f"--after {text!r} is not an ISO date-time (e.g. 2026-11-25T09:00)"
        ) from None
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    problem = instant_problem(moment)
    if problem is not None:
        raise RecurrenceError(f"--after {problem}")
    return moment
