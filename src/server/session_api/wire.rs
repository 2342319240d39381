//! Stripe's wire format for `billing_portal.session` and for errors, so
//! Stripe's own SDKs read Portico's answers as they read Stripe's.

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::model::{AfterCompletion, FlowTask, PortalFlow};
use crate::server::db::sessions::SessionRow;

/// A refusal in Stripe's `{error: {type, code, message, param}}` shape.
#[derive(Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stripe's `type`: `invalid_request_error`, `api_error`.
    pub kind: &'static str,
    pub code: Option<&'static str>,
    pub message: String,
    pub param: Option<String>,
}

impl ApiError {
    /// A 400 about one parameter.
    pub fn invalid(code: Option<&'static str>, param: &str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            kind: "invalid_request_error",
            code,
            message: message.into(),
            param: Some(param.to_string()),
        }
    }

    pub fn missing(param: &str) -> Self {
        Self::invalid(
            Some("parameter_missing"),
            param,
            format!("Missing required param: {param}."),
        )
    }

    /// An id that names nothing this key may see.
    pub fn no_such(what: &str, param: &str, id: &str) -> Self {
        Self::invalid(
            Some("resource_missing"),
            param,
            format!("No such {what}: '{id}'"),
        )
    }

    /// No key, or a key that is unknown, revoked or of the other mode. The
    /// message never echoes the key.
    pub fn unauthorized(message: &str) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            kind: "invalid_request_error",
            code: None,
            message: message.to_string(),
            param: None,
        }
    }

    /// Portico or Stripe failed; nothing was created.
    pub fn unavailable() -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            kind: "api_error",
            code: None,
            message: "The portal session could not be created right now; please retry.".into(),
            param: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "type": self.kind,
                "code": self.code,
                "message": self.message,
                "param": self.param,
            }
        });
        (self.status, [(CACHE_CONTROL, "no-store")], Json(body)).into_response()
    }
}

/// The `billing_portal.session` object for a new session and its one-time
/// `url`.
pub fn session_json(row: &SessionRow, url: &str) -> Value {
    json!({
        "id": row.scope.public_id,
        "object": "billing_portal.session",
        "configuration": row.scope.configuration_id,
        "created": row.created_at,
        "customer": row.scope.customer_id,
        "flow": row.scope.flow.as_ref().map(flow_json),
        "livemode": row.livemode,
        "locale": row.scope.locale,
        "on_behalf_of": null,
        "return_url": row.scope.return_url,
        "url": url,
    })
}

/// Stripe's `flow` object: every kind's field present, all but one null.
fn flow_json(flow: &PortalFlow) -> Value {
    let after = match &flow.after_completion {
        AfterCompletion::PortalHomepage => json!({
            "type": "portal_homepage", "hosted_confirmation": null, "redirect": null,
        }),
        AfterCompletion::HostedConfirmation { custom_message } => json!({
            "type": "hosted_confirmation",
            "hosted_confirmation": { "custom_message": custom_message },
            "redirect": null,
        }),
        AfterCompletion::Redirect { return_url } => json!({
            "type": "redirect",
            "hosted_confirmation": null,
            "redirect": { "return_url": return_url },
        }),
    };
    let mut out = json!({
        "type": flow.task.kind().as_str(),
        "after_completion": after,
        "subscription_cancel": null,
        "subscription_update": null,
        "subscription_update_confirm": null,
    });
    let detail = match &flow.task {
        FlowTask::PaymentMethodUpdate => None,
        FlowTask::SubscriptionCancel {
            subscription,
            retention_coupon,
        } => Some(json!({
            "subscription": subscription,
            "retention": retention_coupon.as_ref().map(|coupon| json!({
                "type": "coupon_offer",
                "coupon_offer": { "coupon": coupon },
            })),
        })),
        FlowTask::SubscriptionUpdate { subscription } => {
            Some(json!({ "subscription": subscription }))
        }
        FlowTask::SubscriptionUpdateConfirm {
            subscription,
            price,
        } => Some(json!({
            "subscription": subscription,
            "items": [{ "price": price }],
            "discounts": [],
        })),
    };
    if let Some(detail) = detail {
        out[flow.task.kind().as_str()] = detail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_stripes_shape() {
        let response = ApiError::missing("customer").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn flow_names_its_kind_and_nulls_the_others() {
        let flow = PortalFlow {
            task: FlowTask::SubscriptionCancel {
                subscription: "sub_1".into(),
                retention_coupon: Some("STAY".into()),
            },
            after_completion: AfterCompletion::Redirect {
                return_url: "https://shop.example/".into(),
            },
            completed: false,
            finished_by: None,
        };
        let json = flow_json(&flow);
        assert_eq!(json["type"], "subscription_cancel");
        assert_eq!(json["subscription_cancel"]["subscription"], "sub_1");
        assert_eq!(
            json["subscription_cancel"]["retention"]["coupon_offer"]["coupon"],
            "STAY"
        );
        assert!(json["subscription_update"].is_null());
        assert_eq!(json["after_completion"]["type"], "redirect");
        assert_eq!(
            json["after_completion"]["redirect"]["return_url"],
            "https://shop.example/"
        );
        assert!(json["after_completion"]["hosted_confirmation"].is_null());
    }
}
