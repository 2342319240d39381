-- Portico API keys for the server-to-server portal session API. Only the
-- key's SHA-256 is stored; `id` (pak_…) names a key in the CLI and logs.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    key_hash    TEXT NOT NULL UNIQUE,
    livemode    BIGINT NOT NULL CHECK (livemode IN (0, 1)),
    description TEXT,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

-- Sessions made through the API: the one-time link's hash (until used, the
-- session's cookie token does not exist yet), Stripe's public id (bps_…),
-- the return URL, the requested locale and the deep-linked flow (JSON of
-- model::PortalFlow).
ALTER TABLE portal_sessions ADD COLUMN link_hash TEXT;
ALTER TABLE portal_sessions ADD COLUMN public_id TEXT;
ALTER TABLE portal_sessions ADD COLUMN return_url TEXT;
ALTER TABLE portal_sessions ADD COLUMN locale TEXT;
ALTER TABLE portal_sessions ADD COLUMN flow TEXT;
CREATE UNIQUE INDEX portal_sessions_link_hash ON portal_sessions (link_hash);
