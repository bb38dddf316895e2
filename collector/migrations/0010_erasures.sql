-- Webhook deliveries telling receivers a visitor was erased
-- (DELETE /v1/admin/sites/{site}/visitors/{visitor}), kept as a JSON array
-- when such a delivery fails every retry, like alerts.
ALTER TABLE dead_letters ADD COLUMN erasures TEXT;
