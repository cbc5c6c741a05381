"""Guild-level queries: settings, opt-outs, DM subscriptions, and the daily notice claims."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from scheduling.guilds import GuildSettings, Subscription
from scheduling.models import AuditEntry, Run
from scheduling.store._base import StoreBase, decode_time, encode_time, optional_time, where
from scheduling.store.runs import RUN_COLUMNS_OF_R, run_from_row

_SUBSCRIPTION_COLUMNS = "schedule_id, guild_id, user_id, created_at, refusals, lost_access"


class GuildQueries(StoreBase):
    """What guilds and members chose, apart from schedules."""

    # --- settings -----------------------------------------------------------------------

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        """The guild's settings (all defaults when it never changed any)."""
        async with self._read():
            rows = await self._rows(
                "SELECT timezone, log_channel_id, admin_role_id, updated_at, creator_role_id"
                " FROM guild_settings WHERE guild_id = ?",
                (guild_id,),
            )
        if not rows:
            return GuildSettings(guild_id=guild_id)
        timezone, log_channel_id, admin_role_id, updated_at, creator_role_id = rows[0]
        return GuildSettings(
            guild_id=guild_id,
            timezone=timezone,
            log_channel_id=log_channel_id,
            admin_role_id=admin_role_id,
            creator_role_id=creator_role_id,
            updated_at=decode_time(updated_at),
        )

    async def save_guild_settings(self, settings: GuildSettings, audit: AuditEntry) -> None:
        """Write the guild's settings and the audit entry of the change, atomically."""
        async with self._write() as db:
            await db.execute(
                "INSERT INTO guild_settings"
                " (guild_id, timezone, log_channel_id, admin_role_id, creator_role_id, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET"
                " timezone = excluded.timezone, log_channel_id = excluded.log_channel_id,"
                " admin_role_id = excluded.admin_role_id,"
                " creator_role_id = excluded.creator_role_id, updated_at = excluded.updated_at",
                (
                    settings.guild_id,
                    settings.timezone,
                    settings.log_channel_id,
                    settings.admin_role_id,
                    settings.creator_role_id,
                    optional_time(settings.updated_at) or encode_time(audit.at),
                ),
            )
            await self._insert_audit(db, audit)

    # --- opt-outs -----------------------------------------------------------------------

    async def set_optout(self, guild_id: int, user_id: int, at: datetime, *, out: bool) -> bool:
        """Opt a member out of (or back into) the guild's summaries; False if already so."""
        async with self._write() as db:
            if out:
                result = await db.execute(
                    "INSERT INTO optouts (guild_id, user_id, at) VALUES (?, ?, ?)"
                    " ON CONFLICT (guild_id, user_id) DO NOTHING",
                    (guild_id, user_id, encode_time(at)),
                )
            else:
                result = await db.execute(
                    "DELETE FROM optouts WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
                )
            return result.rowcount > 0

    async def optouts(self, guild_id: int) -> frozenset[int]:
        """Members of the guild whose messages no summary includes."""
        async with self._read():
            rows = await self._rows("SELECT user_id FROM optouts WHERE guild_id = ?", (guild_id,))
        return frozenset(row[0] for row in rows)

    # --- subscriptions ------------------------------------------------------------------

    async def add_subscription(self, subscription: Subscription) -> bool:
        """Subscribe a member to a schedule's DM digest; False if they already were."""
        async with self._write() as db:
            result = await db.execute(
                f"INSERT INTO subscriptions ({_SUBSCRIPTION_COLUMNS})"  # noqa: S608
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (schedule_id, user_id) DO NOTHING",
                _subscription_row(subscription),
            )
            return result.rowcount > 0

    async def update_subscription(self, subscription: Subscription) -> None:
        """Store a subscription's refusal count and access flag."""
        async with self._write() as db:
            await db.execute(
                "UPDATE subscriptions SET refusals = ?, lost_access = ?"
                " WHERE schedule_id = ? AND user_id = ?",
                (
                    subscription.refusals,
                    int(subscription.lost_access),
                    subscription.schedule_id,
                    subscription.user_id,
                ),
            )

    async def remove_subscription(self, schedule_id: str, user_id: int) -> bool:
        """End a subscription; False if there was none."""
        async with self._write() as db:
            result = await db.execute(
                "DELETE FROM subscriptions WHERE schedule_id = ? AND user_id = ?",
                (schedule_id, user_id),
            )
            return result.rowcount > 0

    async def subscriptions(
        self,
        *,
        schedule_id: str | None = None,
        guild_id: int | None = None,
        user_id: int | None = None,
    ) -> list[Subscription]:
        """Subscriptions of a schedule, or of a member in a guild, oldest first."""
        where_sql, params = where(
            ("schedule_id = ?", schedule_id), ("guild_id = ?", guild_id), ("user_id = ?", user_id)
        )
        async with self._read():
            rows = await self._rows(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions{where_sql}"  # noqa: S608
                " ORDER BY created_at, user_id",
                params,
            )
        return [_subscription_from_row(row) for row in rows]

    # --- notices and guild views --------------------------------------------------------

    async def claim_notice(self, subject: str, kind: str, day: str) -> bool:
        """Claim the one notice of `kind` `subject` may get on `day`; False if sent already.

        Each kind has its own claim: an auto-pause is told even when a destination was disabled
        earlier that day. Claims stored before kinds were recorded (kind '') block no kind.
        """
        async with self._write() as db:
            result = await db.execute(
                "INSERT INTO notices_sent (subject, kind, day) VALUES (?, ?, ?)"
                " ON CONFLICT (subject, kind, day) DO NOTHING",
                (subject, kind, day),
            )
            return result.rowcount > 0

    async def notice_claims(self, subject: str) -> list[tuple[str, str]]:
        """The (kind, day) claims of `subject`, oldest day first ('' for claims before 004)."""
        async with self._read():
            rows = await self._rows(
                "SELECT kind, day FROM notices_sent WHERE subject = ? ORDER BY day, kind",
                (subject,),
            )
        return [(row[0], row[1]) for row in rows]

    async def remember_failure_told(self, schedule_id: str, at: datetime) -> None:
        """Record that the schedule's admins were told of a failure (kept until it recovers).

        A schedule deleted meanwhile gets no row (nothing is left to recover).
        """
        async with self._write() as db:
            await db.execute(
                "INSERT INTO failures_told (schedule_id, since)"
                " SELECT ?, ? WHERE EXISTS (SELECT 1 FROM schedules WHERE id = ?)"
                " ON CONFLICT (schedule_id) DO NOTHING",
                (schedule_id, encode_time(at), schedule_id),
            )

    async def forget_failure_told(self, schedule_id: str) -> bool:
        """End the record of a told failure; True if there was one (recovery is news)."""
        async with self._write() as db:
            result = await db.execute(
                "DELETE FROM failures_told WHERE schedule_id = ?", (schedule_id,)
            )
            return result.rowcount > 0

    async def recent_failures(self, guild_id: int, limit: int = 5) -> list[Run]:
        """The guild's latest failed runs, newest first (for /summarybot status)."""
        async with self._read():
            rows = await self._rows(
                f"SELECT {RUN_COLUMNS_OF_R} FROM runs r JOIN schedules s ON s.id = r.schedule_id"  # noqa: S608
                " WHERE s.guild_id = ? AND r.status = 'failed'"
                " ORDER BY r.started_at DESC, r.id DESC LIMIT ?",
                (guild_id, limit),
            )
        return [run_from_row(row) for row in rows]


def _subscription_row(subscription: Subscription) -> tuple[Any, ...]:
    return (
        subscription.schedule_id,
        subscription.guild_id,
        subscription.user_id,
        encode_time(subscription.created_at),
        subscription.refusals,
        int(subscription.lost_access),
    )


def _subscription_from_row(row: Sequence[Any]) -> Subscription:
    return Subscription(
        schedule_id=row[0],
        guild_id=row[1],
        user_id=row[2],
        created_at=decode_time(row[3]),
        refusals=row[4],
        lost_access=bool(row[5]),
    )
