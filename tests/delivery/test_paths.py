"""File destinations stay inside the digest folder and are written atomically."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from delivery.models import FileDestination
from delivery.paths import UnsafePathError, file_name, resolve_under_root, write_atomic

END = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_default_template_gives_each_window_its_own_file():
    name = file_name(FileDestination(), guild=111, channel=222, schedule="abc", window_end=END)
    assert name == "111/abc/2026-11-24T0900Z.md"


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
