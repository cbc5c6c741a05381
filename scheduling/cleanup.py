"""Retention: `run_cleanup` (APScheduler's cleanup job) and the digest files it may delete.

Only old files under `delivery.file_root` are ever deleted from disk, and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from scheduling.destinations import drop_expired_secrets
from scheduling.models import AuditAction, AuditEntry

if TYPE_CHECKING:
    from scheduling.jobs import JobContext

log = logging.getLogger(__name__)

# Only what file destinations write (and their temporary files) is ever deleted.
DIGEST_SUFFIXES = frozenset({".md", ".json", ".html", ".tmp"})


class CleanupReport(BaseModel):
    """What one cleanup removed."""

    runs: int = 0
    audit_entries: int = 0
    files: int = 0


def delete_old_files(root: Path, cutoff: datetime) -> int:
    """Delete digest files under `root` last modified before `cutoff`; returns how many.

    Symbolic links are neither followed nor deleted, so nothing outside `root` can be reached;
    directories left empty are removed, `root` itself never.
    """
    if not root.is_dir():
        return 0
    root = root.resolve()
    limit = cutoff.timestamp()
    removed = 0
    for directory, _subdirectories, files in os.walk(root, topdown=False, followlinks=False):
        here = Path(directory)
        for name in files:
            path = here / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if path.is_symlink() or path.suffix not in DIGEST_SUFFIXES or info.st_mtime >= limit:
                continue
            try:
                path.unlink()
                removed += 1
            except OSError as exc:
                log.warning("cleanup: cannot delete %s: %s", path, exc.strerror)
        if here != root and not any(here.iterdir()):
            with contextlib.suppress(OSError):  # someone wrote into it meanwhile: keep it
                here.rmdir()
    return removed


async def run_cleanup(context: JobContext) -> CleanupReport:
    """Enforce retention: old runs (never a window anchor), audit entries and digest files.

    Webhook signing secrets rotated out and past their grace period are forgotten too.
    """
    now = context.clock()
    retention = context.retention
    runs = await context.store.delete_runs_before(now - timedelta(days=retention.runs_days))
    audit = await context.store.delete_audit_before(now - timedelta(days=retention.audit_days))
    files = await asyncio.to_thread(
        delete_old_files, context.file_root, now - timedelta(days=retention.files_days)
    )
    # Each schedule's own audit entry records the rotated-out secrets that expired.
    secrets = await drop_expired_secrets(context.store, now)
    await context.store.optimize()
    report = CleanupReport(runs=runs, audit_entries=audit, files=files)
    await context.store.append_audit(
        AuditEntry(
            at=now, actor="system", action=AuditAction.CLEANED_UP, detail=report.model_dump()
        )
    )
    log.info(
        "cleanup removed %d runs, %d audit entries, %d files, %d expired signing secrets",
        runs,
        audit,
        files,
        secrets,
    )
    return report
