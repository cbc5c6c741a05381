"""File destinations: names from a template, always inside `delivery.file_root`, written atomically.

A template is checked when the destination is added (`FileDestination` refuses absolute paths
and `..`) and the resolved path is checked again at write time, because a directory inside
the root may have become a symlink to somewhere else in between.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from delivery.models import FileDestination

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UnsafePathError(ValueError):
    """A file destination that would land outside `delivery.file_root`."""


def _component(value: object) -> str:
    """A placeholder value as one safe path component (never a separator or `..`)."""
    text = _UNSAFE.sub("-", str(value)).strip("-.")
    return text or "_"


def file_name(
    destination: FileDestination,
    *,
    guild: object,
    channel: object,
    schedule: object,
    window_end: datetime,
) -> str:
    """The relative path for one digest: the template with its placeholders filled.

    `{window_end}` makes each window its own file, so a resend of the same window overwrites
    the same file instead of adding a duplicate.
    """
    end = window_end.astimezone(UTC)
    values = {
        "guild": _component(guild),
        "channel": _component(channel),
        "schedule": _component(schedule),
        "date": end.strftime("%Y-%m-%d"),
        "window_end": _window_end(end),
    }
    return destination.template.format_map(values)


def _window_end(end: datetime) -> str:
    """`2026-11-25T0800Z` for a window ending on the minute (every scheduled one).

    A manual run ends at the moment it was asked for: its seconds (and fraction) are kept,
    so a run 40 s after the 09:00 digest gets its own file instead of replacing it.
    """
    if end.second == 0 and end.microsecond == 0:
        return end.strftime("%Y-%m-%dT%H%MZ")
    if end.microsecond == 0:
        return end.strftime("%Y-%m-%dT%H%M%SZ")
    return end.strftime("%Y-%m-%dT%H%M%S.%fZ")


def resolve_under_root(root: Path, relative: str) -> Path:
    """The absolute path of `relative` inside `root`, refusing anything that escapes it.

    Symlinks are resolved before the check, so a link inside the root that points out of it
    is refused too.
    """
    base = root.resolve()
    candidate = Path(relative)
    if candidate.is_absolute() or ".." in candidate.parts:
        raise UnsafePathError(f"{relative!r} is not a path inside the digest folder")
    target = (base / candidate).resolve()
    if target != base and base not in target.parents:
        raise UnsafePathError(f"{relative!r} leads outside the digest folder {base}")
    return target


def write_atomic(root: Path, relative: str, data: bytes) -> Path:
    """Write `data` to `relative` under `root`: all of it or nothing, never a torn file.

    The bytes go to a temporary file in the same directory and are moved into place with
    `os.replace`, which is atomic on the same file system; readers see the old file or the
    new one.
    """
    target = resolve_under_root(root, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Re-check after creating directories: a concurrent symlink swap must not let us escape.
    target = resolve_under_root(root, relative)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".digest-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
