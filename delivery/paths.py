"""File destinations: names from a template, always inside `delivery.file_root`, written atomically.

A template is checked when the destination is added (`template_problem`: a file strictly
inside the root, known placeholders only) and again at write time, with the resolved path,
because a directory inside the root may have become a symlink to somewhere else in between.

A schedule's files live in its guild's own folder, `<file_root>/<guild id>/`, whatever its
template says, so one server can never write into another's (`guild_folder`).
Folders the bot creates for digests are 0700 and digest files 0600: they hold what was said
in the server's channels.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from delivery.models import FileDestination, template_problem

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
FOLDER_MODE = 0o700
FILE_MODE = 0o600
_GUILD_PREFIX = "{guild}/"


class UnsafePathError(ValueError):
    """A file destination that would land outside its folder, or on a folder, not a file."""


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
    in_guild_folder: bool = False,
) -> str:
    """The relative path for one digest: the template with its placeholders filled.

    `{window_end}` makes each window its own file, so a resend of the same window overwrites
    the same file instead of adding a duplicate. Raises ValueError for a template that today's
    rules refuse (one stored by an older version). `in_guild_folder`: the path is relative to
    the guild's folder, where a leading `{guild}/` would name that folder twice.
    """
    problem = template_problem(destination.template)
    if problem is not None:
        raise ValueError(problem)
    template = destination.template
    if in_guild_folder and template.startswith(_GUILD_PREFIX):
        template = template.removeprefix(_GUILD_PREFIX).lstrip("/")
    end = window_end.astimezone(UTC)
    values = {
        "guild": _component(guild),
        "channel": _component(channel),
        "schedule": _component(schedule),
        "date": end.strftime("%Y-%m-%d"),
        "window_end": _window_end(end),
    }
    return template.format_map(values)


def guild_folder(root: Path, guild_id: int) -> Path:
    """A guild's own digest folder: every file its schedules write is under it."""
    return root / str(guild_id)


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
    """The absolute path of `relative` strictly inside `root`, refusing anything else.

    Symlinks are resolved before the check, so a link inside the root that points out of it
    is refused too; so is the root itself (`.`) or a folder (`a/`, `a/.`): a digest written
    there would replace the folder every later digest needs.
    """
    base = root.resolve()
    candidate = Path(relative)
    if candidate.is_absolute() or ".." in candidate.parts:
        raise UnsafePathError(f"{relative!r} is not a path inside the digest folder")
    if relative.rsplit("/", 1)[-1] in {"", "."}:
        raise UnsafePathError(f"{relative!r} names a folder, not a file in the digest folder")
    target = (base / candidate).resolve()
    if base not in target.parents:
        raise UnsafePathError(f"{relative!r} leads outside the digest folder {base}")
    return target


def write_atomic(root: Path, relative: str, data: bytes) -> Path:
    """Write `data` to `relative` under `root`: all of it or nothing, never a torn file.

    The bytes go to a temporary file in the same directory and are moved into place with
    `os.replace`, which is atomic on the same file system; readers see the old file or the
    new one. The file is 0600 (even if an older one was not: the temporary replaces it),
    and `root` with any missing parents is created 0700; existing folders keep their modes.
    """
    target = resolve_under_root(root, relative)
    make_private_folder(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Re-check after creating directories: a concurrent symlink swap must not let us escape.
    target = resolve_under_root(root, relative)
    if target.is_dir():
        raise UnsafePathError(f"{relative!r} is a folder, not a file in the digest folder")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".digest-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE)  # mkstemp's mode already; said here on purpose
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def make_private_folder(folder: Path) -> None:
    """Create `folder` and its missing parents 0700 (digests are private); never chmod one.

    A folder that already exists is the admin's: its mode is left as it is.
    """
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=FOLDER_MODE, exist_ok=True)
