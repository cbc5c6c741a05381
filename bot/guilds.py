"""A guild's own settings as the bot applies them: zone, log channel, admin and creator roles.

Changes come from `/summarybot settings`; each is stored with an audit entry naming who made
it and what changed (values included: none of these is a secret).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduling.guilds import GuildSettings
from scheduling.models import AuditAction, AuditEntry
from scheduling.store import Store

SETTING_FIELDS = ("timezone", "log_channel_id", "admin_role_id", "creator_role_id")


async def default_zone(store: Store | None, guild_id: int | None, fallback: str) -> str:
    """The zone new schedules get: the guild's own, else `fallback` (`scheduling.timezone`)."""
    if guild_id is not None and store is not None:
        settings = await store.get_guild_settings(guild_id)
        if settings.timezone:
            return settings.timezone
    return fallback


async def change_settings(
    store: Store, guild_id: int, actor: str, changes: dict[str, Any], now: datetime
) -> tuple[GuildSettings, dict[str, Any]]:
    """Apply and audit `changes` (a None value clears a setting); returns what changed."""
    before = await store.get_guild_settings(guild_id)
    data = before.model_dump() | changes | {"updated_at": now}
    after = GuildSettings.model_validate(data)
    changed = {
        key: {"from": getattr(before, key), "to": getattr(after, key)}
        for key in SETTING_FIELDS
        if getattr(before, key) != getattr(after, key)
    }
    if not changed:
        return before, {}
    audit = AuditEntry(
        at=now, guild_id=guild_id, actor=actor, action=AuditAction.SETTINGS_CHANGED, detail=changed
    )
    await store.save_guild_settings(after, audit)
    return after, changed
