-- Forwarding: an event is marked once it is handed to the forwarding queue;
-- a replayed batch re-sends the events that were stored but never handed over.
ALTER TABLE events ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 0;

-- Deliveries that failed every retry, kept for the admin API to list and replay.
CREATE TABLE IF NOT EXISTS dead_letters (
  id         TEXT PRIMARY KEY,
  site       TEXT NOT NULL,
  url        TEXT NOT NULL,
  events     TEXT NOT NULL,
  failed_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_by_site ON dead_letters (site, failed_at);
