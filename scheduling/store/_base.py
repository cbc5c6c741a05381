"""The store's connection: opening, migrating, and the one-transaction-at-a-time discipline.

One connection per process, in autocommit mode, with explicit `BEGIN IMMEDIATE` around every
write so read-then-write sequences cannot interleave with another writer.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiosqlite

from scheduling.errors import StoreError
from scheduling.models import AuditEntry

BUSY_TIMEOUT_MS = 5000
# The database holds webhook URLs and signing secrets: only the bot's user may read it.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def encode_time(value: datetime) -> str:
    """Fixed-width UTC text, so that SQL string order is time order."""
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def decode_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def optional_time(value: datetime | None) -> str | None:
    return None if value is None else encode_time(value)


def migrations() -> list[tuple[int, str, str]]:
    """The bundled migrations as (version, file name, SQL), in order, numbered without gaps."""
    found = []
    for entry in resources.files("scheduling.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise StoreError(f"migration {name} is out of sequence (expected {expected:03d})")
    return found


def _create_private(file: Path) -> None:
    """Create an empty database file 0600 unless one exists (an existing one keeps its mode).

    SQLite gives its `-wal` and `-shm` files the database file's mode, so they are 0600 too.
    An empty file is a valid, empty SQLite database.
    """
    try:
        handle = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(handle)


class StoreBase:
    """Connection handling shared by the query groups that make up `Store`."""

    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self._db = connection
        self._path = path
        # One connection is shared by every task: this lock keeps one transaction at a time.
        self._lock = asyncio.Lock()
        self.schema_version = 0

    @classmethod
    async def open(cls, path: str | Path) -> Self:
        """Open (creating if needed) and migrate the database; refuses newer schemas."""
        target = str(path)
        if target != ":memory:":
            file = Path(target)
            if file.is_dir():  # noqa: ASYNC240 -- once, at start-up, before any I/O matters
                raise StoreError(f"{file}: is a directory, not a database file")
            try:
                file.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
                _create_private(file)
            except OSError as exc:
                raise StoreError(f"{file}: cannot create the database: {exc.strerror}") from None
        try:
            connection = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{target}: cannot open database: {exc}") from None
        store = cls(connection, target)
        try:
            await store._configure()
            await store._migrate()
        except BaseException:
            await connection.close()
            raise
        return store

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _configure(self) -> None:
        try:
            await self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await self._db.execute("PRAGMA foreign_keys = ON")
            mode = await self._scalar("PRAGMA journal_mode = WAL")
            await self._db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self._path}: not a summarybot database ({exc})") from None
        if self._path != ":memory:" and str(mode).lower() != "wal":
            raise StoreError(f"{self._path}: cannot switch the database to WAL mode (got {mode})")

    async def _migrate(self) -> None:
        known = migrations()
        latest = known[-1][0] if known else 0
        current = int(await self._scalar("PRAGMA user_version") or 0)
        if current > latest:
            raise StoreError(
                f"{self._path}: the database has schema version {current}, but this summarybot "
                f"only knows up to {latest}; it was written by a newer release. Upgrade "
                "summarybot (the database was left untouched)."
            )
        for version, name, sql in known:
            if version <= current:
                continue
            try:
                # executescript would commit an open transaction first, so the script carries
                # its own BEGIN/COMMIT; a failure leaves the transaction open for ROLLBACK.
                await self._db.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
                )
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
                raise StoreError(f"{self._path}: migration {name} failed: {exc}") from None
        self.schema_version = max(current, latest)

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._db.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            try:
                await self._settled("BEGIN IMMEDIATE")
            except asyncio.CancelledError:
                if self._db.in_transaction:
                    await self._settled("ROLLBACK")
                raise
            try:
                yield self._db
            except BaseException:
                await self._settled("ROLLBACK")
                raise
            await self._settled("COMMIT")

    async def _settled(self, statement: str) -> None:
        """Run a transaction-control statement to its end, even if the caller is cancelled.

        A run cancelled at shutdown must not leave the shared connection half inside a
        transaction (every later write would fail): the statement finishes first, then the
        cancellation goes on.
        """
        task = asyncio.ensure_future(self._db.execute(statement))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            await task
            raise

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[None]:
        async with self._lock:
            yield

    async def integrity_check(self) -> str:
        """SQLite's own verdict on the file (`ok` when sound)."""
        async with self._read():
            return str(await self._scalar("PRAGMA integrity_check"))

    async def optimize(self) -> None:
        """Let SQLite refresh its query-planner statistics (cheap; part of cleanup)."""
        async with self._lock:
            await self._db.execute("PRAGMA optimize")

    async def check_writable(self, timeout_seconds: float = 1.0) -> None:
        """Prove that a write could happen now (the health check); raises `StoreError` if not.

        `BEGIN IMMEDIATE` takes the write lock but succeeds even on a read-only file, so the
        probe also rewrites `user_version` with its own value, then rolls back: nothing is
        kept. SQLite's wait for another writer is cut to `timeout_seconds` meanwhile, so a
        locked database is reported at once instead of after the 5-second busy timeout.
        """
        try:
            async with asyncio.timeout(timeout_seconds):
                await self._lock.acquire()
        except TimeoutError:
            raise StoreError(
                f"busy: no write slot on the connection within {timeout_seconds:g} s"
            ) from None
        try:
            await self._db.execute(f"PRAGMA busy_timeout = {max(1, int(timeout_seconds * 1000))}")
            try:
                await self._settled("BEGIN IMMEDIATE")
                try:
                    version = int(await self._scalar("PRAGMA user_version") or 0)
                    await self._db.execute(f"PRAGMA user_version = {version}")
                finally:
                    await self._settled("ROLLBACK")
            finally:
                await self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except sqlite3.Error as exc:
            raise StoreError(f"not writable: {exc}") from None
        except ValueError:  # aiosqlite's answer once the connection is closed
            raise StoreError("not writable: the database connection is closed") from None
        finally:
            self._lock.release()

    @staticmethod
    async def _insert_audit(db: aiosqlite.Connection, entry: AuditEntry) -> int:
        cursor = await db.execute(
            "INSERT INTO audit_log (at, guild_id, schedule_id, actor, action, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                encode_time(entry.at),
                entry.guild_id,
                entry.schedule_id,
                entry.actor,
                str(entry.action),
                json.dumps(entry.detail, sort_keys=True, default=str),
            ),
        )
        return int(cursor.lastrowid or 0)


def where(*conditions: tuple[str, Any]) -> tuple[str, list[Any]]:
    """A `WHERE` clause for the conditions whose value is not None (`("status = ?", x)`)."""
    used = [(sql, value) for sql, value in conditions if value is not None]
    clause = " WHERE " + " AND ".join(sql for sql, _ in used) if used else ""
    return clause, [value for _, value in used]


def is_duplicate(exc: sqlite3.IntegrityError, column: str) -> bool:
    """Whether `exc` is a UNIQUE violation on `column` (`table.column`)."""
    # sqlite3 exposes no constraint name, only this message ("UNIQUE constraint failed: t.c").
    return f"UNIQUE constraint failed: {column}" in str(exc)
