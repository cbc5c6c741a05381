"""`/summary now`: an ad-hoc digest of a channel the member can read.

Answers ephemerally unless `public`, and `public` only where the channel the answer appears
in has no wider audience than the source. It defers at once (Discord allows 3 s) and edits a
progress line while it reads and summarizes; a per-member and a per-guild cooldown keep one
busy server from monopolising the bot. `/summary optout` and `optin` are here too: they
decide what every summary of the guild may include.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from bot.audience import access_of, find_witness
from bot.cogs.replies import NotAllowedError, UserError, send
from bot.cogs.schedule_input import check_sources, parse_duration, resolve_channel
from bot.privacy import reader_thread_filter
from delivery.channel import allowed_mentions_for, discord_embeds
from delivery.embeds import render_discord
from summarizer import summarize
from summarizer.models import GuildRef, SummaryOptions
from summarizer.notes import count

if TYPE_CHECKING:
    from bot.app import SummaryBot

DEFAULT_SINCE = timedelta(hours=24)
# Discord's snowflake epoch: no message is older.
DISCORD_EPOCH = datetime(2015, 1, 1, tzinfo=UTC)
PROGRESS_EVERY_SECONDS = 1.5
LAST_DIGEST = "last digest"


async def window_start(bot: SummaryBot, guild_id: int, channel_id: int, since: str) -> datetime:
    """`30m`/`6h`/`2d`, an ISO time, or `last digest` (the end of the latest digest's window)."""
    now = bot.clock()
    text = since.strip()
    if text.lower() == LAST_DIGEST:
        scheduler = bot.require_scheduler()
        ends = []
        for schedule in await scheduler.list(guild_id):
            if channel_id in schedule.channel_ids:
                anchor = await scheduler.store.latest_anchor(schedule.id)
                if anchor is not None and anchor.window_end is not None:
                    ends.append(anchor.window_end)
        return max(ends, default=now - DEFAULT_SINCE)
    if text[:1].isdigit() and ("-" in text or "T" in text):
        try:
            start = datetime.fromisoformat(text)
        except ValueError:
            raise UserError(
                f"`since`: {text!r} is not an ISO time such as 2026-11-24T09:00Z."
            ) from None
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
        # Compared before any conversion: year 1 at +14:00 is no instant UTC can hold.
        if start < DISCORD_EPOCH:
            raise UserError(
                f"`since`: {text!r} is before Discord existed; its messages start in 2015."
            )
        if start >= now:
            raise UserError("`since` must be in the past.")
        return start
    return now - parse_duration(text, "since")


class Progress:
    """Edits the deferred answer at most every 1.5 s: Discord rate-limits edits."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.last = 0.0
        self.task: asyncio.Task[object] | None = None

    def show(self, text: str, *, force: bool = False) -> None:
        """Show `text` unless an edit happened moments ago."""
        now = time.monotonic()
        if not force and (now - self.last < PROGRESS_EVERY_SECONDS or self._busy()):
            return
        self.last = now
        self.task = asyncio.get_running_loop().create_task(
            self.interaction.edit_original_response(content=text)
        )

    def _busy(self) -> bool:
        return self.task is not None and not self.task.done()

    async def settle(self) -> None:
        """Wait for the last progress edit, so the final answer is not overwritten by it."""
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


def build_group(bot: SummaryBot) -> app_commands.Group:
    """The `/summary` command group."""
    group = app_commands.Group(name="summary", description="Summaries on demand", guild_only=True)

    @group.command(name="now", description="Summarize a channel now")
    @app_commands.describe(
        channel="the channel to summarize (default: this one)",
        since="30m, 6h, 2d, an ISO time, or 'last digest' (default)",
        public="post the summary for everyone here (only if they can all read the source)",
    )
    @app_commands.checks.cooldown(1, 30, key=lambda i: (i.guild_id, i.user.id))
    @app_commands.checks.cooldown(10, 60, key=lambda i: i.guild_id)
    async def now(
        interaction: discord.Interaction,
        channel: app_commands.AppCommandChannel | app_commands.AppCommandThread | None = None,
        since: app_commands.Range[str, 1, 40] = LAST_DIGEST,
        length: Literal["brief", "standard", "detailed"] = "standard",
        engine: Literal["extractive", "llm"] | None = None,
        public: bool = False,
    ) -> None:
        guild = interaction.guild
        member = interaction.user
        if guild is None or not isinstance(member, discord.Member):
            raise NotAllowedError("Use this command in a server.")
        source = resolve_channel(guild, channel or interaction.channel)
        await check_sources(guild, member, [source])
        here = interaction.channel
        target = None
        if public and here is not None:
            target = guild.get_channel_or_thread(here.id)
            if target is None or find_witness(access_of(target), [(access_of(source), "read")]):
                raise UserError(
                    "More people can read this channel than the source: the summary can only "
                    "be shown to you here (leave `public` off), or run it in a channel with "
                    "the source's audience."
                )
        start = await window_start(bot, guild.id, source.id, since)
        end = bot.clock()
        await interaction.response.defer(ephemeral=not public, thinking=True)
        progress = Progress(interaction)
        progress.show("Reading messages…", force=True)
        limit = bot.settings.summarizer.max_messages
        fetched = await bot.history.fetch(
            [source.id],
            start,
            end,
            limit=limit,
            progress=lambda n: progress.show(f"Reading {count(n, 'message')}…"),
            # Private threads the member (and, when public, everyone here) may read.
            private_threads=reader_thread_filter(member, target),
        )
        fetched = fetched.without_authors(await bot.require_scheduler().store.optouts(guild.id))
        progress.show(f"Summarizing {count(len(fetched.messages), 'message')}…", force=True)
        options = SummaryOptions(
            engine=engine or bot.settings.summarizer.engine,
            length=length,
            max_messages=limit,
            title=f"#{getattr(source, 'name', source.id)}",
            guild=fetched.guild or GuildRef(id=guild.id, name=guild.name),
            channels=tuple(fetched.channels),
            start=start,
            end=end,
            generated_at=end,
        )
        summary = await summarize(fetched.messages, options, llm=bot.llm)
        summary = fetched.mark_truncation(summary, limit)
        await progress.settle()
        parts = render_discord(summary)
        first, rest = parts[0], parts[1:]
        await interaction.edit_original_response(
            content=first.content or None,
            embeds=discord_embeds(first),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        for part in rest:
            await send(
                interaction,
                part.content or None,
                ephemeral=not public,
                embeds=discord_embeds(part),
                allowed_mentions=allowed_mentions_for(part),
            )

    @group.command(name="optout", description="Leave your messages out of every summary here")
    async def optout(interaction: discord.Interaction) -> None:
        await set_optout(bot, interaction, out=True)

    @group.command(name="optin", description="Let summaries here include your messages again")
    async def optin(interaction: discord.Interaction) -> None:
        await set_optout(bot, interaction, out=False)

    return group


OPTOUT_TEXT = (
    "From the next digest on, no summary in **{guild}** includes your messages: scheduled "
    "digests, ad-hoc `/summary now`, every channel. What it does not cover: digests already "
    "delivered stay as they are, and other members' messages that quote or mention you are "
    "still theirs. `/summary optin` undoes it."
)


async def set_optout(bot: SummaryBot, interaction: discord.Interaction, *, out: bool) -> None:
    """Store the member's choice for this guild and say plainly what it means."""
    guild = interaction.guild
    if guild is None:
        raise NotAllowedError("Use this command in a server.")
    store = bot.require_scheduler().store
    changed = await store.set_optout(guild.id, interaction.user.id, bot.clock(), out=out)
    if out:
        prefix = "" if changed else "You had already opted out. "
        await send(interaction, prefix + OPTOUT_TEXT.format(guild=guild.name))
    elif changed:
        await send(interaction, "Opted back in: digests here include your messages again.")
    else:
        await send(interaction, "You were not opted out: digests here include your messages.")
