-- Billflow's options.quantity carried by a sign-in link (JSON of
-- QuantityPreset); NULL when the link suggested none.
ALTER TABLE portal_sessions ADD COLUMN quantity_preset TEXT;
