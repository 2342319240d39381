//! The coupons each customer redeemed through Portico (see the migration
//! `coupon_redemptions`): the ledger that makes a code once per customer.

use super::{Db, DbError, flag};

/// One customer's redemption of one coupon, by the request that makes it.
#[derive(Clone, Copy, Debug)]
pub struct CouponRedemption<'a> {
    pub livemode: bool,
    pub customer_id: &'a str,
    pub coupon_id: &'a str,
    pub subscription_id: &'a str,
    /// The application's Idempotency-Key.
    pub key: &'a str,
}

/// What reserving a redemption found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reservation {
    /// Reserved now: this request, and only it, may apply the coupon.
    Reserved,
    /// This same request (a double submit) reserved it moments ago and may
    /// still be applying it: the repeat waits for that answer.
    InFlight,
    /// The customer redeemed the coupon already.
    Taken,
}

/// How long a reservation counts as in flight for its own request's
/// repeats; after that, the same form sent again is a second redemption.
const IN_FLIGHT: i64 = 120;

impl Db {
    /// Reserves `redemption` unless the customer holds one of the coupon.
    /// One statement decides between concurrent requests: only one inserts.
    pub async fn reserve_coupon(
        &self,
        redemption: &CouponRedemption<'_>,
        now: i64,
    ) -> Result<Reservation, DbError> {
        let inserted = sqlx::query(
            "INSERT INTO coupon_redemptions
               (livemode, customer_id, coupon_id, subscription_id, idempotency_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (livemode, customer_id, coupon_id) DO NOTHING",
        )
        .bind(flag(redemption.livemode))
        .bind(redemption.customer_id)
        .bind(redemption.coupon_id)
        .bind(redemption.subscription_id)
        .bind(redemption.key)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Reservation::Reserved);
        }
        let held: Option<(String, i64)> = sqlx::query_as(
            "SELECT idempotency_key, created_at FROM coupon_redemptions
             WHERE livemode = $1 AND customer_id = $2 AND coupon_id = $3",
        )
        .bind(flag(redemption.livemode))
        .bind(redemption.customer_id)
        .bind(redemption.coupon_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match held {
            Some((key, at)) if key == redemption.key && now - at < IN_FLIGHT => {
                Reservation::InFlight
            }
            _ => Reservation::Taken,
        })
    }

    /// Gives a reservation back when Stripe refused the coupon; only the
    /// request that made it does (see `actions::coupon::once_per_customer`).
    pub async fn release_coupon(&self, redemption: &CouponRedemption<'_>) -> Result<(), DbError> {
        sqlx::query(
            "DELETE FROM coupon_redemptions
             WHERE livemode = $1 AND customer_id = $2 AND coupon_id = $3 AND idempotency_key = $4",
        )
        .bind(flag(redemption.livemode))
        .bind(redemption.customer_id)
        .bind(redemption.coupon_id)
        .bind(redemption.key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
