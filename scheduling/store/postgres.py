"""PostgreSQL, for more than one bot process: the same store over asyncpg.

The store's statements arrive in SQLite's flavour and are rewritten once each
(`postgres_sql`); the migrations are the same numbered files (`postgres_ddl`), with the
version kept in a one-row table instead of SQLite's `user_version`. One connection per
process, as with SQLite: the store's lock serializes its transactions, and a write
transaction's read-then-write is made safe against other processes by locking the rows it
reads (`row_lock`) instead of SQLite's whole-database `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from scheduling.errors import StoreError
from scheduling.store._driver import (
    Dialect,
    IntegrityViolation,
    Result,
    newer_schema_error,
    postgres_ddl,
    postgres_sql,
    returns_rows,
)

LOCK_TIMEOUT_MS = 5000  # as SQLite's busy timeout: a write waits this long for another
# Every process that migrates takes this transaction-level advisory lock first, so two
# processes starting at once apply each migration once.
_MIGRATION_LOCK = 0x5_0001
_KEY = re.compile(r"Key \(([^)]*)\)=")
_STATUS_COUNT = re.compile(r"(\d+)$")

log = logging.getLogger(__name__)
# What a start reads in bulk (the restore's schedules, cut-off runs, pending deliveries): the
# tables `optimize` keeps analyzed, and only these, whoever else keeps tables in the schema.
_STARTUP_TABLES = ("schedules", "runs", "deliveries")


def redacted(url: str) -> str:
    """The URL as messages show it: never its password."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))


async def connect(
    url: str, password: str | None, application_name: str | None = None
) -> asyncpg.Connection:
    """A connection, or `StoreError` naming the server (never its password) and why not."""
    settings = {"application_name": application_name} if application_name else None
    try:
        return await asyncpg.connect(url, password=password or None, server_settings=settings)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        raise StoreError(f"{redacted(url)}: cannot connect to PostgreSQL: {exc}") from None


def _violation(exc: asyncpg.IntegrityConstraintViolationError) -> IntegrityViolation:
    if isinstance(exc, asyncpg.UniqueViolationError):
        key = _KEY.search(getattr(exc, "detail", None) or "")
        table = getattr(exc, "table_name", None) or ""
        columns = (
            ", ".join(f"{table}.{name.strip()}" for name in key.group(1).split(","))
            if key
            else None
        )
        return IntegrityViolation(str(exc), "unique", columns)
    kind = "foreign_key" if isinstance(exc, asyncpg.ForeignKeyViolationError) else "other"
    return IntegrityViolation(str(exc), kind)


class PostgresDatabase:
    """The store's connection to a PostgreSQL database."""

    dialect: Dialect = "postgresql"
    # Appended to a write transaction's reads: READ COMMITTED alone would let another
    # process change the row between the read and the write.
    row_lock = " FOR UPDATE"

    def __init__(self, connection: asyncpg.Connection, target: str) -> None:
        self._db = connection
        self.target = target
        self._transaction: Any = None

    @classmethod
    async def open(cls, url: str, password: str | None = None) -> Self:
        """Connect; `password` (from the environment) wins over libpq's own variables."""
        connection = await connect(url, password)
        try:
            await connection.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
        except BaseException:
            await connection.close()
            raise
        return cls(connection, redacted(url))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        """Run one statement (rewritten for PostgreSQL once per text)."""
        text = postgres_sql(sql)
        try:
            if returns_rows(text):
                rows = await self._db.fetch(text, *params)
                return Result(list(rows), len(rows))
            status = await self._db.execute(text, *params)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise _violation(exc) from None
        count = _STATUS_COUNT.search(status or "")
        return Result([], int(count.group(1)) if count else 0)

    async def begin(self) -> None:
        """Start a transaction (READ COMMITTED; writes lock what they read, `row_lock`)."""
        self._transaction = self._db.transaction()
        await self._transaction.start()

    async def commit(self) -> None:
        """Commit the transaction `begin` started."""
        transaction, self._transaction = self._transaction, None
        await transaction.commit()

    async def rollback(self) -> None:
        """Undo the transaction `begin` started, if one is open."""
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            await transaction.rollback()

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on the connection."""
        return self._db.is_in_transaction()

    async def migrate(self, known: list[tuple[int, str, str]]) -> int:
        """Apply newer migrations, each in a transaction under the migration lock."""
        latest = known[-1][0] if known else 0
        if await self._db.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
            current = await self._db.fetchval("SELECT max(version) FROM schema_version")
            if current == latest:
                return current  # the common start: nothing to do, no lock to queue for
        current = 0
        for version, name, sql in [(0, "", ""), *known]:
            async with self._db.transaction():
                await self._db.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
                await self._db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)"
                )
                current = await self._db.fetchval("SELECT max(version) FROM schema_version")
                if current is None:
                    await self._db.execute("INSERT INTO schema_version VALUES (0)")
                    current = 0
                if current > latest:
                    raise newer_schema_error(self.target, current, latest)
                if version <= current:
                    continue
                try:
                    await self._db.execute(postgres_ddl(sql))
                except asyncpg.PostgresError as exc:
                    raise StoreError(f"{self.target}: migration {name} failed: {exc}") from None
                await self._db.execute("UPDATE schema_version SET version = $1", version)
                current = version
        return current

    async def integrity_check(self) -> str:
        """`ok` when the schema answers: the server keeps its files consistent itself."""
        await self._db.fetchval("SELECT max(version) FROM schema_version")
        return "ok"

    async def optimize(self) -> None:
        """Analyze now the tables autovacuum would analyze next (cheap: a sample of rows).

        Autovacuum refreshes a table's statistics once 50 rows and a tenth of it changed, but
        only on its next round (up to a minute): a restore right after an import or a new
        database's fill would read the next-fire index with estimates of an empty table. So
        would a copy of a database (`createdb -T`, a restored dump): it starts with no change
        counts and the statistics of its source, so a table also counts as stale when it never
        was analyzed, or has grown to more than twice the pages its statistics saw. A table
        the user may not analyze is skipped by PostgreSQL with a warning, not an error. Only the
        tables a start reads in bulk are looked at.
        """
        stale = await self._db.fetch(
            "SELECT c.relname FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid"
            " WHERE n.nspname = current_schema() AND c.relname = ANY($1::text[])"
            " AND (c.reltuples < 0"
            " OR s.n_mod_since_analyze > 50 + 0.1 * c.reltuples"
            " OR pg_relation_size(c.oid) / current_setting('block_size')::int"
            " > 2 * c.relpages + 10) ORDER BY c.relname",
            list(_STARTUP_TABLES),
        )
        for (table,) in stale:
            try:
                await self._db.execute(f"ANALYZE {_identifier(table)}")
            except asyncpg.PostgresError as exc:  # a standby, say: worth a word, never a stop
                log.warning("could not analyze %s (%s): queries may plan slowly", table, exc)
                return

    async def index_shards(self, count: int) -> None:
        """The next-fire index again, led by each schedule's shard out of `count`.

        A process serving some of the shards reads only their due schedules through it; with
        the plain next-fire index each of four processes walked every due schedule and kept a
        quarter. Made once per shard count (about 0.1 s at 100,000 schedules); processes
        starting together may race to make it, and the loser finds it made.
        """
        name = f"schedules_by_shard_of_{int(count)}"
        try:
            await self._db.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON schedules"
                f" (((guild_id >> 22) % {int(count)}), next_fire_at, id)"
                " WHERE next_fire_at IS NOT NULL"
            )
        except (asyncpg.DuplicateTableError, asyncpg.UniqueViolationError):
            pass  # made meanwhile by a process starting with this one
        except asyncpg.PostgresError as exc:
            # A long write elsewhere holding the table past the lock timeout, say: the reads
            # work without the index, only slower, so this process still starts.
            log.warning("could not make the index %s (%s): restores will be slower", name, exc)

    async def check_writable(self, timeout_seconds: float) -> None:
        """Prove that a write could happen now: lock the version row, then roll back.

        A read-only server (a hot standby) or one whose row another writer holds for longer
        than `timeout_seconds` is reported at once.
        """
        try:
            async with asyncio.timeout(timeout_seconds + 1), self._db.transaction():
                await self._db.execute(
                    f"SET LOCAL lock_timeout = {max(1, int(timeout_seconds * 1000))}"
                )
                await self._db.execute("UPDATE schema_version SET version = version")
                raise _RollBack
        except _RollBack:
            return
        except TimeoutError:
            raise StoreError(f"not writable: no answer within {timeout_seconds:g} s") from None
        except asyncpg.InterfaceError:
            raise StoreError("not writable: the database connection is closed") from None
        except (asyncpg.PostgresError, OSError) as exc:
            raise StoreError(f"not writable: {exc}") from None

    async def changed(self, channel: str) -> None:
        """`NOTIFY`, delivered to the listeners when (and only if) the transaction commits."""
        await self._db.execute("SELECT pg_notify($1, '')", channel)

    async def listen(self, channel: str, callback: Callable[[], None]) -> bool:
        """`LISTEN` on this connection; notifications arrive between its queries."""
        await self._db.add_listener(channel, lambda *_args: callback())
        return True

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        if not self._db.is_closed():
            await self._db.close()


class _RollBack(Exception):
    """Leaves the write probe's transaction undone."""


def _identifier(name: str) -> str:
    """A table name quoted for SQL, as `quote_ident` would."""
    return '"' + name.replace('"', '""') + '"'
