-- Alerts on a response rate or on impressions: the window's impressions
-- when last judged (`score` holds the watched figure).
ALTER TABLE alert_states ADD COLUMN impressions INTEGER;
