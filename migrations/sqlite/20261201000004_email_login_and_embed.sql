-- Billflow's `service` and the embedding page's origin, per session.
ALTER TABLE portal_sessions ADD COLUMN service TEXT;
ALTER TABLE portal_sessions ADD COLUMN embed_origin TEXT;

-- Email sign-in links. Only the token's SHA-256 is stored; `used_at` makes
-- a link single-use. `recipient_hint` is the masked address it was sent to
-- (a•••@example.com), shown on the confirmation page.
CREATE TABLE login_links (
    id               TEXT PRIMARY KEY,
    token_hash       TEXT NOT NULL UNIQUE,
    customer_id      TEXT NOT NULL,
    configuration_id TEXT NOT NULL REFERENCES portal_configurations (id),
    livemode         BIGINT NOT NULL CHECK (livemode IN (0, 1)),
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    used_at          BIGINT,
    recipient_hint   TEXT NOT NULL
);
CREATE INDEX login_links_customer ON login_links (customer_id);
CREATE INDEX login_links_expires_at ON login_links (expires_at);

-- Fixed-window request counters shared by every Portico instance. `bucket`
-- is a SHA-256 (of e.g. an email address), never the address itself.
CREATE TABLE rate_limits (
    bucket       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

-- Development mail: with no SMTP server configured (test mode only),
-- messages are kept here instead of being sent.
CREATE TABLE mail_outbox (
    id         TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX mail_outbox_recipient ON mail_outbox (recipient, created_at);
