"""IANA time-zone names, checked with a suggestion when a name is mistyped."""

from __future__ import annotations

import difflib
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class UnknownTimeZoneError(ValueError):
    """A name that is not an IANA time zone; the message suggests the closest one."""


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def zone_names() -> tuple[str, ...]:
    """Every IANA zone name the bundled tzdata knows, sorted (for autocomplete and hints)."""
    return _zone_names()


def resolve_zone(name: str) -> ZoneInfo:
    """Return the zone for an IANA name, or raise with the closest names as a hint.

    Case is forgiven (`europe/berlin`) because people type zones from memory; the canonical
    spelling is what gets stored.
    """
    text = name.strip()
    by_lower = {zone.lower(): zone for zone in _zone_names()}
    canonical = by_lower.get(text.lower())
    if canonical is not None:
        return ZoneInfo(canonical)
    try:
        # Names such as "UTC" or links that tzdata carries but available_timezones() omits.
        if text and "\x00" not in text and not text.startswith("/"):
            return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    close = difflib.get_close_matches(text, _zone_names(), n=3, cutoff=0.6)
    hint = (
        f"; did you mean {' or '.join(close)}?"
        if close
        else " (use an IANA name such as Europe/Berlin)"
    )
    raise UnknownTimeZoneError(f"unknown time zone {text!r}{hint}")


def canonical_zone_name(name: str) -> str:
    """The stored spelling of a zone name (raises `UnknownTimeZoneError`)."""
    return resolve_zone(name).key
