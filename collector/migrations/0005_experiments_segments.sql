-- Experiments and segments: the experiment and variant a visitor saw (ids),
-- and the visitor's segment attributes as a flat JSON object (NULL: none).
ALTER TABLE events ADD COLUMN experiment TEXT;
ALTER TABLE events ADD COLUMN variant TEXT;
ALTER TABLE events ADD COLUMN attributes TEXT;
-- The stats read-out filters by site and survey, then by time.
CREATE INDEX IF NOT EXISTS events_by_survey ON events (site, survey, received_at);
