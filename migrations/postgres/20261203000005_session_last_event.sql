-- The notice of the last action the session's customer took: the query of
-- the address the portal redirected to (event, what it acted on, a one-time
-- value). The home page reports an event to an embedding page only when its
-- address carries this notice, so a typed `?event=` reports nothing.
ALTER TABLE portal_sessions ADD COLUMN last_event TEXT;
