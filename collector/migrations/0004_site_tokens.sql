-- Per-site admin tokens, stored as SHA-256 hex digests only.
ALTER TABLE sites ADD COLUMN token_hash TEXT;
CREATE INDEX IF NOT EXISTS sites_by_token ON sites (token_hash);
