-- Portal configurations: the toggles live in `settings` (JSON of PortalConfig)
-- so new toggles need no migration. Flags are 0/1 integers, not BOOLEAN: sqlx's
-- Any driver cannot decode SQLite's BOOLEAN, and one type must serve both backends.
CREATE TABLE portal_configurations (
    id          TEXT PRIMARY KEY,
    livemode    BIGINT NOT NULL CHECK (livemode IN (0, 1)),
    is_default  BIGINT NOT NULL CHECK (is_default IN (0, 1)),
    settings    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX portal_configurations_one_default
    ON portal_configurations (livemode) WHERE is_default = 1;

-- Browser sessions of signed-in customers. Only the token's SHA-256 is stored.
CREATE TABLE portal_sessions (
    id               TEXT PRIMARY KEY,
    token_hash       TEXT NOT NULL UNIQUE,
    customer_id      TEXT NOT NULL,
    configuration_id TEXT NOT NULL REFERENCES portal_configurations (id),
    livemode         BIGINT NOT NULL CHECK (livemode IN (0, 1)),
    subscription_id  TEXT,
    created_at       BIGINT NOT NULL,
    last_used_at     BIGINT,
    expires_at       BIGINT NOT NULL
);
CREATE INDEX portal_sessions_expires_at ON portal_sessions (expires_at);

-- What customers did, and what came of it.
CREATE TABLE audit_log (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     BIGINT NOT NULL,
    session_id      TEXT,
    customer_id     TEXT,
    action          TEXT NOT NULL,
    subscription_id TEXT,
    outcome         TEXT NOT NULL,
    detail          TEXT
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, occurred_at);
