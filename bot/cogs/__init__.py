"""One cog per command group; thin: parse options, call the scheduler, reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import SummaryBot


async def add_cogs(bot: SummaryBot) -> None:
    """Register every command group and the persistent views of schedule cards."""
