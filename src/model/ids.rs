//! Stripe ids of one kind each. An id from a browser, a form or a link is
//! parsed into one of these before it reaches a Stripe URL path, so a value
//! of the type always has the shape of that kind of id: its prefix, then
//! letters, digits and `_` only (no `/`, `?` or `..` to bend a path).

use serde::{Deserialize, Serialize};

/// Longest id accepted (Stripe's ids are far shorter).
const MAX_ID_LEN: usize = 255;

/// Whether `value` is `prefix` followed by at least one of `[A-Za-z0-9_]`.
fn shaped(value: &str, prefix: &str) -> bool {
    value.len() <= MAX_ID_LEN
        && value.len() > prefix.len()
        && value.starts_with(prefix)
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

macro_rules! stripe_id {
    ($(#[$doc:meta])* $name:ident: $($prefix:literal),+) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The prefixes this kind of id starts with.
            pub const PREFIXES: &'static [&'static str] = &[$($prefix),+];

            /// `value` as this kind of id, if it has its shape.
            pub fn parse(value: &str) -> Option<Self> {
                Self::PREFIXES
                    .iter()
                    .any(|p| shaped(value, p))
                    .then(|| Self(value.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                Self::parse(&value).ok_or_else(|| format!("not a {} id", stringify!($name)))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

stripe_id!(
    /// A customer (`cus_…`).
    CustomerId: "cus_"
);
stripe_id!(
    /// A subscription (`sub_…`).
    SubscriptionId: "sub_"
);
stripe_id!(
    /// A price, or a legacy plan Stripe serves as a price (`price_…`, `plan_…`).
    PriceId: "price_", "plan_"
);
stripe_id!(
    /// A saved payment method (`pm_…`).
    PaymentMethodId: "pm_"
);
stripe_id!(
    /// An invoice (`in_…`).
    InvoiceId: "in_"
);
stripe_id!(
    /// A SetupIntent, which saves a card (`seti_…`).
    SetupIntentId: "seti_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_kinds_shape_and_nothing_that_bends_a_path() {
        assert_eq!(
            CustomerId::parse("cus_Abc123").map(|c| c.to_string()),
            Some("cus_Abc123".to_string())
        );
        for bad in [
            "cus_",
            "sub_123",
            "cus_1/../../v1/charges",
            "cus_1?expand[]=x",
            "cus_1 ",
            "",
        ] {
            assert_eq!(CustomerId::parse(bad), None, "{bad:?}");
        }
        assert!(CustomerId::parse(&format!("cus_{}", "a".repeat(251))).is_some());
        assert!(CustomerId::parse(&format!("cus_{}", "a".repeat(252))).is_none());
    }

    #[test]
    fn a_price_may_be_a_legacy_plan() {
        assert!(PriceId::parse("price_1").is_some());
        assert!(PriceId::parse("plan_1").is_some());
        assert!(PriceId::parse("prod_1").is_none());
    }

    #[test]
    fn an_id_that_does_not_parse_does_not_deserialize() {
        let ok: Result<SubscriptionId, _> = serde_json::from_str("\"sub_1\"");
        assert!(ok.is_ok());
        let bad: Result<SubscriptionId, _> = serde_json::from_str("\"sub_1/x\"");
        assert!(bad.is_err());
    }
}
