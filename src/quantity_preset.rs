//! Billflow's `options.quantity`: the quantity a merchant suggests for
//! products sold per unit, either one number for every such product or one
//! per unit label (`{"seat": 5}`). It arrives with the sign-in link, lives in
//! the session, and only ever pre-fills what the customer then confirms,
//! always within the configuration's minimum and maximum.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Most unit labels one preset may name (a link is not a catalog).
const MAX_LABELS: usize = 16;
/// Longest unit label accepted (Stripe allows 12 characters).
const MAX_LABEL_LEN: usize = 64;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantityPreset {
    /// For every product with a unit label.
    pub all: Option<u64>,
    /// Per unit label; wins over `all`.
    pub per_unit: BTreeMap<String, u64>,
}

impl QuantityPreset {
    /// Takes one query parameter: `quantity=3` or `quantity[seat]=5`. Other
    /// keys are not the preset's (`false`); values that are not a positive
    /// whole number are ignored, since the preset only suggests.
    pub fn accept(&mut self, key: &str, value: &str) -> bool {
        let label = if key == "quantity" {
            None
        } else if let Some(label) = key
            .strip_prefix("quantity[")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            Some(label)
        } else {
            return false;
        };
        let Some(quantity) = value.trim().parse::<u64>().ok().filter(|q| *q > 0) else {
            return true;
        };
        match label {
            None => self.all = self.all.or(Some(quantity)),
            Some(label) => {
                let label = label.trim();
                let fits = !label.is_empty()
                    && label.len() <= MAX_LABEL_LEN
                    && self.per_unit.len() < MAX_LABELS;
                if fits {
                    self.per_unit.entry(label.to_string()).or_insert(quantity);
                }
            }
        }
        true
    }

    /// The suggested quantity for a product sold per `unit_label`, within
    /// `min..=max`.
    pub fn for_unit(&self, unit_label: &str, min: u64, max: u64) -> Option<u64> {
        self.per_unit
            .get(unit_label)
            .copied()
            .or(self.all)
            .map(|q| q.clamp(min.max(1), max.max(min.max(1))))
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_none() && self.per_unit.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&str, &str)]) -> QuantityPreset {
        let mut preset = QuantityPreset::default();
        for (k, v) in query {
            preset.accept(k, v);
        }
        preset
    }

    #[test]
    fn per_unit_label_wins_over_the_number_for_all() {
        let p = parse(&[("quantity", "3"), ("quantity[seat]", "7")]);
        assert_eq!(p.for_unit("seat", 1, 100), Some(7));
        assert_eq!(p.for_unit("license", 1, 100), Some(3));
        assert_eq!(parse(&[]).for_unit("seat", 1, 100), None);
    }

    #[test]
    fn suggestions_stay_within_the_configured_range() {
        let p = parse(&[("quantity", "500")]);
        assert_eq!(p.for_unit("seat", 1, 100), Some(100));
        let p = parse(&[("quantity[seat]", "2")]);
        assert_eq!(p.for_unit("seat", 5, 100), Some(5));
    }

    #[test]
    fn other_keys_and_bad_values_change_nothing() {
        let mut p = QuantityPreset::default();
        assert!(!p.accept("email", "3"));
        assert!(p.accept("quantity", "-1"));
        assert!(p.accept("quantity", "0"));
        assert!(p.accept("quantity", "many"));
        assert!(p.accept("quantity[]", "4"));
        assert!(p.is_empty());
        assert!(p.accept("quantity", "2"));
        assert!(p.accept("quantity", "9"));
        assert_eq!(
            p.all,
            Some(2),
            "the first value wins, like every sign-in parameter"
        );
    }
}
