-- Which coupons each customer redeemed through Portico: at most one row per
-- customer and coupon, so a once-only code cannot be redeemed again after it
-- left the subscription, and of concurrent applications only the one that
-- inserts its row goes on to Stripe. `idempotency_key` is that application's
-- key: the same request sent again (a double submit) may go on, and Stripe
-- answers it once.
CREATE TABLE coupon_redemptions (
    livemode        BIGINT NOT NULL CHECK (livemode IN (0, 1)),
    customer_id     TEXT NOT NULL,
    coupon_id       TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (livemode, customer_id, coupon_id)
);
