//! The form parameters of `POST /v1/billing_portal/sessions`, as Stripe
//! names and encodes them (`flow_data[subscription_cancel][subscription]=…`):
//! decoding, taking the flow's own, and refusing any parameter left over.

use std::collections::BTreeMap;

use super::wire::ApiError;
use crate::model::FlowKind;

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

    pub fn take(&mut self, key: &str) -> Option<String> {
        self.0.remove(key)
    }

    pub fn has_flow_data(&self) -> bool {
        self.0.keys().any(|k| k.starts_with("flow_data["))
    }

    /// Refuses parameters Portico does not know, as Stripe does, so a typo
    /// is not silently ignored.
    pub fn refuse_leftovers(&mut self) -> Result<(), ApiError> {
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
pub struct RawFlow {
    pub kind: Option<String>,
    pub after: Option<String>,
    pub custom_message: Option<String>,
    pub redirect_url: Option<String>,
    pub subscription: Option<String>,
    pub retention_type: Option<String>,
    pub retention_coupon: Option<String>,
    pub item_id: Option<String>,
    pub item_price: Option<String>,
}

impl RawFlow {
    pub fn take(params: &mut Params) -> Option<Self> {
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

    /// The flow's type; refuses a flow without one, or of a type Portico
    /// does not know.
    pub fn kind(&self) -> Result<FlowKind, ApiError> {
        match self.kind.as_deref() {
            None => Err(ApiError::missing("flow_data[type]")),
            Some(name) => FlowKind::parse(name).ok_or_else(|| {
                let names: Vec<&str> = FlowKind::ALL.iter().map(|k| k.as_str()).collect();
                ApiError::invalid(
                    None,
                    "flow_data[type]",
                    format!("Invalid flow type: {name}. Use {}.", names.join(", ")),
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(raw.kind().is_ok());
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
            .kind()
            .expect_err("unknown type");
        assert_eq!(err.param.as_deref(), Some("flow_data[type]"));
    }
}
