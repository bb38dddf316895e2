-- Enrichment added at ingest: country (request.cf) and device class (user agent).
ALTER TABLE events ADD COLUMN country TEXT;
ALTER TABLE events ADD COLUMN device TEXT;

-- Events from known bots are counted per site and day, never stored.
CREATE TABLE IF NOT EXISTS bot_hits (
  site  TEXT NOT NULL,
  day   TEXT NOT NULL,
  hits  INTEGER NOT NULL,
  PRIMARY KEY (site, day)
) WITHOUT ROWID;
