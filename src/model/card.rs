//! Saved cards as the payment-methods section shows them.

use serde::{Deserialize, Serialize};

use crate::dates::CivilDate;

/// How soon a card expires; a card is valid through the last day of its
/// expiry month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardExpiry {
    Valid,
    /// Expires within `EXPIRES_SOON_DAYS`.
    ExpiresSoon,
    Expired,
}

/// "Expires soon" means within this many days.
pub const EXPIRES_SOON_DAYS: i64 = 30;

impl CardExpiry {
    /// The state at `now` (Unix seconds) of a card expiring `month`/`year`.
    pub fn at(month: u32, year: i64, now: i64) -> Self {
        if !(1..=12).contains(&month) {
            return Self::Expired;
        }
        let (next_year, next_month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        // The first moment the card no longer works.
        let end = CivilDate {
            year: next_year,
            month: next_month,
            day: 1,
        }
        .to_unix();
        if now >= end {
            Self::Expired
        } else if end - now <= EXPIRES_SOON_DAYS * 86_400 {
            Self::ExpiresSoon
        } else {
            Self::Valid
        }
    }
}

/// A card saved on the customer (a Stripe payment method of type card).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentCard {
    /// Stripe payment method id (`pm_…`).
    pub id: String,
    /// Stripe's brand name: visa, mastercard, amex…
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: i64,
    pub expiry: CardExpiry,
    /// New invoices are charged to this card (the customer's default).
    pub is_default: bool,
    /// A subscription is set to charge this card directly.
    pub used_by_subscription: bool,
}

/// The customer's saved cards and what the portal may do with them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Wallet {
    pub cards: Vec<PaymentCard>,
    /// The customer has a subscription that still bills, so must keep a card.
    pub needs_a_card: bool,
}

/// What the add-card page needs to mount Stripe.js's card form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardForm {
    /// Stripe publishable key (`pk_…`); `None` when the merchant set none,
    /// and the page then says cards cannot be added.
    pub publishable_key: Option<String>,
    /// Where the browser loads Stripe.js from.
    pub stripe_js_url: String,
    /// See `PortalOverview::form_nonce`.
    pub form_nonce: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i64, month: u32, day: u32) -> i64 {
        CivilDate { year, month, day }.to_unix()
    }

    #[test]
    fn a_card_works_through_the_last_day_of_its_month() {
        let now = at(2026, 11, 30) + 86_399;
        assert_eq!(CardExpiry::at(11, 2026, now), CardExpiry::ExpiresSoon);
        assert_eq!(
            CardExpiry::at(11, 2026, at(2026, 12, 1)),
            CardExpiry::Expired
        );
        assert_eq!(
            CardExpiry::at(10, 2026, at(2026, 11, 22)),
            CardExpiry::Expired
        );
    }

    #[test]
    fn expiring_within_thirty_days_is_soon() {
        // Valid through 2026-12-31: the end is 2027-01-01.
        assert_eq!(
            CardExpiry::at(12, 2026, at(2026, 12, 2)),
            CardExpiry::ExpiresSoon
        );
        assert_eq!(
            CardExpiry::at(12, 2026, at(2026, 12, 1) + 86_399),
            CardExpiry::Valid
        );
        assert_eq!(
            CardExpiry::at(12, 2030, at(2026, 11, 22)),
            CardExpiry::Valid
        );
    }

    #[test]
    fn a_nonsense_month_counts_as_expired() {
        assert_eq!(CardExpiry::at(0, 2030, 0), CardExpiry::Expired);
        assert_eq!(CardExpiry::at(13, 2030, 0), CardExpiry::Expired);
    }
}
