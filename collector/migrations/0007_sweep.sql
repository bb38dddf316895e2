-- Where the last cron sweep stopped when it ran out of its query budget:
-- the next one starts with this site (NULL: from the first).
CREATE TABLE IF NOT EXISTS sweep_state (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  next_site  TEXT
);
