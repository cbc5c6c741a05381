"""A guild's own settings as the bot applies them: zone, log channel, admin and creator roles.

Changes come from `/summarybot settings`; each is stored with an audit entry naming who made
it and what changed (values included: none of these is a secret).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scheduling.guilds import GuildSettings
from scheduling.models import AuditAction, AuditEntry

if TYPE_CHECKING:
    from bot.app import SummaryBot

SETTING_FIELDS = ("timezone", "log_channel_id", "admin_role_id", "creator_role_id")


async def guild_settings(bot: SummaryBot, guild_id: int) -> GuildSettings:
    """The guild's settings (defaults when it never set any)."""
    return await bot.require_scheduler().store.get_guild_settings(guild_id)


async def default_zone(bot: SummaryBot, guild_id: int | None) -> str:
    """The zone new schedules get: the guild's own, else `scheduling.timezone`."""
    if guild_id is not None and bot.scheduler is not None:
        settings = await guild_settings(bot, guild_id)
        if settings.timezone:
            return settings.timezone
    return bot.settings.scheduling.timezone


async def change_settings(
    bot: SummaryBot, guild_id: int, actor: str, changes: dict[str, Any]
) -> tuple[GuildSettings, dict[str, Any]]:
    """Apply and audit `changes` (a None value clears a setting); returns what changed."""
    before = await guild_settings(bot, guild_id)
    data = before.model_dump() | changes | {"updated_at": bot.clock()}
    after = GuildSettings.model_validate(data)
    changed = {
        key: {"from": getattr(before, key), "to": getattr(after, key)}
        for key in SETTING_FIELDS
        if getattr(before, key) != getattr(after, key)
    }
    if not changed:
        return before, {}
    audit = AuditEntry(
        at=bot.clock(),
        guild_id=guild_id,
        actor=actor,
        action=AuditAction.SETTINGS_CHANGED,
        detail=changed,
    )
    await bot.require_scheduler().store.save_guild_settings(after, audit)
    return after, changed
