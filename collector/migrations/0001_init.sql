-- Sites and their configuration (JSON, validated by touchpoint-core).
CREATE TABLE IF NOT EXISTS sites (
  id          TEXT PRIMARY KEY,
  config      TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);

-- Every accepted event, once: (site, id) is the de-duplication key.
CREATE TABLE IF NOT EXISTS events (
  site         TEXT NOT NULL,
  id           TEXT NOT NULL,
  type         TEXT NOT NULL,
  survey       TEXT NOT NULL,
  touchpoint   TEXT NOT NULL,
  metric       TEXT NOT NULL,
  scale        INTEGER,
  score        INTEGER,
  comment      TEXT,
  visitor      TEXT NOT NULL,
  client_ts    INTEGER NOT NULL,
  received_at  INTEGER NOT NULL,
  url          TEXT NOT NULL,
  locale       TEXT NOT NULL,
  PRIMARY KEY (site, id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS events_by_time ON events (site, received_at);
