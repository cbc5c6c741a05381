"""The command groups (`/schedule`, `/summary`, `/digest`, `/summarybot`) and their buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cogs import admin, digest, schedule, summary
from bot.cogs.bulk import DYNAMIC_ITEMS as BULK_ITEMS
from bot.cogs.emergency import GuildButton
from bot.cogs.notice_buttons import NoticeButton
from bot.cogs.records import DYNAMIC_ITEMS as RECORD_ITEMS
from bot.cogs.views import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.app import SummaryBot


async def add_cogs(bot: SummaryBot) -> None:
    """Register every command group and the buttons that must work after a restart."""
    bot.tree.add_command(schedule.build_group(bot))
    bot.tree.add_command(summary.build_group(bot))
    bot.tree.add_command(digest.build_group(bot))
    bot.tree.add_command(admin.build_group(bot))
    bot.add_dynamic_items(*DYNAMIC_ITEMS, *BULK_ITEMS, GuildButton, NoticeButton, *RECORD_ITEMS)
