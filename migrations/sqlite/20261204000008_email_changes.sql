-- A customer's new email address, waiting for its owner to confirm it: the
-- link mailed to that address carries a token of which only the SHA-256 is
-- stored; `used_at` makes it single-use. Until it is used, Stripe keeps the
-- old address (sign-in links and emails find customers by email).
CREATE TABLE email_changes (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    livemode    BIGINT NOT NULL CHECK (livemode IN (0, 1)),
    new_email   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX email_changes_customer ON email_changes (customer_id);
