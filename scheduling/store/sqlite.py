"""The embedded default: one SQLite file in WAL mode, through aiosqlite.

One connection per process, in autocommit mode, with an explicit `BEGIN IMMEDIATE` around every
write so read-then-write sequences cannot interleave with another writer (the CLI, a second
bot process on the same file).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

import aiosqlite

from scheduling.errors import StoreError
from scheduling.store._driver import (
    Dialect,
    IntegrityViolation,
    Result,
    newer_schema_error,
    returns_rows,
    settled,
)

BUSY_TIMEOUT_MS = 5000
# The database holds webhook URLs and signing secrets: only the bot's user may read it.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+)")


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


def _violation(exc: sqlite3.IntegrityError) -> IntegrityViolation:
    # sqlite3 exposes no constraint name, only this message ("UNIQUE constraint failed: t.c").
    text = str(exc)
    if unique := _UNIQUE.search(text):
        return IntegrityViolation(text, "unique", unique.group(1))
    kind = "foreign_key" if "FOREIGN KEY" in text else "other"
    return IntegrityViolation(text, kind)


class SqliteDatabase:
    """The store's connection to a SQLite file (or `:memory:`)."""

    dialect: Dialect = "sqlite"
    # `BEGIN IMMEDIATE` already keeps every other writer out of a write transaction.
    row_lock = ""

    def __init__(self, connection: aiosqlite.Connection, target: str) -> None:
        self._db = connection
        self.target = target

    @classmethod
    async def open(cls, path: str | Path) -> Self:
        """Open (creating 0600 if needed) the file and switch it to WAL mode."""
        target = str(path)
        if "://" in target:
            # Never echoed: a URL may hold a password.
            scheme = target.split("://", 1)[0]
            raise StoreError(
                f"a URL ({scheme}://…) is not a database file; open PostgreSQL with"
                " Store.open_url, or give a SQLite file's path"
            )
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
        database = cls(connection, target)
        try:
            await database._configure()
        except BaseException:
            await connection.close()
            raise
        return database

    async def _configure(self) -> None:
        try:
            await self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await self._db.execute("PRAGMA foreign_keys = ON")
            mode = (await self.execute("PRAGMA journal_mode = WAL")).rows[0][0]
            await self._db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.target}: not a summarybot database ({exc})") from None
        if self.target != ":memory:" and str(mode).lower() != "wal":
            raise StoreError(f"{self.target}: cannot switch the database to WAL mode (got {mode})")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        """Run one statement in one trip to aiosqlite's thread (rows read in the same trip).

        Each trip is a hand-over to the connection's thread and back: a write that also
        fetched and closed its cursor would make three, and runs write a dozen times each.
        """
        try:
            if returns_rows(sql):
                rows = list(await self._db.execute_fetchall(sql, params))
                return Result(rows, len(rows))
            cursor = await self._db.execute(sql, params)
            return Result([], cursor.rowcount)
        except sqlite3.IntegrityError as exc:
            raise _violation(exc) from None

    async def begin(self) -> None:
        """Take SQLite's write lock now, not at the first write (no upgrade deadlocks)."""
        await self._db.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        """Commit the transaction `begin` started."""
        await self._db.execute("COMMIT")

    async def rollback(self) -> None:
        """Undo the transaction `begin` started."""
        await self._db.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on the connection."""
        return self._db.in_transaction

    async def migrate(self, known: list[tuple[int, str, str]]) -> int:
        """Apply newer migrations, each in its own transaction; `user_version` counts them."""
        latest = known[-1][0] if known else 0
        current = int((await self.execute("PRAGMA user_version")).rows[0][0] or 0)
        if current > latest:
            raise newer_schema_error(self.target, current, latest)
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
                raise StoreError(f"{self.target}: migration {name} failed: {exc}") from None
        return max(current, latest)

    async def integrity_check(self) -> str:
        """SQLite's own verdict on the file (`ok` when sound)."""
        return str((await self.execute("PRAGMA integrity_check")).rows[0][0])

    async def optimize(self) -> None:
        """Let SQLite refresh its query-planner statistics (cheap; part of cleanup)."""
        await self._db.execute("PRAGMA optimize")

    async def index_shards(self, count: int) -> None:
        """Nothing: processes that each serve some shards share PostgreSQL, not a file."""

    async def check_writable(self, timeout_seconds: float) -> None:
        """Prove that a write could happen now; raises `StoreError` if not.

        `BEGIN IMMEDIATE` takes the write lock but succeeds even on a read-only file, so the
        probe also rewrites `user_version` with its own value, then rolls back: nothing is
        kept. SQLite's wait for another writer is cut to `timeout_seconds` meanwhile, so a
        locked database is reported at once instead of after the 5-second busy timeout.
        """
        try:
            await self._db.execute(f"PRAGMA busy_timeout = {max(1, int(timeout_seconds * 1000))}")
            try:
                await settled(self._db.execute("BEGIN IMMEDIATE"))
                try:
                    version = int((await self.execute("PRAGMA user_version")).rows[0][0] or 0)
                    await self._db.execute(f"PRAGMA user_version = {version}")
                finally:
                    await settled(self._db.execute("ROLLBACK"))
            finally:
                await self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except sqlite3.Error as exc:
            raise StoreError(f"not writable: {exc}") from None
        except ValueError:  # aiosqlite's answer once the connection is closed
            raise StoreError("not writable: the database connection is closed") from None

    async def changed(self, channel: str) -> None:
        """Nothing to send: processes on one file notice changes by their poll alone."""

    async def listen(self, channel: str, callback: Callable[[], None]) -> bool:
        """SQLite has no notifications: the caller keeps polling."""
        return False

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        await self._db.close()
