-- Per-guild settings made with /summarybot settings; a guild without a row uses the defaults.
CREATE TABLE guild_settings (
    guild_id        INTEGER PRIMARY KEY,
    timezone        TEXT,
    log_channel_id  INTEGER,
    admin_role_id   INTEGER,
    updated_at      TEXT NOT NULL
);

-- Members whose messages no summary of the guild may include (/summary optout).
CREATE TABLE optouts (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- Members who get a schedule's digest by DM (/digest subscribe). `refusals` counts DMs
-- Discord refused in a row; `lost_access` is set once the member was told they lost access.
CREATE TABLE subscriptions (
    schedule_id  TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    guild_id     INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    refusals     INTEGER NOT NULL DEFAULT 0,
    lost_access  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (schedule_id, user_id)
);
CREATE INDEX subscriptions_by_member ON subscriptions (guild_id, user_id);

-- Notices sent, one per subject (a schedule, or a guild) per UTC day: the claim is the
-- primary key, so a restart or two processes cannot send the same day's notice twice.
CREATE TABLE notices_sent (
    subject  TEXT NOT NULL,
    day      TEXT NOT NULL,
    PRIMARY KEY (subject, day)
);
