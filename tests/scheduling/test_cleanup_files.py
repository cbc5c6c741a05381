"""Digest-file retention touches only old digest files under the root."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from scheduling.cleanup import delete_old_files

NOW = datetime(2026, 6, 1, tzinfo=UTC)
OLD = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def _file(path, old):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("digest")
    if old:
        os.utime(path, (OLD, OLD))
    return path


def test_old_digests_go_new_ones_and_other_files_stay(tmp_path):
    root = tmp_path / "digests"
    old_md = _file(root / "g" / "s" / "old.md", old=True)
    old_json = _file(root / "g" / "t" / "old.json", old=True)
    new_md = _file(root / "g" / "s" / "new.md", old=False)
    notes = _file(root / "notes.txt", old=True)
    assert delete_old_files(root, NOW) == 2
    assert not old_md.exists()
    assert not old_json.exists()
    assert new_md.exists()
    assert notes.exists()
    assert not (root / "g" / "t").exists()  # emptied directory removed
    assert root.exists()


def test_symlinks_are_not_followed_out_of_the_root(tmp_path):
    outside = _file(tmp_path / "outside" / "precious.md", old=True)
    root = tmp_path / "digests"
    root.mkdir()
    (root / "link").symlink_to(outside.parent, target_is_directory=True)
    (root / "file-link.md").symlink_to(outside)
    assert delete_old_files(root, NOW) == 0
    assert outside.exists()


def test_missing_root_is_nothing_to_do(tmp_path):
    assert delete_old_files(tmp_path / "never-written", NOW) == 0
