"""Delivery (outbox) and audit-log queries."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from delivery.models import STORED, Destination
from scheduling.errors import NotFoundError
from scheduling.models import AuditEntry, Delivery, DeliveryStatus, DestinationHealth
from scheduling.stats import DeliveryTotals
from scheduling.store._base import decode_time, encode_time, optional_time, where
from scheduling.store._driver import IntegrityViolation
from scheduling.store.runs import RunQueries

_DESTINATION: TypeAdapter[Destination] = TypeAdapter(Destination)
DELIVERY_COLUMNS = (
    "id, run_id, destination, status, attempts, last_error, http_status, external_id,"
    " duration_ms, created_at, updated_at, delivered_at"
)


class DeliveryQueries(RunQueries):
    """The outbox rows of runs and the audit log."""

    async def create_deliveries(
        self, run_id: int, destinations: Iterable[Destination], now: datetime
    ) -> list[Delivery]:
        """Write one `pending` row per destination (the outbox); existing rows are kept."""
        try:
            return await self._create_deliveries(run_id, destinations, now)
        except IntegrityViolation:
            raise NotFoundError(f"no run {run_id}") from None

    async def _create_deliveries(
        self, run_id: int, destinations: Iterable[Destination], now: datetime
    ) -> list[Delivery]:
        async with self._write() as db:
            for destination in destinations:
                row = Delivery(
                    run_id=run_id, destination=destination, created_at=now, updated_at=now
                )
                await db.execute(
                    "INSERT INTO deliveries (id, run_id, destination_id, destination, status,"
                    " attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)"
                    " ON CONFLICT (run_id, destination_id) DO NOTHING",
                    (
                        row.id,
                        run_id,
                        destination.id,
                        _DESTINATION.dump_json(destination).decode(),
                        str(row.status),
                        encode_time(row.created_at),
                        encode_time(row.updated_at),
                    ),
                )
            rows = await self._rows(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE run_id = ? ORDER BY rowid",  # noqa: S608
                (run_id,),
            )
        return [delivery_from_row(row) for row in rows]

    async def failure_streak(self, schedule_id: str, destination_id: str, limit: int) -> int:
        """How many of this destination's latest finished deliveries failed in a row.

        Only deliveries since the destination was last re-enabled count (`reset_failure_streak`).
        """
        async with self._read():
            rows = await self._rows(
                "SELECT d.status FROM deliveries d JOIN runs r ON r.id = d.run_id"
                " WHERE r.schedule_id = ? AND d.destination_id = ? AND d.status != 'pending'"
                " AND d.created_at > COALESCE((SELECT x.reset_at FROM destination_resets x"
                "  WHERE x.schedule_id = r.schedule_id AND x.destination_id = d.destination_id),"
                " '')"
                " ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?",
                (schedule_id, destination_id, limit),
            )
        streak = 0
        for (status,) in rows:
            if status != "failed":
                break
            streak += 1
        return streak

    async def reset_failure_streak(
        self, schedule_id: str, destination_id: str, at: datetime
    ) -> None:
        """Count a destination's failures in a row afresh from `at` (it was re-enabled)."""
        async with self._write() as db:
            await db.execute(
                "INSERT INTO destination_resets (schedule_id, destination_id, reset_at)"
                " VALUES (?, ?, ?) ON CONFLICT (schedule_id, destination_id)"
                " DO UPDATE SET reset_at = excluded.reset_at",
                (schedule_id, destination_id, encode_time(at)),
            )

    async def destination_health(self, schedule_id: str) -> dict[str, DestinationHealth]:
        """Per destination of a schedule: finished deliveries, successes, last success/error."""
        async with self._read():
            rows = await self._rows(
                "SELECT d.destination_id, COUNT(*),"
                " SUM(CASE WHEN d.status = 'delivered' THEN 1 ELSE 0 END), MAX(d.delivered_at),"
                " (SELECT e.last_error FROM deliveries e JOIN runs q ON q.id = e.run_id"
                "  WHERE q.schedule_id = r.schedule_id AND e.destination_id = d.destination_id"
                "  AND e.status = 'failed' ORDER BY e.updated_at DESC, e.rowid DESC LIMIT 1)"
                " FROM deliveries d JOIN runs r ON r.id = d.run_id"
                " WHERE r.schedule_id = ? AND d.status != 'pending' GROUP BY d.destination_id",
                (schedule_id,),
            )
        return {
            row[0]: DestinationHealth(
                finished=row[1],
                delivered=row[2] or 0,
                last_success=decode_time(row[3]),
                last_error=row[4],
            )
            for row in rows
        }

    async def delivery_totals(self, guild_id: int, since: datetime) -> list[DeliveryTotals]:
        """Per destination of a guild's schedules: deliveries finished and delivered since `since`.

        Counted over the runs started since then; the destination is described by its latest
        row of those counted.
        """
        counted = (
            "FROM deliveries d JOIN runs r ON r.id = d.run_id"
            " JOIN schedules s ON s.id = r.schedule_id"
            " WHERE s.guild_id = ? AND r.started_at >= ? AND d.status != 'pending'"
        )
        async with self._read():
            rows = await self._rows(
                "SELECT t.schedule_id, latest.destination, t.latest, t.finished, t.delivered"  # noqa: S608
                " FROM (SELECT r.schedule_id, d.destination_id, MAX(d.rowid) AS latest,"
                " COUNT(*) AS finished,"
                " SUM(CASE WHEN d.status = 'delivered' THEN 1 ELSE 0 END) AS delivered"
                f" {counted} GROUP BY r.schedule_id, d.destination_id) t"
                " JOIN deliveries latest ON latest.rowid = t.latest"
                " ORDER BY t.schedule_id, t.destination_id",
                (guild_id, encode_time(since)),
            )
        return [
            DeliveryTotals(
                schedule_id=row[0],
                destination=_DESTINATION.validate_json(row[1], context=STORED),
                finished=row[3],
                delivered=row[4] or 0,
            )
            for row in rows
        ]

    async def last_external_id(self, schedule_id: str, destination_id: str) -> str | None:
        """The external id of the latest delivered digest to a destination (edit mode)."""
        async with self._read():
            return await self._scalar(
                "SELECT d.external_id FROM deliveries d JOIN runs r ON r.id = d.run_id"
                " WHERE r.schedule_id = ? AND d.destination_id = ? AND d.status = 'delivered'"
                " ORDER BY d.delivered_at DESC, d.rowid DESC LIMIT 1",
                (schedule_id, destination_id),
            )

    async def update_delivery(self, delivery: Delivery) -> None:
        """Record an attempt's outcome on the delivery row."""
        async with self._write() as db:
            result = await db.execute(
                "UPDATE deliveries SET status = ?, attempts = ?, last_error = ?, http_status = ?,"
                " external_id = ?, duration_ms = ?, updated_at = ?, delivered_at = ?"
                " WHERE id = ?",
                (
                    str(delivery.status),
                    delivery.attempts,
                    delivery.last_error,
                    delivery.http_status,
                    delivery.external_id,
                    delivery.duration_ms,
                    encode_time(delivery.updated_at),
                    optional_time(delivery.delivered_at),
                    delivery.id,
                ),
            )
            if result.rowcount == 0:
                raise NotFoundError(f"no delivery {delivery.id}")

    async def list_deliveries(
        self, run_id: int | None = None, status: DeliveryStatus | None = None
    ) -> list[Delivery]:
        """Deliveries of one run and/or in one state (e.g. every `pending` row at start-up)."""
        where_sql, params = where(
            ("run_id = ?", run_id), ("status = ?", None if status is None else str(status))
        )
        async with self._read():
            rows = await self._rows(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries{where_sql} ORDER BY rowid",  # noqa: S608
                params,
            )
        return [delivery_from_row(row) for row in rows]

    # --- audit ------------------------------------------------------------------------------

    async def append_audit(self, entry: AuditEntry) -> AuditEntry:
        """Append one audit entry and return it with its id."""
        async with self._write() as db:
            entry_id = await self._insert_audit(db, entry)
        return entry.model_copy(update={"id": entry_id})

    async def list_audit(
        self,
        guild_id: int | None = None,
        schedule_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AuditEntry]:
        """Audit entries, newest first (`offset` skips that many: `/schedule audit` pages)."""
        where_sql, params = where(("guild_id = ?", guild_id), ("schedule_id = ?", schedule_id))
        async with self._read():
            rows = await self._rows(
                "SELECT id, at, guild_id, schedule_id, actor, action, detail FROM audit_log"  # noqa: S608
                f"{where_sql} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
        return [
            AuditEntry(
                id=row[0],
                at=decode_time(row[1]),
                guild_id=row[2],
                schedule_id=row[3],
                actor=row[4],
                action=row[5],
                detail=json.loads(row[6]),
            )
            for row in rows
        ]


def delivery_from_row(row: Sequence[Any]) -> Delivery:
    """A `Delivery` from a row selected with `DELIVERY_COLUMNS`."""
    return Delivery(
        id=row[0],
        run_id=row[1],
        destination=_DESTINATION.validate_json(row[2], context=STORED),
        status=row[3],
        attempts=row[4],
        last_error=row[5],
        http_status=row[6],
        external_id=row[7],
        duration_ms=row[8],
        created_at=decode_time(row[9]),
        updated_at=decode_time(row[10]),
        delivered_at=decode_time(row[11]),
    )
