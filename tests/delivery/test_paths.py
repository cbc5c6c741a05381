"""File destinations stay inside the digest folder and are written atomically."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from delivery.models import STORED, FileDestination
from delivery.paths import UnsafePathError, file_name, resolve_under_root, write_atomic

END = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_default_template_gives_each_window_its_own_file():
    name = file_name(FileDestination(), guild=111, channel=222, schedule="abc", window_end=END)
    assert name == "abc/2026-11-24T0900Z.md"  # inside the guild's folder, `<root>/111/`


@pytest.mark.parametrize(
    "template", ["{guild}/{schedule}/{window_end}.md", "{guild}//{schedule}/{window_end}.md"]
)
def test_a_leading_guild_folder_is_not_doubled_inside_the_guild_folder(template):
    # The default before files were kept per guild: its paths stay what they were.
    destination = FileDestination(template=template)
    name = file_name(
        destination, guild=111, channel=222, schedule="abc", window_end=END, in_guild_folder=True
    )
    assert name == "abc/2026-11-24T0900Z.md"
    shell = file_name(destination, guild=111, channel=222, schedule="abc", window_end=END)
    assert Path(shell) == Path("111/abc/2026-11-24T0900Z.md")  # `summarize --to`: the root


def test_placeholder_values_cannot_add_path_segments():
    destination = FileDestination(template="{channel}/{date}.md")
    name = file_name(destination, guild=1, channel="../../etc", schedule="s", window_end=END)
    assert name == "etc/2026-11-24.md"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("/etc/passwd", "relative"),
        ("../outside.md", "'..'"),
        ("a/../../b.md", "'..'"),
        ("C:\\digests\\x.md", "relative"),
        ("{guild}/{secret}.md", "unknown placeholder {secret}"),
    ],
)
def test_unsafe_templates_are_refused_when_added(template, message):
    with pytest.raises(ValidationError, match=message):
        FileDestination(template=template)


@pytest.mark.parametrize(
    "template", [".", "./", "./.", "a/.", "reports/", "{guild}/", "a\\", "a\\."]
)
def test_a_template_must_name_a_file_not_the_root_or_a_folder(template):
    with pytest.raises(ValidationError, match="must name a file inside the digest folder"):
        FileDestination(template=template)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("a}b.md", r"not a valid file template \(Single '}' encountered"),
        ("x{.md", r"not a valid file template \(.*'}'"),
        ("{foo}.md", r"unknown placeholder \{foo\}"),
        ("{guild.id}.md", r"unknown placeholder \{guild.id\}"),
        ("{0}.md", r"unknown placeholder \{0\}"),
        ("{}.md", r"unknown placeholder \{\}"),
        ("{guild!r}.md", r"placeholder \{guild!r\} takes no format or conversion: write \{guild\}"),
        ("{date:%Y}.md", r"placeholder \{date:%Y\} takes no format or conversion: write \{date\}"),
    ],
)
def test_broken_placeholders_are_refused_when_added_naming_the_problem(template, message):
    with pytest.raises(ValidationError, match=message) as refused:
        FileDestination(template=template)
    if "takes no format" not in message:
        assert "{channel}, {date}, {guild}, {schedule}, {window_end}" in str(refused.value)


def test_doubled_braces_are_literal_braces():
    destination = FileDestination(template="{{x}}/{schedule}.md")
    name = file_name(destination, guild=1, channel=2, schedule="abc", window_end=END)
    assert name == "{x}/abc.md"


def test_a_stored_template_refused_today_still_loads_and_fails_at_write_time():
    # Stored by an older version: the schedule stays readable; each write says what is wrong.
    stored = FileDestination.model_validate({"template": "."}, context=STORED)
    with pytest.raises(ValueError, match="must name a file inside the digest folder"):
        file_name(stored, guild=1, channel=2, schedule="s", window_end=END)
    stored = FileDestination.model_validate({"template": "{date:%Y}.md"}, context=STORED)
    with pytest.raises(ValueError, match="takes no format"):
        file_name(stored, guild=1, channel=2, schedule="s", window_end=END)


def test_write_is_atomic_and_overwrites_the_same_window(tmp_path):
    root = tmp_path / "digests"
    first = write_atomic(root, "g/s/w.md", b"first")
    second = write_atomic(root, "g/s/w.md", b"second")
    assert first == second
    assert second.read_bytes() == b"second"
    assert sorted(p.name for p in second.parent.iterdir()) == ["w.md"]  # no temporary left


def test_a_symlink_out_of_the_root_is_refused_at_write_time(tmp_path):
    root = tmp_path / "digests"
    outside = tmp_path / "outside"
    outside.mkdir()
    root.mkdir()
    (root / "g").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePathError, match="leads outside the digest folder"):
        write_atomic(root, "g/s/w.md", b"x")
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("relative", [".", "./", "./.", "a/.", "sub/"])
def test_the_root_or_a_folder_is_refused_at_write_time(tmp_path, relative):
    root = tmp_path / "digests"
    with pytest.raises(UnsafePathError, match="names a folder, not a file"):
        write_atomic(root, relative, b"x")
    # The root is never replaced by a digest: every later delivery still has its folder.
    write_atomic(root, "later.md", b"later")
    assert (root / "later.md").read_bytes() == b"later"


def test_an_existing_folder_is_not_replaced_by_a_digest(tmp_path):
    root = tmp_path / "digests"
    (root / "taken" / "inside").mkdir(parents=True)
    with pytest.raises(UnsafePathError, match="is a folder"):
        write_atomic(root, "taken", b"x")
    assert (root / "taken" / "inside").is_dir()


def test_digest_files_are_private_and_so_is_a_root_the_bot_creates(tmp_path):
    previous = os.umask(0o022)
    try:
        root = tmp_path / "data" / "digests"
        written = write_atomic(root, "111/s/w.md", b"x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(root.parent.stat().st_mode) == 0o700  # the data folder it made too


def test_an_existing_root_keeps_its_mode_and_an_old_public_file_becomes_private(tmp_path):
    root = tmp_path / "digests"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    (root / "w.md").write_bytes(b"old")
    os.chmod(root / "w.md", 0o644)
    written = write_atomic(root, "w.md", b"new")
    assert stat.S_IMODE(root.stat().st_mode) == 0o755  # the admin's folder: left as it is
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


def test_absolute_and_parent_paths_are_refused_at_write_time(tmp_path):
    with pytest.raises(UnsafePathError):
        resolve_under_root(tmp_path, "/etc/passwd")
    with pytest.raises(UnsafePathError):
        resolve_under_root(tmp_path, "../x")


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    root = tmp_path / "digests"
    write_atomic(root, "w.md", b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(root, "w.md", b"new")
    assert (root / "w.md").read_bytes() == b"old"
    assert [p.name for p in root.iterdir()] == ["w.md"]
