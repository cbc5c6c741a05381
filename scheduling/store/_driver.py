"""What the store asks of a database driver, and the pieces both drivers share.

The store's SQL is written once, in the subset SQLite and PostgreSQL share, with SQLite's `?`
placeholders. The SQLite driver runs it as written; the PostgreSQL driver rewrites it once per
statement text (`postgres_sql`). A driver answers every statement with a `Result` (rows and the
row count) and turns its library's constraint errors into `IntegrityViolation`, so the query
groups never import a driver library and cannot tell which database they speak to.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Protocol

from scheduling.errors import StoreError

Dialect = Literal["sqlite", "postgresql"]
ViolationKind = Literal["unique", "foreign_key", "other"]


@dataclass(frozen=True, slots=True)
class Result:
    """A statement's rows (empty unless it selects or returns) and how many rows it changed."""

    rows: list[Any]
    rowcount: int


class IntegrityViolation(Exception):
    """A constraint refused a write; `column` is `table.column` for a UNIQUE violation."""

    def __init__(self, message: str, kind: ViolationKind, column: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.column = column


class Database(Protocol):
    """One connection of one driver; the store serializes its use with its own lock."""

    dialect: Dialect
    # Appended to a write transaction's SELECT of rows it will change.
    row_lock: str
    # How messages name the database: a file path, or a URL without its password.
    target: str

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Result: ...

    async def begin(self) -> None:
        """Start a write transaction that no other writer can interleave with."""

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    @property
    def in_transaction(self) -> bool: ...

    async def migrate(self, known: list[tuple[int, str, str]]) -> int:
        """Apply the migrations newer than the stored version; returns the schema version."""

    async def integrity_check(self) -> str: ...

    async def optimize(self) -> None: ...

    async def index_shards(self, count: int) -> None:
        """Index the schedules by their shard out of `count` (where that pays: PostgreSQL)."""

    async def check_writable(self, timeout_seconds: float) -> None: ...

    async def changed(self, channel: str) -> None:
        """Tell the other processes, when this transaction commits, that `channel` changed."""

    async def listen(self, channel: str, callback: Callable[[], None]) -> bool:
        """Call `callback` when another connection announces `channel`; False if unsupported."""

    async def close(self) -> None: ...


async def settled(statement: Awaitable[Any]) -> None:
    """Await a transaction-control statement to its end, even if the caller is cancelled.

    A run cancelled at shutdown must not leave the shared connection half inside a
    transaction (every later write would fail): the statement finishes first, then the
    cancellation goes on.
    """
    task = asyncio.ensure_future(statement)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


def newer_schema_error(target: str, current: int, latest: int) -> StoreError:
    """The refusal to open a database a newer release has migrated (same text on both)."""
    return StoreError(
        f"{target}: the database has schema version {current}, but this summarybot "
        f"only knows up to {latest}; it was written by a newer release. Upgrade "
        "summarybot (the database was left untouched)."
    )


@lru_cache(maxsize=512)
def returns_rows(sql: str) -> bool:
    """Whether a statement answers with rows (a query, `RETURNING`, a PRAGMA that reports)."""
    head = sql.lstrip().split(None, 1)[0].upper()
    return head in {"SELECT", "WITH", "SHOW", "VALUES", "PRAGMA"} or " RETURNING " in sql.upper()


_JSON_FIELD = re.compile(r"json_extract\((\w+(?:\.\w+)?), '\$\.(\w+)'\)")
# `+status` keeps SQLite off the status index (see store/fires.py); PostgreSQL has no such
# operator on text and plans the query well without the hint.
_NO_INDEX_HINT = re.compile(r"(?<=[\s(])\+(?=[a-z_])")


@lru_cache(maxsize=512)
def postgres_sql(sql: str) -> str:
    """The store's SQLite-flavoured statement as PostgreSQL runs it.

    Three rewrites, no more: `?` placeholders become `$1, $2, …` (never inside a quoted
    literal); `json_extract(column, '$.key')` becomes `(column::json ->> 'key')` (the same
    value: a string's text, an object's JSON, NULL for null or absent); and SQLite's `+column`
    index hint is dropped.
    """
    sql = _JSON_FIELD.sub(r"(\1::json ->> '\2')", sql)
    sql = _NO_INDEX_HINT.sub("", sql)
    parts: list[str] = []
    count = 0
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == "?" and not quoted:
            count += 1
            parts.append(f"${count}")
        else:
            parts.append(char)
    return "".join(parts)


_AUTOINCREMENT = re.compile(r"INTEGER PRIMARY KEY AUTOINCREMENT", re.IGNORECASE)
_INTEGER = re.compile(r"\bINTEGER\b")
_TEXT = re.compile(r"\bTEXT\b(?! COLLATE)")
_DELIVERIES = re.compile(r"CREATE TABLE deliveries \(\n")


def postgres_ddl(sql: str) -> str:
    """A migration written for SQLite, as PostgreSQL runs it: one migration history for both.

    - SQLite's INTEGER is 64-bit (Discord ids need it): BIGINT; an AUTOINCREMENT key becomes
      an identity column;
    - TEXT compares byte by byte, as in SQLite (`COLLATE "C"`): ids and stored times sort the
      same on both, whatever locale the server was created with;
    - `deliveries` gets the `rowid` SQLite gives every table implicitly: the store orders a
      run's deliveries by insertion with it.
    """
    sql = _AUTOINCREMENT.sub("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
    sql = _INTEGER.sub("BIGINT", sql)
    sql = _TEXT.sub('TEXT COLLATE "C"', sql)
    return _DELIVERIES.sub(
        "CREATE TABLE deliveries (\n    rowid BIGINT GENERATED ALWAYS AS IDENTITY,\n", sql
    )
