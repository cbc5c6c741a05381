"""The database holds webhook URLs and signing secrets: only the bot's user may read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from scheduling_fakes import make_schedule

from scheduling.store import Store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    """The usual umask, under which plain file creation gives 0644 and folders 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("umask_022")
async def test_a_new_database_and_its_wal_and_shm_files_are_0600_in_a_0700_folder(tmp_path):
    path = tmp_path / "data" / "summarybot.db"
    async with await Store.open(path) as store:
        await store.insert_schedule(make_schedule())
        side_files = [Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(p.exists() for p in side_files)
        assert {p.name: _mode(p) for p in [path, *side_files]} == {
            "summarybot.db": 0o600,
            "summarybot.db-wal": 0o600,
            "summarybot.db-shm": 0o600,
        }
    assert _mode(path.parent) == 0o700


@pytest.mark.usefixtures("umask_022")
async def test_an_existing_folder_and_database_keep_their_modes(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o750)
    os.chmod(folder, 0o750)
    path = folder / "summarybot.db"
    async with await Store.open(path) as store:
        await store.insert_schedule(make_schedule())
    os.chmod(path, 0o640)  # the admin's choice, e.g. a backup group
    async with await Store.open(path) as store:
        assert len(await store.list_schedules()) == 1
    assert _mode(folder) == 0o750
    assert _mode(path) == 0o640
