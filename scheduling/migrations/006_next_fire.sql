-- The restore horizon: APScheduler holds jobs only for schedules due soon, and the rest are
-- found by this column, each active schedule's earliest fire not yet handled (NULL: paused,
-- completed, or never fires again). It is a lower bound: a value too early costs a look,
-- never a missed run. Rows written before this column get '' ("unknown", sorted before every
-- time): the next start treats them as missed, catches them up by the usual rules and writes
-- their real next fire.
ALTER TABLE schedules ADD COLUMN next_fire_at TEXT;
UPDATE schedules SET next_fire_at = '' WHERE status = 'active';
CREATE INDEX schedules_by_next_fire ON schedules (next_fire_at, id) WHERE next_fire_at IS NOT NULL;
