//! Every check a `POST /v1/billing_portal/sessions` passes before a session
//! exists: the customer, the configuration of this mode, the locale, the
//! return URLs' origins, and the flow (`flow::check_flow`).

use url::Url;

use super::flow::check_flow;
use super::params::{Params, RawFlow};
use super::wire::ApiError;
use crate::error::PortalError;
use crate::model::{CustomerId, PortalFlow};
use crate::portal_config::PortalConfig;
use crate::server::db::portal_configs::StoredConfig;
use crate::server::state::AppState;

/// Stripe's portal locales; `auto` follows the browser.
const LOCALES: [&str; 46] = [
    "bg", "cs", "da", "de", "el", "en", "en-AU", "en-CA", "en-GB", "en-IE", "en-IN", "en-NZ",
    "en-SG", "es", "es-419", "et", "fi", "fil", "fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko",
    "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th",
    "tr", "vi", "zh", "zh-HK", "zh-TW",
];

/// A checked request, ready to become a session.
#[derive(Debug)]
pub struct SessionRequest {
    pub customer_id: String,
    pub config: StoredConfig,
    pub return_url: Option<String>,
    /// `None` for `auto`.
    pub locale: Option<String>,
    pub flow: Option<PortalFlow>,
}

/// Checks a request. Nothing is created or changed here.
pub async fn check(state: &AppState, mut params: Params) -> Result<SessionRequest, ApiError> {
    let customer = params.take("customer");
    let configuration = params.take("configuration");
    let locale = params.take("locale");
    let return_url = params.take("return_url");
    let raw_flow = RawFlow::take(&mut params);
    // The flow's type decides which of its parameters were taken: name a
    // missing or unknown type before the parameters it left.
    match &raw_flow {
        Some(raw) => {
            raw.kind()?;
        }
        None if params.has_flow_data() => return Err(ApiError::missing("flow_data[type]")),
        None => {}
    }
    params.refuse_leftovers()?;

    let customer = customer.ok_or_else(|| ApiError::missing("customer"))?;
    let no_customer = || ApiError::no_such("customer", "customer", &customer);
    let customer_id = CustomerId::parse(&customer).ok_or_else(no_customer)?;
    let config = state
        .portal_config(configuration.as_deref())
        .await
        .map_err(|_| ApiError::unavailable())?
        .ok_or_else(|| match &configuration {
            Some(id) => ApiError::no_such("portal configuration", "configuration", id),
            None => ApiError::unavailable(),
        })?;

    let locale = match locale.as_deref() {
        None | Some("auto") => None,
        Some(tag) if LOCALES.contains(&tag) => Some(tag.to_string()),
        Some(tag) => {
            return Err(ApiError::invalid(
                None,
                "locale",
                format!("Invalid locale: {tag}. Use `auto` or one of Stripe's portal locales."),
            ));
        }
    };

    let return_url = match return_url {
        Some(url) => Some(allowed_url(&config.settings, &url, "return_url")?),
        // The configuration's default is the merchant's own; it is still
        // only used when its origin is allowed.
        None => config
            .settings
            .default_return_url
            .as_deref()
            .and_then(|url| allowed_url(&config.settings, url, "return_url").ok()),
    };

    // The customer must exist in this mode's Stripe account.
    let found = state
        .stripe
        .fresh()
        .customer(&customer_id)
        .await
        .map_err(
            |e| match e.into_portal_error(PortalError::CustomerNotFound) {
                PortalError::CustomerNotFound => no_customer(),
                _ => ApiError::unavailable(),
            },
        )?;
    if found.is_none() {
        return Err(no_customer());
    }

    let flow = match raw_flow {
        Some(raw) => Some(check_flow(state, &customer, &config, raw).await?),
        None => None,
    };
    Ok(SessionRequest {
        customer_id: customer,
        config,
        return_url,
        locale,
        flow,
    })
}

/// `url` if it is an http(s) URL on one of the configuration's allowed
/// origins: the portal links and redirects there, so anything else would
/// be an open redirect.
pub fn allowed_url(config: &PortalConfig, url: &str, param: &str) -> Result<String, ApiError> {
    let parsed = Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| ApiError::invalid(Some("url_invalid"), param, "Not a valid URL"))?;
    let origin = parsed.origin();
    if crate::server::origins::is_allowed(config, &parsed) {
        Ok(parsed.to_string())
    } else {
        Err(ApiError::invalid(
            Some("url_invalid"),
            param,
            format!(
                "{param} must be on one of the portal configuration's allowed origins \
                 (allowed_origins); {} is not.",
                origin.ascii_serialization()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(origins: &[&str]) -> PortalConfig {
        PortalConfig {
            allowed_origins: origins.iter().map(|o| o.to_string()).collect(),
            ..PortalConfig::default()
        }
    }

    #[test]
    fn return_urls_must_be_on_an_allowed_origin() {
        let c = config(&["https://shop.example", "http://127.0.0.2:4000"]);
        assert!(allowed_url(&c, "https://shop.example/account?x=1", "return_url").is_ok());
        assert!(allowed_url(&c, "http://127.0.0.2:4000/", "return_url").is_ok());
        for bad in [
            "https://evil.example/",
            "https://shop.example.evil.example/",
            "http://shop.example/",
            "https://shop.example:8443/",
            "javascript:alert(1)",
            "//shop.example/",
            "/relative",
            "not a url",
        ] {
            let err = allowed_url(&c, bad, "return_url").expect_err(bad);
            assert_eq!(err.param.as_deref(), Some("return_url"));
            assert_eq!(err.code, Some("url_invalid"));
        }
        assert!(allowed_url(&config(&[]), "https://shop.example/", "return_url").is_err());
    }
}
