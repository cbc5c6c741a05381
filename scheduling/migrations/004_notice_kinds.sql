-- Notices are claimed per subject (a schedule), per kind and per UTC day: until 003 one claim
-- per subject and day covered every kind, so an auto-pause could be swallowed by an earlier
-- "destination disabled". The table is rebuilt with `kind` in its key (SQLite cannot change a
-- primary key in place); claims made before keep their rows, with the kind '' (not recorded
-- then), so they stay readable but hold no kind's place.
CREATE TABLE notices_sent_by_kind (
    subject  TEXT NOT NULL,
    kind     TEXT NOT NULL DEFAULT '',
    day      TEXT NOT NULL,
    PRIMARY KEY (subject, kind, day)
);
INSERT INTO notices_sent_by_kind (subject, kind, day) SELECT subject, '', day FROM notices_sent;
DROP TABLE notices_sent;
ALTER TABLE notices_sent_by_kind RENAME TO notices_sent;

-- Schedules whose admins were told of a failure (a failed run, a failing destination) and not
-- yet that it recovered: the first run that succeeds afterwards deletes the row and is told.
CREATE TABLE failures_told (
    schedule_id  TEXT PRIMARY KEY REFERENCES schedules (id) ON DELETE CASCADE,
    since        TEXT NOT NULL
);
