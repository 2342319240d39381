//! The parameters of `POST /v1/billing_portal/sessions`, as Stripe names and
//! encodes them (`flow_data[subscription_cancel][subscription]=sub_…`), and
//! every check they pass before a session exists: the customer, the
//! configuration of this mode, the locale, the return URLs' origins, and a
//! flow's subscription belonging to the customer and allowing the task.

use std::collections::BTreeMap;

use url::Url;

use super::wire::ApiError;
use crate::error::PortalError;
use crate::model::{AfterCompletion, FlowTask, PortalFlow};
use crate::policy::{self, Action};
use crate::portal_config::PortalConfig;
use crate::server::actions;
use crate::server::db::portal_configs::StoredConfig;
use crate::server::db::sessions::SessionRow;
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::looks_like_id;

/// Stripe's portal locales; `auto` follows the browser.
const LOCALES: [&str; 46] = [
    "bg", "cs", "da", "de", "el", "en", "en-AU", "en-CA", "en-GB", "en-IE", "en-IN", "en-NZ",
    "en-SG", "es", "es-419", "et", "fi", "fil", "fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko",
    "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th",
    "tr", "vi", "zh", "zh-HK", "zh-TW",
];

/// Longest `after_completion.hosted_confirmation.custom_message` (Stripe's limit).
const MAX_CUSTOM_MESSAGE: usize = 500;

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

/// Form parameters by their full bracketed name.
#[derive(Debug, Default)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// Decodes a form body; of repeated names the first counts. Empty values
    /// count as absent, as Stripe treats them when creating.
    pub fn parse(body: &[u8]) -> Self {
        let mut map = BTreeMap::new();
        for (key, value) in url::form_urlencoded::parse(body) {
            if !value.is_empty() {
                map.entry(key.into_owned())
                    .or_insert_with(|| value.into_owned());
            }
        }
        Self(map)
    }

    fn take(&mut self, key: &str) -> Option<String> {
        self.0.remove(key)
    }

    fn has_flow_data(&self) -> bool {
        self.0.keys().any(|k| k.starts_with("flow_data["))
    }

    /// Refuses parameters Portico does not know, as Stripe does, so a typo
    /// is not silently ignored.
    fn refuse_leftovers(&mut self) -> Result<(), ApiError> {
        // The SDKs may ask to expand; the session has nothing to expand.
        self.0.retain(|k, _| !k.starts_with("expand"));
        match self.0.keys().next() {
            None => Ok(()),
            Some(key)
                if key.starts_with("flow_data[subscription_update_confirm]")
                    && (key.contains("[discounts]")
                        || key.ends_with("[quantity]")
                        || key.contains("[items]") && !key.contains("[items][0]")) =>
            {
                Err(ApiError::invalid(
                    None,
                    key,
                    "Portico's subscription_update_confirm flow takes one item and its new price; \
                     quantities and discounts in this flow are not supported yet.",
                ))
            }
            // What `RawFlow::take` left: a parameter of another flow type or
            // after_completion type than the request's own.
            Some(key) if key.starts_with("flow_data[") => Err(ApiError::invalid(
                Some("parameter_unknown"),
                key,
                format!(
                    "Received a flow parameter this flow does not take: {key}. Check it against \
                     flow_data[type] and flow_data[after_completion][type]."
                ),
            )),
            Some(key) => Err(ApiError::invalid(
                Some("parameter_unknown"),
                key,
                format!("Received unknown parameter: {key}"),
            )),
        }
    }
}

/// The raw flow parameters, taken out of the form before anything is checked.
/// Only the parameters of the request's own flow type and after_completion
/// type are taken; any other `flow_data[…]` is left for `refuse_leftovers`,
/// so a parameter is never silently ignored.
#[derive(Default)]
struct RawFlow {
    kind: Option<String>,
    after: Option<String>,
    custom_message: Option<String>,
    redirect_url: Option<String>,
    subscription: Option<String>,
    retention_type: Option<String>,
    retention_coupon: Option<String>,
    item_id: Option<String>,
    item_price: Option<String>,
}

impl RawFlow {
    fn take(params: &mut Params) -> Option<Self> {
        let mut raw = Self {
            kind: params.take("flow_data[type]"),
            after: params.take("flow_data[after_completion][type]"),
            ..Self::default()
        };
        match raw.after.as_deref() {
            Some("hosted_confirmation") => {
                raw.custom_message =
                    params.take("flow_data[after_completion][hosted_confirmation][custom_message]");
            }
            Some("redirect") => {
                raw.redirect_url = params.take("flow_data[after_completion][redirect][return_url]");
            }
            _ => {}
        }
        let mut subscription =
            |kind: &str| params.take(&format!("flow_data[{kind}][subscription]"));
        match raw.kind.as_deref() {
            Some(kind @ "subscription_update") => raw.subscription = subscription(kind),
            Some(kind @ "subscription_cancel") => {
                raw.subscription = subscription(kind);
                raw.retention_type = params.take("flow_data[subscription_cancel][retention][type]");
                raw.retention_coupon =
                    params.take("flow_data[subscription_cancel][retention][coupon_offer][coupon]");
            }
            Some(kind @ "subscription_update_confirm") => {
                raw.subscription = subscription(kind);
                raw.item_id = params.take("flow_data[subscription_update_confirm][items][0][id]");
                raw.item_price =
                    params.take("flow_data[subscription_update_confirm][items][0][price]");
            }
            _ => {}
        }
        (raw.kind.is_some() || raw.after.is_some()).then_some(raw)
    }

    /// Refuses a flow without a type, or of a type Portico does not know.
    fn check_kind(&self) -> Result<(), ApiError> {
        match self.kind.as_deref() {
            None => Err(ApiError::missing("flow_data[type]")),
            Some(kind) if FLOW_TYPES.contains(&kind) => Ok(()),
            Some(other) => Err(ApiError::invalid(
                None,
                "flow_data[type]",
                format!("Invalid flow type: {other}. Use {}.", FLOW_TYPES.join(", ")),
            )),
        }
    }
}

/// Stripe's `flow_data[type]`s.
const FLOW_TYPES: [&str; 4] = [
    "payment_method_update",
    "subscription_cancel",
    "subscription_update",
    "subscription_update_confirm",
];

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
        Some(raw) => raw.check_kind()?,
        None if params.has_flow_data() => return Err(ApiError::missing("flow_data[type]")),
        None => {}
    }
    params.refuse_leftovers()?;

    let customer = customer.ok_or_else(|| ApiError::missing("customer"))?;
    let no_customer = || ApiError::no_such("customer", "customer", &customer);
    if !looks_like_id(&customer, "cus_") {
        return Err(no_customer());
    }
    let config = match &configuration {
        Some(id) => state.db.portal_config(id, state.livemode()).await,
        None => state.db.default_portal_config(state.livemode()).await,
    }
    .map_err(|e| {
        tracing::error!(error = %e, "cannot read the portal configuration");
        ApiError::unavailable()
    })?
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
    let found = state.stripe.customer(&customer).await.map_err(|e| {
        match e.into_portal_error(PortalError::CustomerNotFound) {
            PortalError::CustomerNotFound => no_customer(),
            _ => ApiError::unavailable(),
        }
    })?;
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

async fn check_flow(
    state: &AppState,
    customer: &str,
    config: &StoredConfig,
    raw: RawFlow,
) -> Result<PortalFlow, ApiError> {
    let after_completion = match raw.after.as_deref() {
        None | Some("portal_homepage") => AfterCompletion::PortalHomepage,
        Some("hosted_confirmation") => {
            let custom_message = raw.custom_message;
            if custom_message
                .as_ref()
                .is_some_and(|m| m.chars().count() > MAX_CUSTOM_MESSAGE)
            {
                return Err(ApiError::invalid(
                    None,
                    "flow_data[after_completion][hosted_confirmation][custom_message]",
                    format!("The custom message is longer than {MAX_CUSTOM_MESSAGE} characters."),
                ));
            }
            AfterCompletion::HostedConfirmation { custom_message }
        }
        Some("redirect") => {
            let param = "flow_data[after_completion][redirect][return_url]";
            let url = raw.redirect_url.ok_or_else(|| ApiError::missing(param))?;
            AfterCompletion::Redirect {
                return_url: allowed_url(&config.settings, &url, param)?,
            }
        }
        Some(other) => {
            return Err(ApiError::invalid(
                None,
                "flow_data[after_completion][type]",
                format!(
                    "Invalid after_completion type: {other}. Use portal_homepage, \
                     hosted_confirmation or redirect."
                ),
            ));
        }
    };
    // `check` has refused a missing or unknown type.
    let kind = raw.kind.clone().unwrap_or_default();
    let settings = &config.settings;
    // A session-to-be, so ownership and policy are asked exactly as the
    // portal will ask them when the customer acts.
    let session = PortalSession {
        row: SessionRow {
            customer_id: customer.to_string(),
            configuration_id: config.id.clone(),
            livemode: state.livemode(),
            ..Default::default()
        },
        config: settings.clone(),
    };
    let param = format!("flow_data[{kind}][subscription]");
    let owned = async |action: Action| -> Result<String, ApiError> {
        let id = raw
            .subscription
            .clone()
            .ok_or_else(|| ApiError::missing(&param))?;
        let sub = actions::owned_subscription(state, &session, &id)
            .await
            .map_err(|e| match e {
                PortalError::SubscriptionNotFound => ApiError::no_such("subscription", &param, &id),
                _ => ApiError::unavailable(),
            })?;
        if !policy::allows(settings, &sub, action) {
            return Err(ApiError::invalid(
                None,
                &param,
                format!(
                    "The portal configuration {} does not let the customer {} subscription {id} \
                     in its current state.",
                    config.id,
                    match action {
                        Action::Cancel => "cancel",
                        _ => "change the plan of",
                    }
                ),
            ));
        }
        Ok(id)
    };
    let task = match kind.as_str() {
        "payment_method_update" => {
            if !settings.update_card {
                return Err(ApiError::invalid(
                    None,
                    "flow_data[type]",
                    format!(
                        "The portal configuration {} does not allow payment method updates.",
                        config.id
                    ),
                ));
            }
            FlowTask::PaymentMethodUpdate
        }
        "subscription_cancel" => {
            let subscription = owned(Action::Cancel).await?;
            let retention_coupon = match (raw.retention_type.as_deref(), raw.retention_coupon) {
                (None, None) => None,
                (Some("coupon_offer"), Some(coupon)) => {
                    let param = "flow_data[subscription_cancel][retention][coupon_offer][coupon]";
                    if !looks_like_coupon(&coupon) {
                        return Err(ApiError::no_such("coupon", param, &coupon));
                    }
                    let offer = state
                        .stripe
                        .coupon_offer(&coupon)
                        .await
                        .map_err(|_| ApiError::unavailable())?;
                    if offer.is_none() {
                        return Err(ApiError::no_such("coupon", param, &coupon));
                    }
                    Some(coupon)
                }
                (Some("coupon_offer"), None) => {
                    return Err(ApiError::missing(
                        "flow_data[subscription_cancel][retention][coupon_offer][coupon]",
                    ));
                }
                _ => {
                    return Err(ApiError::invalid(
                        None,
                        "flow_data[subscription_cancel][retention][type]",
                        "The retention type must be coupon_offer.",
                    ));
                }
            };
            FlowTask::SubscriptionCancel {
                subscription,
                retention_coupon,
            }
        }
        "subscription_update" => FlowTask::SubscriptionUpdate {
            subscription: owned(Action::ChangePlan).await?,
        },
        "subscription_update_confirm" => {
            let subscription = owned(Action::ChangePlan).await?;
            let items = "flow_data[subscription_update_confirm][items][0]";
            let item = raw
                .item_id
                .ok_or_else(|| ApiError::missing(&format!("{items}[id]")))?;
            let price = raw
                .item_price
                .ok_or_else(|| ApiError::missing(&format!("{items}[price]")))?;
            let choices = actions::plan_choices(state, &session, &subscription)
                .await
                .map_err(|_| ApiError::unavailable())?;
            if !choices.subscription.lines.iter().any(|l| l.item_id == item) {
                return Err(ApiError::no_such(
                    "subscription item",
                    &format!("{items}[id]"),
                    &item,
                ));
            }
            if !choices
                .options
                .iter()
                .any(|o| o.price_id == price && !o.current)
            {
                return Err(ApiError::invalid(
                    None,
                    &format!("{items}[price]"),
                    format!(
                        "The price {price} is not one the portal configuration {} offers \
                         for this subscription.",
                        config.id
                    ),
                ));
            }
            FlowTask::SubscriptionUpdateConfirm {
                subscription,
                price,
            }
        }
        // `check_kind` has refused any other.
        _ => return Err(ApiError::missing("flow_data[type]")),
    };
    Ok(PortalFlow {
        task,
        after_completion,
        completed: false,
    })
}

/// Coupon ids are the merchant's own names; they end up in a page path's
/// query and a form, so only plain ones are taken.
fn looks_like_coupon(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
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

    #[test]
    fn nested_parameters_keep_their_brackets_and_first_wins() {
        let mut p = Params::parse(
            b"customer=cus_1&customer=cus_2&flow_data%5Btype%5D=subscription_cancel&locale=",
        );
        assert_eq!(p.take("customer").as_deref(), Some("cus_1"));
        assert_eq!(
            p.take("flow_data[type]").as_deref(),
            Some("subscription_cancel")
        );
        assert_eq!(p.take("locale"), None);
        assert!(p.refuse_leftovers().is_ok());
    }

    #[test]
    fn unknown_parameters_are_named() {
        let mut p = Params::parse(b"custmer=cus_1&expand%5B0%5D=flow");
        let err = p.refuse_leftovers().expect_err("typo");
        assert_eq!(err.param.as_deref(), Some("custmer"));
        assert_eq!(err.code, Some("parameter_unknown"));
    }

    #[test]
    fn flow_parameters_of_another_type_are_refused_not_ignored() {
        for (body, param) in [
            (
                "flow_data[type]=payment_method_update&flow_data[subscription_cancel][subscription]=sub_1",
                "flow_data[subscription_cancel][subscription]",
            ),
            (
                "flow_data[type]=subscription_update&flow_data[subscription_update][subscription]=sub_1\
                 &flow_data[subscription_cancel][retention][type]=coupon_offer",
                "flow_data[subscription_cancel][retention][type]",
            ),
            (
                "flow_data[type]=payment_method_update&flow_data[after_completion][type]=portal_homepage\
                 &flow_data[after_completion][hosted_confirmation][custom_message]=Hi",
                "flow_data[after_completion][hosted_confirmation][custom_message]",
            ),
            (
                "flow_data[type]=subscription_update_confirm\
                 &flow_data[subscription_update_confirm][subscription]=sub_1\
                 &flow_data[subscription_update_confirm][items][0][id]=si_1\
                 &flow_data[subscription_update_confirm][items][0][quantity]=2",
                "flow_data[subscription_update_confirm][items][0][quantity]",
            ),
        ] {
            let mut p = Params::parse(body.as_bytes());
            let raw = RawFlow::take(&mut p).expect("a flow");
            assert!(raw.kind.is_some());
            let err = p.refuse_leftovers().expect_err(body);
            assert_eq!(err.param.as_deref(), Some(param), "{body}");
        }
        let mut own = Params::parse(
            b"flow_data[type]=subscription_cancel&flow_data[subscription_cancel][subscription]=sub_1\
              &flow_data[subscription_cancel][retention][type]=coupon_offer\
              &flow_data[subscription_cancel][retention][coupon_offer][coupon]=STAY\
              &flow_data[after_completion][type]=redirect\
              &flow_data[after_completion][redirect][return_url]=https://shop.example/",
        );
        let raw = RawFlow::take(&mut own).expect("a flow");
        assert!(raw.check_kind().is_ok());
        assert_eq!(raw.subscription.as_deref(), Some("sub_1"));
        assert_eq!(raw.retention_coupon.as_deref(), Some("STAY"));
        assert_eq!(raw.redirect_url.as_deref(), Some("https://shop.example/"));
        assert!(own.refuse_leftovers().is_ok());
    }

    #[test]
    fn a_flow_names_its_type_first() {
        let mut untyped = Params::parse(b"flow_data[subscription_cancel][subscription]=sub_1");
        assert!(RawFlow::take(&mut untyped).is_none());
        assert!(untyped.has_flow_data());
        let mut typo = Params::parse(b"flow_data[type]=subscription_cancl");
        let err = RawFlow::take(&mut typo)
            .expect("a flow")
            .check_kind()
            .expect_err("unknown type");
        assert_eq!(err.param.as_deref(), Some("flow_data[type]"));
    }

    #[test]
    fn coupon_ids_are_plain() {
        assert!(looks_like_coupon("STAY-20_off"));
        assert!(!looks_like_coupon("a b"));
        assert!(!looks_like_coupon(""));
    }
}
