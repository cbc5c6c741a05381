"""IANA time-zone names, checked with a suggestion when a name is mistyped."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# IANA names are ASCII letters, digits, `_`, `-` and `+` in `/`-separated parts (the longest
# today has 32 characters). Anything else is refused before zoneinfo sees it, because zoneinfo
# turns the name into a file path: an over-long name raised `OSError: File name too long`,
# a directory (`America`) `IsADirectoryError`, and NUL, `\`, `..` or a leading `/` are paths.
MAX_ZONE_NAME = 64
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")
_SHOWN = 50  # characters of a refused name's repr quoted back in the message


class UnknownTimeZoneError(ValueError):
    """A name that is not an IANA time zone; the message suggests the closest one."""


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


@lru_cache(maxsize=1)
def _by_lower() -> dict[str, str]:
    return {zone.lower(): zone for zone in _zone_names()}


def zone_names() -> tuple[str, ...]:
    """Every IANA zone name the bundled tzdata knows, sorted (for autocomplete and hints)."""
    return _zone_names()


def _well_formed(text: str) -> bool:
    """Whether `text` could be an IANA name at all (short, plain ASCII parts, no path tricks)."""
    return len(text) <= MAX_ZONE_NAME and _ZONE_NAME.fullmatch(text) is not None


def resolve_zone(name: str) -> ZoneInfo:
    """Return the zone for an IANA name, or raise with the closest names as a hint.

    Case is forgiven (`europe/berlin`) because people type zones from memory; the canonical
    spelling is what gets stored.
    """
    text = name.strip()
    canonical = _by_lower().get(text.lower())
    if canonical is not None:
        return ZoneInfo(canonical)
    if _well_formed(text):
        try:
            # Names such as "UTC" or links that tzdata carries but available_timezones() omits.
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass  # not a zone file: a directory, a data file, an unreadable path
    raise UnknownTimeZoneError(_unknown(text))


def _unknown(text: str) -> str:
    """The refusal, with the closest names; a long or unprintable name is not echoed whole."""
    shown = repr(text)
    if len(shown) > _SHOWN:
        shown = f"{shown[:_SHOWN]}…"
    if len(text) > MAX_ZONE_NAME:
        return (
            f"unknown time zone {shown} ({len(text)} characters; IANA names such as "
            f"Europe/Berlin have at most {MAX_ZONE_NAME})"
        )
    close = difflib.get_close_matches(text, _zone_names(), n=3, cutoff=0.6)
    if close:
        return f"unknown time zone {shown}; did you mean {' or '.join(close)}?"
    return f"unknown time zone {shown} (use an IANA name such as Europe/Berlin)"


def canonical_zone_name(name: str) -> str:
    """The stored spelling of a zone name (raises `UnknownTimeZoneError`)."""
    return resolve_zone(name).key
