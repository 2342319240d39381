-- The local mirror of Stripe (see src/server/mirror): Stripe's answers to
-- the reads the pages make, kept until an event, one of Portico's own
-- changes or the reconcile pass refreshes them. `request_key` is the mode
-- and the request (`test:/subscriptions?customer=cus_…`); `body` is
-- Stripe's answer, NULL once a change made it stale (the next read asks
-- Stripe). `fetched_at` (ms) is when the fetch that produced the row began:
-- a slower, older fetch never overwrites a newer one.
CREATE TABLE stripe_mirror (
    request_key TEXT PRIMARY KEY,
    livemode    BIGINT NOT NULL CHECK (livemode IN (0, 1)),
    path        TEXT NOT NULL,
    query       TEXT NOT NULL,
    body        TEXT,
    fetched_at  BIGINT NOT NULL
);
CREATE INDEX stripe_mirror_age ON stripe_mirror (livemode, fetched_at);

-- The Stripe ids each mirrored answer mentions (`test:cus_…`, `test:sub_…`,
-- `test:list:/products`): an event or a change names ids, and every
-- answer that mentions one of them is refreshed.
CREATE TABLE stripe_mirror_tags (
    tag         TEXT NOT NULL,
    request_key TEXT NOT NULL,
    PRIMARY KEY (tag, request_key)
);
CREATE INDEX stripe_mirror_tags_request ON stripe_mirror_tags (request_key);

-- Stripe's webhook events, stored once per id as received (signature
-- checked) and processed from here, so an event received just before a
-- crash is still applied. `claimed_until` (ms) is the lease of the instance
-- processing it: one instance at a time, and another takes over if that one
-- dies. Unprocessed events are retried at `next_attempt_at` (ms).
CREATE TABLE webhook_events (
    id              TEXT PRIMARY KEY,
    livemode        BIGINT NOT NULL CHECK (livemode IN (0, 1)),
    event_type      TEXT NOT NULL,
    created         BIGINT NOT NULL,
    payload         TEXT NOT NULL,
    received_at     BIGINT NOT NULL,
    processed_at    BIGINT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,
    last_error      TEXT
);
CREATE INDEX webhook_events_pending ON webhook_events (processed_at, next_attempt_at);
