"""What holds on both databases across connections (processes), and PostgreSQL's own paths.

The store's single-connection behaviour is `test_store.py`, run on both backends; here two
connections share one database, as two bot processes (or the bot and the CLI) do.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import asyncpg
import pytest
from scheduling_fakes import make_schedule

from scheduling.errors import DuplicateError, StoreError
from scheduling.models import Run, Schedule, utc_now
from scheduling.shards import ShardPlan, shard_of
from scheduling.store import Store, migrations
from scheduling.store._driver import postgres_ddl, postgres_sql
from scheduling.store.postgres import redacted

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _schedule(**changes) -> Schedule:
    return make_schedule(**({"guild_id": 111, "created_at": T0, "updated_at": T0} | changes))


def _recorded(store: Store) -> list[tuple[str, tuple]]:
    """The (SQL, parameters) of every statement the store runs from now on."""
    statements: list[tuple[str, tuple]] = []
    execute = store._db.execute

    async def recording(sql, params=()):
        statements.append((sql, tuple(params)))
        return await execute(sql, params)

    store._db.execute = recording
    return statements


async def test_two_connections_claim_a_slot_once(store, open_again):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    other = await open_again()
    try:
        claims = await asyncio.gather(
            *(
                connection.claim_run(Run(schedule_id=schedule.id, scheduled_for=T0))
                for connection in (store, other) * 5
            )
        )
    finally:
        await other.close()
    assert sum(claim is not None for claim in claims) == 1
    assert len(await store.list_runs(schedule.id)) == 1


async def test_read_change_write_loses_no_change_between_connections(store, open_again):
    """Forty increments from two connections at once: each reads what the last one wrote."""
    schedule = _schedule()
    await store.insert_schedule(schedule)
    other = await open_again()

    def bump(before: Schedule):
        return before.model_copy(update={"run_count": before.run_count + 1}), None

    try:
        await asyncio.gather(
            *(connection.modify_schedule(schedule.id, bump) for connection in (store, other) * 20)
        )
    finally:
        await other.close()
    stored = await store.get_schedule(schedule.id)
    assert stored is not None
    assert stored.run_count == 40


async def test_a_duplicate_id_is_refused_with_the_same_words(store):
    schedule = _schedule()
    await store.insert_schedule(schedule)
    with pytest.raises(DuplicateError, match=f"a schedule with id {schedule.id} already exists"):
        await store.insert_schedule(schedule)
    with pytest.raises(DuplicateError, match="import refused, nothing was written: a schedule id"):
        await store.insert_schedules([_schedule(), schedule], actor="cli", now=T0)
    assert [s.id for s in await store.list_schedules()] == [schedule.id]


async def test_ids_and_times_sort_byte_by_byte(store):
    """TEXT compares as in SQLite whatever the server's locale: 'B' < 'a' < 'b'."""
    for schedule_id in ("b-1", "B-1", "a-1"):
        await store.insert_schedule(_schedule(id=schedule_id))
    assert [s.id for s in await store.list_schedules()] == ["B-1", "a-1", "b-1"]


# --- PostgreSQL's own paths -----------------------------------------------------------------


async def test_a_new_postgres_database_is_migrated_and_reopened_untouched(postgres_url):
    async with await Store.open_url(postgres_url) as store:
        assert store.backend == "postgresql"
        assert store.schema_version == migrations()[-1][0]
        assert await store.integrity_check() == "ok"
        await store.check_writable()
        schedule = _schedule()
        await store.insert_schedule(schedule)
    async with await Store.open_url(postgres_url) as store:
        assert await store.get_schedule(schedule.id) == schedule


async def test_processes_starting_together_migrate_once(postgres_url):
    stores = await asyncio.gather(*(Store.open_url(postgres_url) for _ in range(4)))
    try:
        assert {store.schema_version for store in stores} == {migrations()[-1][0]}
    finally:
        for store in stores:
            await store.close()


async def test_a_postgres_database_from_a_newer_release_is_refused(postgres_url):
    async with await Store.open_url(postgres_url):
        pass
    raw = await asyncpg.connect(postgres_url)
    try:
        await raw.execute("UPDATE schema_version SET version = 99")
    finally:
        await raw.close()
    with pytest.raises(StoreError, match=r"schema version 99.*newer release"):
        await Store.open_url(postgres_url)


async def test_an_unreachable_server_is_named_without_its_password(tmp_path):
    url = f"postgresql://bot:hunter2@/summarybot?host={tmp_path}&port=1"
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL") as caught:
        await Store.open_url(url)
    assert "hunter2" not in str(caught.value)
    assert "bot:***@" in str(caught.value)


def test_statements_are_rewritten_for_postgres_once_and_only_where_needed():
    assert postgres_sql(
        "SELECT json_extract(spec, '$.timezone') FROM schedules"
        " WHERE +status = 'active' AND id = ? AND note = '?' LIMIT ?"
    ) == (
        "SELECT (spec::json ->> 'timezone') FROM schedules"
        " WHERE status = 'active' AND id = $1 AND note = '?' LIMIT $2"
    )


def test_migrations_are_translated_to_postgres_types():
    ddl = postgres_ddl(migrations()[0][2])
    assert "id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" in ddl
    assert "guild_id    BIGINT NOT NULL" in ddl
    assert 'id          TEXT COLLATE "C" PRIMARY KEY' in ddl
    assert "rowid BIGINT GENERATED ALWAYS AS IDENTITY" in ddl
    assert "AUTOINCREMENT" not in ddl


def test_urls_are_shown_without_passwords():
    assert (
        redacted("postgresql://bot:pw@db.example:5433/sb")
        == "postgresql://bot:***@db.example:5433/sb"
    )
    assert redacted("postgresql://bot@db/sb") == "postgresql://bot@db/sb"


async def test_a_timing_change_in_another_process_reaches_the_scheduler_at_once(
    postgres_url, tmp_path
):
    """With the 5 s poll pushed out of reach, LISTEN/NOTIFY alone brings the change."""
    from scheduling.scheduler import TaskScheduler
    from scheduling.settings import RetentionSettings, SchedulingSettings

    async def never(*_args, **_kwargs):
        raise AssertionError("nothing runs in this test")

    store = await Store.open_url(postgres_url)
    scheduler = TaskScheduler(
        store,
        SchedulingSettings(min_interval_seconds=60),
        RetentionSettings(),
        source=never,
        summarize=never,
        deliver=never,
        file_root=tmp_path,
        max_messages=50,
        min_messages=1,
        poll_seconds=3600,
    )
    polled = asyncio.Event()
    poll = scheduler.poll

    async def poll_and_tell() -> None:
        await poll()
        polled.set()

    scheduler.poll = poll_and_tell  # before start: the poll job calls this one
    await scheduler.start()
    other = await Store.open_url(postgres_url)
    try:
        schedule = _schedule(created_at=utc_now(), updated_at=utc_now())
        await other.insert_schedule(schedule)  # "the CLI", another connection
        await asyncio.wait_for(polled.wait(), 10)
        assert scheduler.next_run_time(schedule) is not None
    finally:
        await other.close()
        await scheduler.stop(timeout=1)
        await store.close()


async def test_sqlite_has_no_notifications_and_says_so(tmp_path):
    async with await Store.open(tmp_path / "x.db") as store:
        assert await store.watch_schedules(lambda: None) is False


async def test_a_burst_of_change_notifications_asks_for_one_poll(harness, monkeypatch):
    """An import of many schedules notifies once per schedule: one poll is asked, not many."""
    scheduler = await harness.restart()
    asked: list[object] = []
    monkeypatch.setattr(
        scheduler._scheduler, "modify_job", lambda *args, **kwargs: asked.append(args)
    )
    for _ in range(50):
        scheduler._changed_elsewhere()
    assert len(asked) == 1
    await scheduler.poll()  # the asked poll runs; the next change asks again
    scheduler._changed_elsewhere()
    assert len(asked) == 2


async def test_a_page_of_due_schedules_reads_json_of_that_page_only(postgres_url):
    """Whatever plan PostgreSQL picks, a page's JSON fields are read after its LIMIT.

    Right after a bulk import PostgreSQL has no statistics for the table and sorts every
    remaining due row for each page; with the fields read before that sort, restoring 30,000
    due schedules took 12 s in pages of 500 instead of 2 s.
    """
    store = await Store.open_url(postgres_url)
    try:
        schedules = [_schedule(guild_id=100 + n) for n in range(300)]
        await store.insert_schedules(schedules, actor="test", now=T0)
        statements = _recorded(store)
        page, _ = await store.due_timings(T0.replace(year=2027), limit=50)
        assert len(page) == 50
    finally:
        await store.close()
    (sql, params) = next(s for s in statements if "LIMIT" in s[0])
    connection = await asyncpg.connect(postgres_url)
    try:
        explained = await connection.fetchval(
            f"EXPLAIN (VERBOSE, FORMAT JSON) {postgres_sql(sql)}", *params
        )
    finally:
        await connection.close()

    def nodes(node):
        yield node
        for child in node.get("Plans", ()):
            yield from nodes(child)

    top = json.loads(explained)[0]["Plan"]
    limit = next(node for node in nodes(top) if node["Node Type"] == "Limit")
    below = [out for node in nodes(limit) if node is not limit for out in node.get("Output", ())]
    assert below, "the plan says what each node outputs"
    assert not [out for out in below if "->>" in out]


async def test_opening_analyzes_a_table_a_bulk_import_left_without_statistics(postgres_url):
    """The restore after an import reads with real estimates, not an empty table's.

    Autovacuum would analyze the table too, but on its next round, after the restore.
    """
    store = await Store.open_url(postgres_url)
    try:
        schedules = [_schedule(guild_id=100 + n) for n in range(300)]
        await store.insert_schedules(schedules, actor="test", now=T0)
        # The counts of changed rows reach the statistics views when a backend flushes them.
        await store._db._db.fetchval("SELECT pg_stat_force_next_flush()")
    finally:
        await store.close()
    connection = await asyncpg.connect(postgres_url)
    try:
        estimate = "SELECT reltuples FROM pg_class WHERE relname = 'schedules'"
        assert await connection.fetchval(estimate) == 0  # analyzed when new, still empty
        reopened = await Store.open_url(postgres_url)
        await reopened.close()
        assert await connection.fetchval(estimate) == 300
    finally:
        await connection.close()


async def test_a_copy_of_a_grown_database_is_analyzed_when_opened(postgres_server, postgres_url):
    """A copy starts with no change counts: its size tells that its statistics are old."""
    store = await Store.open_url(postgres_url)  # analyzed while empty
    try:
        schedules = [_schedule(guild_id=100 + n) for n in range(2000)]
        await store.insert_schedules(schedules, actor="test", now=T0)
    finally:
        await store.close()
    name = urlsplit(postgres_url).path.lstrip("/")
    copy, copy_url = postgres_server.new_database(template=name)
    try:
        connection = await asyncpg.connect(copy_url)
        try:
            estimate = "SELECT reltuples FROM pg_class WHERE relname = 'schedules'"
            assert await connection.fetchval(estimate) == 0
            reopened = await Store.open_url(copy_url)
            await reopened.close()
            assert await connection.fetchval(estimate) == 2000
        finally:
            await connection.close()
    finally:
        postgres_server.drop_database(copy)


async def test_a_process_serving_some_shards_reads_its_due_schedules_by_their_own_index(
    postgres_url,
):
    """Four processes each walked every due schedule to keep a quarter: 4x the reading."""
    store = await Store.open_url(postgres_url)
    try:
        schedules = [_schedule(guild_id=(n << 22) | 7) for n in range(2000)]  # shards in turn
        await store.insert_schedules(schedules, "test", now=T0)
        guild_of = {s.id: s.guild_id for s in schedules}
        await store._db._db.execute("ANALYZE schedules")
        await store.serve(ShardPlan(4, (1,)))
        statements = _recorded(store)
        page, _ = await store.due_timings(T0.replace(year=2027), limit=100)
        assert len(page) == 100
        assert {shard_of(guild_of[timing.id], 4) for timing in page} == {1}
        sql, params = next(s for s in statements if "LIMIT" in s[0])
        plan = await store._db._db.fetch(f"EXPLAIN {postgres_sql(sql)}", *params)
    finally:
        await store.close()
    assert "schedules_by_shard_of_4" in "\n".join(row[0] for row in plan)


async def test_statistics_that_cannot_be_refreshed_are_a_warning_not_a_stop(
    postgres_url, monkeypatch, caplog
):
    # As on a standby, where ANALYZE is refused: the store still opens and works.
    from scheduling.store import postgres

    monkeypatch.setattr(postgres, "_identifier", lambda _table: '"no_such_table"')
    store = await Store.open_url(postgres_url)
    try:
        await store.insert_schedule(_schedule())
        assert len(await store.list_schedules()) == 1
    finally:
        await store.close()
    (warning,) = [r for r in caplog.records if r.name == "scheduling.store.postgres"]
    assert warning.levelname == "WARNING"
    assert "could not analyze" in warning.getMessage()
    assert "queries may plan slowly" in warning.getMessage()


async def test_a_shard_index_that_cannot_be_made_now_is_a_warning_not_a_stop(postgres_url, caplog):
    # Another connection holds the table past the lock timeout (a long write, a migration).
    store = await Store.open_url(postgres_url)
    blocker = await asyncpg.connect(postgres_url)
    try:
        await store._db._db.execute("SET lock_timeout = 100")
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE schedules IN SHARE ROW EXCLUSIVE MODE")
        await store.serve(ShardPlan(4, (1,)))
        await transaction.rollback()
        assert store.plan == ShardPlan(4, (1,))
        page, _ = await store.due_timings(T0)
        assert page == []
    finally:
        await blocker.close()
        await store.close()
    (warning,) = [r for r in caplog.records if r.name == "scheduling.store.postgres"]
    assert "could not make the index schedules_by_shard_of_4" in warning.getMessage()


async def test_opening_analyzes_only_the_stores_own_tables(postgres_url):
    """Another application's table in the same schema is left to its owner and autovacuum."""
    connection = await asyncpg.connect(postgres_url)
    try:
        await connection.execute("CREATE TABLE other_app (n int)")
        await connection.execute("INSERT INTO other_app SELECT generate_series(1, 500)")
        estimate = "SELECT reltuples FROM pg_class WHERE relname = $1"
        store = await Store.open_url(postgres_url)
        await store.close()
        assert await connection.fetchval(estimate, "schedules") == 0  # analyzed, empty
        assert await connection.fetchval(estimate, "other_app") < 0  # never analyzed
    finally:
        await connection.close()
