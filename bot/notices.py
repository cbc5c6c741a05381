"""Telling a guild's admins what happened to a schedule: failures, pauses, completion, recovery.

A notice goes to the guild's log channel (`/summarybot settings`), else by DM to the
schedule's creator, at most once per schedule, per kind (per destination for destination
notices) and per UTC day: a schedule failing every five minutes must not flood anyone, yet one
kind of news never swallows another (an auto-pause is told even after a disabled destination
that day). The daily claim is stored, so a restart does not repeat it. Each notice carries
buttons for the next step (`bot.cogs.notice_buttons`, injected by the composition root), and its
text is masked: a webhook URL shows its host only, and no secret of the schedule survives. A
notice that cannot be delivered is logged, never raised: the decision it reports is already
stored and shown on the schedule's card.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import discord

from bot.ops.redact import Redactor
from delivery.models import (
    ChannelDestination,
    Destination,
    FileDestination,
    WebhookDestination,
    mask_url,
)
from scheduling.guilds import notice_day
from scheduling.models import Schedule, ScheduleNotice

if TYPE_CHECKING:
    from bot.app import SummaryBot

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
MAX_MESSAGE = 2000

EMOJI = {
    "run_failed": "❌",
    "destination_failing": "⚠️",
    "destination_disabled": "🚫",
    "auto_paused": "⏸️",
    "completed": "🏁",
    "recovered": "✅",
    "subscription_dropped": "📭",
}
_URL = re.compile(r"""\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>`|]+""")

Buttons = Callable[[ScheduleNotice], discord.ui.View | None]


def destination_label(destination: Destination) -> str:
    """Where a destination points, safe for anyone in the guild (webhooks by host only)."""
    if isinstance(destination, ChannelDestination):
        return f"<#{destination.channel_id}>"
    if isinstance(destination, WebhookDestination):
        return f"webhook `{destination.masked_url()}`"
    if isinstance(destination, FileDestination):
        return f"file `{destination.template}`"
    return destination.kind


def schedule_secrets(schedule: Schedule | None) -> list[str]:
    """The webhook URLs and signing secrets a schedule holds: never in a notice."""
    found: list[str] = []
    for destination in schedule.destinations if schedule else ():
        if isinstance(destination, WebhookDestination):
            found += [destination.url, destination.secret or "", destination.previous_secret or ""]
    return [value for value in found if value]


def masked(text: str, secrets: Iterable[str]) -> str:
    """`text` with the given secrets and every URL's path, query and credentials hidden.

    Errors quote what libraries said, which may include an address: a notice is read by a whole
    log channel, so it keeps only the scheme and host of any URL.
    """
    text = _URL.sub(lambda match: mask_url(match.group(0)), text)
    return Redactor(secrets)(text)


def notice_text(notice: ScheduleNotice, schedule: Schedule | None) -> str:
    """The words of a notice: what happened, to which schedule (and destination), masked."""
    name = f" ({schedule.name})" if schedule is not None and schedule.name else ""
    text = f"{EMOJI.get(notice.kind, 'ℹ️')} schedule `{notice.schedule_id}`{name}: {notice.message}"
    if schedule is not None and notice.destination_id is not None:
        for destination in schedule.destinations:
            if destination.id == notice.destination_id:
                text += f"\nDestination `{destination.id}`: {destination_label(destination)}"
    return masked(text, schedule_secrets(schedule))


class Notifier:
    """The `notify` callable the scheduler and the outbox are given, and guild notices."""

    def __init__(self, bot: SummaryBot, buttons: Buttons | None = None) -> None:
        self.bot = bot
        self.buttons = buttons
        self.sent: list[ScheduleNotice] = []

    async def notify(self, notice: ScheduleNotice) -> None:
        """Post the notice unless one of its kind went out today: log channel, else by DM."""
        log.warning("schedule %s: %s", notice.schedule_id, notice.message)
        store = self.bot.require_scheduler().store
        day = notice_day(self.bot.clock())
        subject = f"schedule:{notice.schedule_id}"
        if not await store.claim_notice(subject, notice.claim_kind, day):
            log.info("schedule %s: a %s notice was sent today", notice.schedule_id, notice.kind)
            return
        self.sent.append(notice)
        schedule = await store.get_schedule(notice.schedule_id)
        view = self.buttons(notice) if self.buttons is not None else None
        await self.tell_guild(
            notice.guild_id, notice_text(notice, schedule), [notice.created_by], view=view
        )

    async def tell_guild(
        self,
        guild_id: int,
        text: str,
        fallback_user_ids: Iterable[int],
        *,
        view: discord.ui.View | None = None,
    ) -> bool:
        """Post `text` in the guild's log channel, else DM it to each fallback user."""
        guild = self.bot.get_guild(guild_id)
        if guild is not None and await self._post_in_log_channel(guild, text, view):
            return True
        name = guild.name if guild else str(guild_id)
        told = False
        for user_id in dict.fromkeys(fallback_user_ids):
            told = await self.dm(user_id, f"**summarybot** in {name}, {text}", view=view) or told
        return told

    async def dm(self, user_id: int, text: str, *, view: discord.ui.View | None = None) -> bool:
        """DM one user; False when Discord refuses (closed DMs) or the user is unknown."""
        extra = {"view": view} if view is not None else {}
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(text[:MAX_MESSAGE], allowed_mentions=NONE, **extra)
        except (discord.HTTPException, discord.ClientException) as exc:
            log.info("could not DM user %s: %s", user_id, exc)
            return False
        return True

    async def _post_in_log_channel(
        self, guild: discord.Guild, text: str, view: discord.ui.View | None
    ) -> bool:
        settings = await self.bot.require_scheduler().store.get_guild_settings(guild.id)
        if settings.log_channel_id is None:
            return False
        channel = guild.get_channel_or_thread(settings.log_channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.info("guild %s: log channel %s is gone", guild.id, settings.log_channel_id)
            return False
        extra = {"view": view} if view is not None else {}
        try:
            await channel.send(
                f"**summarybot** {text}"[:MAX_MESSAGE], allowed_mentions=NONE, **extra
            )
        except discord.HTTPException as exc:
            log.info("guild %s: cannot post in the log channel: %s", guild.id, exc)
            return False
        return True
