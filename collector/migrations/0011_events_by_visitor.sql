-- One visitor's events (privacy requests: export ?visitor= and
-- DELETE /v1/admin/sites/{site}/visitors/{visitor}) found through this
-- index instead of a scan of all the site's events. The statements name it
-- (INDEXED BY), so they never fall back to a scan.
CREATE INDEX IF NOT EXISTS events_by_visitor ON events (site, visitor);
