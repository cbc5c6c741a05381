"""File destinations: the digest written under `delivery.file_root`, one file per window."""

from __future__ import annotations

import asyncio
from pathlib import Path

from delivery.fanout import SendOutcome
from delivery.models import DeliveryContext, DeliveryTarget, FileDestination
from delivery.paths import UnsafePathError, file_name, write_atomic
from delivery.render import render
from summarizer.models import Summary


class FileSender:
    """Renders and writes atomically; a resend of the same window overwrites its file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def send(
        self, target: DeliveryTarget, summary: Summary, context: DeliveryContext
    ) -> SendOutcome:
        """Write one digest file; the external id is its path."""
        destination = target.destination
        if not isinstance(destination, FileDestination):
            return SendOutcome(ok=False, error="not a file destination", retryable=False)
        name = file_name(
            destination,
            guild=context.guild_id or "export",
            channel=context.channel_id or "channels",
            schedule=context.schedule_id or "adhoc",
            window_end=context.window_end,
        )
        data = render(summary, destination.format).encode("utf-8")
        try:
            path = await asyncio.to_thread(write_atomic, self.root, name, data)
        except UnsafePathError as exc:
            return SendOutcome(ok=False, error=str(exc), retryable=False)
        except OSError as exc:
            return SendOutcome(ok=False, error=f"cannot write {name}: {exc.strerror or exc}")
        return SendOutcome(ok=True, external_id=str(path))
