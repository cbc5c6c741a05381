-- When an admin re-enabled a destination (/schedule destination enable): its run of failures
-- is counted from then on, so one more failure does not switch it off again at once.
CREATE TABLE destination_resets (
    schedule_id     TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    destination_id  TEXT NOT NULL,
    reset_at        TEXT NOT NULL,
    PRIMARY KEY (schedule_id, destination_id)
);
