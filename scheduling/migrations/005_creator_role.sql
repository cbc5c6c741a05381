-- The creator role (/summarybot settings creator_role): its members create schedules and
-- manage only their own. NULL: no such role.
ALTER TABLE guild_settings ADD COLUMN creator_role_id INTEGER;
