"""Answering members: ephemeral, specific errors for what they can fix, an error id otherwise.

Every error a member can cause (a typo in `when`, an unknown zone, an id from another server,
a missing permission) is answered with what was wrong; anything else is logged with its trace
under a short id that the apology quotes, so an admin can find it in the logs.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.destinations import DestinationError
from scheduling.errors import (
    NotFoundError,
    RecurrenceError,
    ScheduleStateError,
    ScheduleValidationError,
)
from scheduling.zones import UnknownTimeZoneError

log = logging.getLogger(__name__)


class UserError(Exception):
    """Something the member asked for that cannot be done; the message tells them why."""


class NotAllowedError(app_commands.CheckFailure):
    """The member may not use this command here; the message says what is missing."""


EXPECTED = (
    UserError,
    NotAllowedError,
    RecurrenceError,
    ScheduleStateError,
    ScheduleValidationError,
    UnknownTimeZoneError,
    DestinationError,
)


def error_text(error: BaseException) -> str | None:
    """The member-facing text of an expected error, or None for a bug."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, NotFoundError):
        return f"Not found: {error}. Schedule ids are listed by `/schedule list`."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, EXPECTED):
        return str(error)
    if isinstance(error, app_commands.CheckFailure) and str(error):
        return str(error)
    return None


async def send(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    ephemeral: bool = True,
    **kwargs: Any,
) -> None:
    """Reply whether or not the interaction was answered (deferred) already."""
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=ephemeral, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer an error ephemerally; log unexpected ones with a trace and an error id."""
    text = error_text(error)
    if text is None:
        error_id = secrets.token_hex(4)
        original = getattr(error, "original", error)
        log.error(
            "error %s in %s",
            error_id,
            interaction.command.qualified_name if interaction.command else "a component",
            exc_info=(type(original), original, original.__traceback__),
        )
        text = f"Sorry, something went wrong on our side (error id `{error_id}`)."
    try:
        await send(interaction, f"⚠️ {text}")
    except discord.HTTPException:
        log.warning("could not answer interaction %s: %s", interaction.id, text)


class SummaryTree(app_commands.CommandTree):
    """The command tree, answering every command error as `report_error` does."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Answer the member instead of discord.py's default of only logging."""
        await report_error(interaction, error)
