//! Money as Stripe sends it (an integer of the currency's minor unit) and its
//! display for a locale. Kept free of any formatting library so the same code
//! runs on the server and in the browser without adding to the wasm bundle.

use serde::{Deserialize, Serialize};

/// An amount in a currency's minor unit, exactly as Stripe reports it
/// (`unit_amount: 2900, currency: "usd"` is $29.00; `3000, "jpy"` is ¥3,000).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Amount in the currency's smallest unit.
    pub minor: i64,
    /// ISO 4217 code, lower case as Stripe sends it.
    pub currency: String,
}

impl Money {
    /// Builds an amount; the code is normalised to lower case.
    pub fn new(minor: i64, currency: &str) -> Self {
        Self {
            minor,
            currency: currency.to_ascii_lowercase(),
        }
    }

    /// The amount multiplied by a quantity, saturating instead of overflowing.
    pub fn times(&self, quantity: u64) -> Self {
        let q = i64::try_from(quantity).unwrap_or(i64::MAX);
        Self {
            minor: self.minor.saturating_mul(q),
            currency: self.currency.clone(),
        }
    }

    /// Formats the amount for a locale tag such as `en` or `de`.
    pub fn format(&self, locale: &str) -> String {
        NumberStyle::for_locale(locale).money(self)
    }
}

/// How many decimals a currency's minor unit has, following Stripe's list of
/// zero-decimal and three-decimal currencies.
pub fn currency_decimals(currency: &str) -> u32 {
    match currency.to_ascii_lowercase().as_str() {
        "bif" | "clp" | "djf" | "gnf" | "jpy" | "kmf" | "krw" | "mga" | "pyg" | "rwf" | "ugx"
        | "vnd" | "vuv" | "xaf" | "xof" | "xpf" => 0,
        "bhd" | "jod" | "kwd" | "omr" | "tnd" => 3,
        _ => 2,
    }
}

/// A currency's usual symbol, when it has one that readers of every locale we
/// ship recognise; other currencies show their ISO code.
fn currency_symbol(currency: &str) -> Option<&'static str> {
    Some(match currency {
        "usd" => "$",
        "eur" => "€",
        "gbp" => "£",
        "jpy" => "¥",
        "inr" => "₹",
        "krw" => "₩",
        _ => return None,
    })
}

/// The conventions for writing numbers and money in one locale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberStyle {
    decimal: char,
    group: char,
    symbol_after: bool,
}

impl NumberStyle {
    /// Conventions for a BCP 47 tag; unknown tags fall back to English.
    pub fn for_locale(locale: &str) -> Self {
        let language = locale
            .split(['-', '_'])
            .next()
            .unwrap_or("en")
            .to_ascii_lowercase();
        match language.as_str() {
            // German, and the other continental European styles that write
            // 1.234,56 € with the symbol after the amount.
            "de" | "es" | "it" | "nl" | "pt" | "da" | "id" | "tr" | "el" | "hr" | "sl" | "ro" => {
                Self {
                    decimal: ',',
                    group: '.',
                    symbol_after: true,
                }
            }
            "fr" | "cs" | "sk" | "pl" | "fi" | "sv" | "nb" | "bg" | "hu" | "lt" | "lv" | "et"
            | "ru" => Self {
                decimal: ',',
                group: '\u{202f}',
                symbol_after: true,
            },
            _ => Self {
                decimal: '.',
                group: ',',
                symbol_after: false,
            },
        }
    }

    /// Formats an amount with its currency, e.g. `$1,234.50` or `1.234,50 €`.
    pub fn money(&self, money: &Money) -> String {
        let number = self.number(money.minor, currency_decimals(&money.currency));
        let (sign, digits) = match number.strip_prefix('-') {
            Some(rest) => ("-", rest.to_string()),
            None => ("", number),
        };
        match (currency_symbol(&money.currency), self.symbol_after) {
            (Some(symbol), false) => format!("{sign}{symbol}{digits}"),
            (Some(symbol), true) => format!("{sign}{digits}\u{a0}{symbol}"),
            (None, false) => format!("{sign}{}\u{a0}{digits}", money.currency.to_uppercase()),
            (None, true) => format!("{sign}{digits}\u{a0}{}", money.currency.to_uppercase()),
        }
    }

    /// Formats an integer of minor units as a decimal number with grouping.
    pub fn number(&self, minor: i64, decimals: u32) -> String {
        let negative = minor < 0;
        let abs = minor.unsigned_abs();
        let scale = 10u64.pow(decimals);
        let whole = (abs / scale).to_string();
        let mut out = String::with_capacity(whole.len() + 8);
        if negative {
            out.push('-');
        }
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                out.push(self.group);
            }
            out.push(digit);
        }
        if decimals > 0 {
            out.push(self.decimal);
            out.push_str(&format!(
                "{:0width$}",
                abs % scale,
                width = decimals as usize
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_in_english_has_symbol_first_and_two_decimals() {
        assert_eq!(Money::new(2900, "usd").format("en"), "$29.00");
        assert_eq!(Money::new(123_456_789, "USD").format("en"), "$1,234,567.89");
        assert_eq!(Money::new(5, "usd").format("en"), "$0.05");
    }

    #[test]
    fn german_puts_symbol_after_with_comma_decimals() {
        assert_eq!(Money::new(2900, "usd").format("de"), "29,00\u{a0}$");
        assert_eq!(
            Money::new(123_456, "eur").format("de-DE"),
            "1.234,56\u{a0}€"
        );
    }

    #[test]
    fn jpy_has_no_decimals() {
        assert_eq!(Money::new(3000, "jpy").format("en"), "¥3,000");
        assert_eq!(Money::new(3000, "jpy").format("de"), "3.000\u{a0}¥");
        assert_eq!(currency_decimals("JPY"), 0);
    }

    #[test]
    fn three_decimal_currencies_keep_three_places() {
        assert_eq!(Money::new(1_500, "kwd").format("en"), "KWD\u{a0}1.500");
    }

    #[test]
    fn unknown_currency_shows_its_code() {
        assert_eq!(Money::new(1_250, "chf").format("en"), "CHF\u{a0}12.50");
        assert_eq!(Money::new(1_250, "chf").format("de"), "12,50\u{a0}CHF");
    }

    #[test]
    fn negative_amounts_keep_sign_before_symbol() {
        assert_eq!(Money::new(-500, "usd").format("en"), "-$5.00");
        assert_eq!(Money::new(-500, "usd").format("de"), "-5,00\u{a0}$");
    }

    #[test]
    fn quantity_multiplies_without_overflow() {
        assert_eq!(Money::new(1200, "usd").times(5), Money::new(6000, "usd"));
        assert_eq!(Money::new(i64::MAX, "usd").times(2).minor, i64::MAX);
    }

    #[test]
    fn unknown_locale_falls_back_to_english() {
        assert_eq!(Money::new(2900, "usd").format("xx"), "$29.00");
    }
}
