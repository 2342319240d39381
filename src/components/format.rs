//! Customer-facing text built from model values: every word comes from the
//! locale files; numbers and dates follow the locale's conventions.

use leptos_i18n::Locale as _;

use crate::dates::CivilDate;
use crate::error::PortalError;
use crate::i18n::*;
use crate::model::{DetailField, Discount, Interval, SubscriptionStatus};
use crate::money::Money;

/// A Unix timestamp as a calendar date, e.g. "March 5, 2026" / "5. März 2026".
pub fn date(locale: Locale, timestamp: i64) -> String {
    let d = CivilDate::from_unix(timestamp);
    let month = month_name(locale, d.month);
    td_string!(
        locale,
        date.format,
        month = month,
        day = d.day,
        year = d.year
    )
}

fn month_name(locale: Locale, month: u32) -> &'static str {
    match month {
        1 => td_string!(locale, date.m1),
        2 => td_string!(locale, date.m2),
        3 => td_string!(locale, date.m3),
        4 => td_string!(locale, date.m4),
        5 => td_string!(locale, date.m5),
        6 => td_string!(locale, date.m6),
        7 => td_string!(locale, date.m7),
        8 => td_string!(locale, date.m8),
        9 => td_string!(locale, date.m9),
        10 => td_string!(locale, date.m10),
        11 => td_string!(locale, date.m11),
        _ => td_string!(locale, date.m12),
    }
}

/// An amount in the locale's style.
pub fn money(locale: Locale, amount: &Money) -> String {
    amount.format(locale.as_str())
}

/// "$29.00 / month", or "$29.00 every 3 months".
pub fn per_interval(locale: Locale, amount: &Money, interval: Interval, count: u32) -> String {
    let amount = money(locale, amount);
    if count <= 1 {
        let interval = match interval {
            Interval::Day => td_string!(locale, interval.day),
            Interval::Week => td_string!(locale, interval.week),
            Interval::Month => td_string!(locale, interval.month),
            Interval::Year => td_string!(locale, interval.year),
        };
        td_string!(
            locale,
            portal.per_interval,
            amount = amount,
            interval = interval
        )
    } else {
        let period = match interval {
            Interval::Day => td_string!(locale, interval.every_days, count = count),
            Interval::Week => td_string!(locale, interval.every_weeks, count = count),
            Interval::Month => td_string!(locale, interval.every_months, count = count),
            Interval::Year => td_string!(locale, interval.every_years, count = count),
        };
        td_string!(
            locale,
            portal.per_intervals,
            amount = amount,
            period = period
        )
    }
}

/// A percentage such as "20" or "12,5" in the locale's decimal style.
pub fn percent(locale: Locale, value: f64) -> String {
    let hundredths = (value * 100.0).round() as i64;
    let text = crate::money::NumberStyle::for_locale(locale.as_str()).number(hundredths, 2);
    // 20.00 → 20, 12.50 → 12.5
    let trimmed = text.trim_end_matches('0');
    trimmed.trim_end_matches(['.', ',']).to_string()
}

/// A subscription status's label.
pub fn status(locale: Locale, status: SubscriptionStatus) -> &'static str {
    match status {
        SubscriptionStatus::Active => td_string!(locale, status.active),
        SubscriptionStatus::Trialing => td_string!(locale, status.trialing),
        SubscriptionStatus::PastDue => td_string!(locale, status.past_due),
        SubscriptionStatus::Unpaid => td_string!(locale, status.unpaid),
        SubscriptionStatus::Canceled => td_string!(locale, status.canceled),
        SubscriptionStatus::Incomplete => td_string!(locale, status.incomplete),
        SubscriptionStatus::IncompleteExpired => td_string!(locale, status.incomplete_expired),
        SubscriptionStatus::Paused => td_string!(locale, status.paused),
    }
}

/// What a customer reads for an error.
/// How much a discount takes off ("25% off", "$5.00 off"), if it says.
pub fn discount_size(locale: Locale, discount: &Discount) -> Option<String> {
    match (discount.percent_off, &discount.amount_off) {
        (Some(p), _) => Some(td_string!(
            locale,
            discount.percent_off,
            percent = percent(locale, p)
        )),
        (None, Some(a)) => Some(td_string!(
            locale,
            discount.amount_off,
            amount = money(locale, a)
        )),
        (None, None) => None,
    }
}

/// The host (and port) of an absolute URL the server already checked, for a
/// link's label: `https://shop.example/account` → `shop.example`.
pub fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_string()
}

pub fn error(locale: Locale, error: PortalError) -> &'static str {
    match error {
        PortalError::NotSignedIn => td_string!(locale, error.not_signed_in),
        PortalError::SessionExpired => td_string!(locale, error.session_expired),
        PortalError::LinkExpired => td_string!(locale, error.link_expired),
        PortalError::MissingIdentity => td_string!(locale, error.missing_identity),
        PortalError::HashMissing => td_string!(locale, error.hash_missing),
        PortalError::HashInvalid => td_string!(locale, error.hash_invalid),
        PortalError::HashExpired => td_string!(locale, error.hash_expired),
        PortalError::EmbedNotAllowed => td_string!(locale, error.embed_not_allowed),
        PortalError::LoginLinkExpired => td_string!(locale, error.login_link_expired),
        PortalError::RateLimited => td_string!(locale, error.rate_limited),
        PortalError::EmailLoginUnavailable => td_string!(locale, error.email_login_unavailable),
        PortalError::CustomerNotFound => td_string!(locale, error.customer_not_found),
        PortalError::AmbiguousEmail => td_string!(locale, error.ambiguous_email),
        PortalError::EmailTaken => td_string!(locale, error.email_taken),
        PortalError::SubscriptionNotFound => td_string!(locale, error.subscription_not_found),
        PortalError::NotAllowed => td_string!(locale, error.not_allowed),
        PortalError::CouponInvalid => td_string!(locale, error.coupon_invalid),
        PortalError::NoPaymentMethod => td_string!(locale, error.no_payment_method),
        PortalError::PaymentFailed => td_string!(locale, error.payment_failed),
        PortalError::PaymentNeedsConfirmation => {
            td_string!(locale, error.payment_needs_confirmation)
        }
        PortalError::QuantityOutOfRange => td_string!(locale, error.quantity_out_of_range),
        PortalError::PlanUnavailable => td_string!(locale, error.plan_unavailable),
        PortalError::InProgress => td_string!(locale, error.in_progress),
        PortalError::BillingUnavailable => td_string!(locale, error.billing_unavailable),
        PortalError::Unavailable => td_string!(locale, error.unavailable),
        PortalError::InvalidInput => td_string!(locale, error.invalid_input),
        PortalError::Request => td_string!(locale, error.request),
        PortalError::InvoiceNotFound => td_string!(locale, error.invoice_not_found),
        PortalError::PaymentMethodNotFound => td_string!(locale, error.payment_method_not_found),
        PortalError::CardIsDefault => td_string!(locale, error.card_is_default),
        PortalError::CardRequired => td_string!(locale, error.card_required),
        PortalError::CardSetupFailed => td_string!(locale, error.card_setup_failed),
        PortalError::InvalidDetail(field) => match field {
            DetailField::Name => td_string!(locale, error.detail_name),
            DetailField::Email => td_string!(locale, error.detail_email),
            DetailField::Phone => td_string!(locale, error.detail_phone),
            DetailField::AddressLine => td_string!(locale, error.detail_address_line),
            DetailField::City => td_string!(locale, error.detail_city),
            DetailField::PostalCode => td_string!(locale, error.detail_postal_code),
            DetailField::Country => td_string!(locale, error.detail_country),
            DetailField::TaxId => td_string!(locale, error.detail_tax_id),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_host_is_what_the_link_leads_to() {
        assert_eq!(url_host("https://shop.example/account?x=1"), "shop.example");
        assert_eq!(url_host("http://127.0.0.2:4000"), "127.0.0.2:4000");
        assert_eq!(url_host("https://me@shop.example/"), "shop.example");
    }

    #[test]
    fn dates_follow_the_locale() {
        // 2026-03-05T12:00:00Z
        assert_eq!(date(Locale::en, 1_772_712_000), "March 5, 2026");
        assert_eq!(date(Locale::de, 1_772_712_000), "5. März 2026");
    }

    #[test]
    fn percentages_follow_the_locale() {
        assert_eq!(percent(Locale::en, 20.0), "20");
        assert_eq!(percent(Locale::en, 12.5), "12.5");
        assert_eq!(percent(Locale::de, 12.5), "12,5");
        assert_eq!(percent(Locale::de, 33.33), "33,33");
    }

    #[test]
    fn prices_read_per_interval() {
        let usd = Money::new(2900, "usd");
        assert_eq!(
            per_interval(Locale::en, &usd, Interval::Month, 1),
            "$29.00 / month"
        );
        assert_eq!(
            per_interval(Locale::de, &usd, Interval::Year, 1),
            "29,00\u{a0}$ / Jahr"
        );
        assert_eq!(
            per_interval(Locale::en, &usd, Interval::Month, 3),
            "$29.00 every 3 months"
        );
        assert_eq!(
            per_interval(Locale::en, &Money::new(3000, "jpy"), Interval::Month, 1),
            "¥3,000 / month"
        );
    }

    #[test]
    fn every_error_is_translated() {
        // leptos_i18n falls back to English for a missing key, so a German
        // text equal to the English one means the translation is missing.
        for e in PortalError::ALL {
            assert_ne!(error(Locale::en, e), error(Locale::de, e), "{e:?}");
        }
        assert_ne!(
            error(Locale::en, PortalError::HashInvalid),
            error(Locale::de, PortalError::HashInvalid)
        );
    }
}
