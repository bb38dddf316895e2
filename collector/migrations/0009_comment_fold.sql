-- Comments with letters SQLite's lower() cannot fold (capitals outside
-- A-Z, a final sigma) are stored with their folded text, so the comments
-- search finds them in any letter case (touchpoint_core::search). NULL for
-- every other comment, and for comments stored before this migration.
ALTER TABLE events ADD COLUMN comment_fold TEXT;
