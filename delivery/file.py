"""File destinations: the digest written under `delivery.file_root`, one file per window."""

from __future__ import annotations

import asyncio
from pathlib import Path

from delivery.fanout import SendOutcome
from delivery.models import DeliveryContext, DeliveryTarget, FileDestination
from delivery.paths import file_name, guild_folder, write_atomic
from delivery.render import render
from summarizer.models import Summary


class FileSender:
    """Renders and writes atomically; a resend of the same window overwrites its file.

    With `per_guild` (the bot) every file goes to `<root>/<guild id>/`, so a server's
    template can never reach another server's files; without it (`summarize --to file:`, run
    by whoever runs the shell) the template is relative to `root` itself.
    """

    def __init__(self, root: Path, *, per_guild: bool = True) -> None:
        self.root = root
        self.per_guild = per_guild

    async def send(
        self, target: DeliveryTarget, summary: Summary, context: DeliveryContext
    ) -> SendOutcome:
        """Write one digest file; the external id is its path."""
        destination = target.destination
        if not isinstance(destination, FileDestination):
            return SendOutcome(ok=False, error="not a file destination", retryable=False)
        root = self.root
        if self.per_guild:
            if context.guild_id is None:
                error = "a schedule's digest file needs its server (no guild id given)"
                return SendOutcome(ok=False, error=error, retryable=False)
            root = guild_folder(self.root, context.guild_id)
        try:
            name = file_name(
                destination,
                guild=context.guild_id or "export",
                channel=context.channel_id or "channels",
                schedule=context.schedule_id or "adhoc",
                window_end=context.window_end,
                in_guild_folder=self.per_guild,
            )
        except ValueError as exc:  # a template stored by an older version, refused today
            return SendOutcome(ok=False, error=f"{destination.template}: {exc}", retryable=False)
        data = render(summary, destination.format).encode("utf-8")
        try:
            path = await asyncio.to_thread(write_atomic, root, name, data)
        except ValueError as exc:  # UnsafePathError, or a NUL a stored template carried
            return SendOutcome(ok=False, error=str(exc), retryable=False)
        except OSError as exc:
            return SendOutcome(ok=False, error=f"cannot write {name}: {exc.strerror or exc}")
        return SendOutcome(ok=True, external_id=str(path))
