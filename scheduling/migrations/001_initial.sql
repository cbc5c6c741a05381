-- Schedules keep their whole model as JSON in `spec`; the columns beside it are copies
-- kept for lookups, written in the same statement so they never disagree.
CREATE TABLE schedules (
    id          TEXT PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'paused', 'completed')),
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    spec        TEXT NOT NULL
);
CREATE INDEX schedules_by_guild ON schedules (guild_id, status);
CREATE INDEX schedules_by_status ON schedules (status);
-- A running bot polls for changes made by other processes (the CLI) since a watermark.
CREATE INDEX schedules_by_update ON schedules (updated_at);

-- One row per slot of a schedule: the UNIQUE constraint is the claim that makes a double
-- fire or a restart unable to run the same slot twice.
CREATE TABLE runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id    TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    scheduled_for  TEXT NOT NULL,
    trigger        TEXT NOT NULL CHECK (trigger IN ('scheduled', 'catch_up', 'manual')),
    triggered_by   INTEGER,
    status         TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'skipped', 'failed', 'interrupted')),
    attempt        INTEGER NOT NULL DEFAULT 1,
    window_start   TEXT,
    window_end     TEXT,
    message_count  INTEGER,
    error          TEXT,
    summary        TEXT,
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    UNIQUE (schedule_id, scheduled_for)
);
CREATE INDEX runs_by_schedule ON runs (schedule_id, status, window_end);
CREATE INDEX runs_by_start ON runs (started_at);

-- The outbox: one row per destination per run, written `pending` before anything is sent.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    destination_id  TEXT NOT NULL,
    destination     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    http_status     INTEGER,
    external_id     TEXT,
    duration_ms     INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    delivered_at    TEXT,
    UNIQUE (run_id, destination_id)
);
CREATE INDEX deliveries_by_status ON deliveries (status);

-- Who did what; schedule_id is deliberately not a foreign key so entries outlive deletion.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    guild_id     INTEGER,
    schedule_id  TEXT,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_time ON audit_log (at);
CREATE INDEX audit_by_schedule ON audit_log (schedule_id, at);
