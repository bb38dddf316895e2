-- The counts behind stats read from this index alone: the window
-- (site, received_at), then every column the read-out and its groupings
-- (variant, touchpoint, day, device, country, a segment attribute) count
-- by. Without it each event in the window was looked up in the table, a
-- row with its comment and page address, in (site, id) order, not time
-- order (scripts/bench-stats.mjs has the figures). events_by_time stays
-- for the (received_at, id) order of export pages, which name it
-- (INDEXED BY).
CREATE INDEX IF NOT EXISTS events_for_stats ON events
  (site, received_at, survey, metric, type, scale, score, experiment, variant, device, country, touchpoint, attributes);

-- Alerts count one survey's answers over its window, after every batch
-- and in the cron sweep: (site, survey, received_at) with the counted
-- columns read from the index too, instead of events_by_survey and a
-- table lookup per event.
CREATE INDEX IF NOT EXISTS events_for_alerts ON events (site, survey, received_at, metric, type, scale, score);
DROP INDEX IF EXISTS events_by_survey;

-- Comment pages walk only the events with a comment, newest first, in the
-- same (received_at, id) order: a search that matches little no longer
-- reads every event of the window (named by comments.rs, INDEXED BY).
CREATE INDEX IF NOT EXISTS events_with_comments ON events (site, received_at) WHERE comment IS NOT NULL;
