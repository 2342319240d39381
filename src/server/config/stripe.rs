//! How to reach Stripe, and the keys of the mode Portico runs in.

use secrecy::SecretString;
use url::Url;

use super::{ConfigError, Mode, https_in_live, invalid, parse_url};

/// How to reach Stripe.
#[derive(Debug)]
pub struct StripeConfig {
    /// `STRIPE_SECRET_KEY`.
    pub secret_key: SecretString,
    /// `STRIPE_API_BASE`: Stripe's API, or the emulator in development.
    pub api_base: Url,
    /// `STRIPE_PUBLISHABLE_KEY`, for Stripe.js in the browser.
    pub publishable_key: Option<String>,
    /// `STRIPE_JS_URL`: where the browser loads Stripe.js from.
    pub js_url: Url,
}

impl StripeConfig {
    /// `STRIPE_SECRET_KEY` (of the mode), `STRIPE_API_BASE`,
    /// `STRIPE_PUBLISHABLE_KEY` (of the mode), `STRIPE_JS_URL`.
    pub(super) fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
        mode: Mode,
    ) -> Result<Self, ConfigError> {
        let secret_key =
            get("STRIPE_SECRET_KEY").ok_or(ConfigError::Missing("STRIPE_SECRET_KEY"))?;
        let key_mode = ["sk_", "rk_"]
            .iter()
            .find_map(|p| secret_key.strip_prefix(p))
            .and_then(|rest| rest.split('_').next())
            .ok_or_else(|| invalid("STRIPE_SECRET_KEY", "expected a key starting sk_ or rk_"))?;
        if key_mode != mode.as_str() {
            return Err(invalid(
                "STRIPE_SECRET_KEY",
                format!(
                    "a {key_mode}-mode key in {} mode (PORTICO_MODE)",
                    mode.as_str()
                ),
            ));
        }
        let api_base = parse_url(
            "STRIPE_API_BASE",
            &get("STRIPE_API_BASE").unwrap_or_else(|| "https://api.stripe.com/".into()),
        )?;
        https_in_live("STRIPE_API_BASE", &api_base, mode)?;
        let publishable_key = get("STRIPE_PUBLISHABLE_KEY");
        if let Some(pk) = &publishable_key {
            let expected = format!("pk_{}_", mode.as_str());
            if !pk.starts_with(&expected) {
                return Err(invalid(
                    "STRIPE_PUBLISHABLE_KEY",
                    format!("expected a key starting {expected}"),
                ));
            }
        }
        let js_url = parse_url(
            "STRIPE_JS_URL",
            &get("STRIPE_JS_URL").unwrap_or_else(|| "https://js.stripe.com/v3/".into()),
        )?;
        Ok(Self {
            secret_key: SecretString::from(secret_key),
            api_base,
            publishable_key,
            js_url,
        })
    }
}
