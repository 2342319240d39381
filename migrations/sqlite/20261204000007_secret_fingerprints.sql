-- Fingerprints of each mode's identity-hash secrets, written when a Portico
-- starts: HMAC-SHA256 keyed by a fixed label over the secret, never the
-- secret. A live Portico refuses to start on a secret a test one uses (test
-- links would open live accounts), when both share this database.
CREATE TABLE secret_fingerprints (
    livemode    BIGINT NOT NULL CHECK (livemode IN (0, 1)),
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (livemode, fingerprint)
);
