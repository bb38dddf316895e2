-- Threshold alerts: where each configured alert of a site stands ('ok' or
-- 'firing'), since when, and what its window held when last judged.
CREATE TABLE IF NOT EXISTS alert_states (
  site        TEXT NOT NULL,
  alert       TEXT NOT NULL,
  state       TEXT NOT NULL,
  changed_at  INTEGER NOT NULL,
  score       REAL,
  responses   INTEGER,
  checked_at  INTEGER,
  PRIMARY KEY (site, alert)
);
-- A delivery of alert notices that failed every retry keeps them here.
ALTER TABLE dead_letters ADD COLUMN alerts TEXT;
