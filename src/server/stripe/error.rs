//! How a Stripe call failed, reduced to what Portico acts on.

use stripe::{ApiErrorsCode, StripeError};

use crate::error::PortalError;
use crate::model::DetailField;

/// A failed Stripe call.
#[derive(Debug, thiserror::Error)]
pub enum StripeApiError {
    /// The object does not exist (404 / `resource_missing`).
    #[error("not found at Stripe")]
    NotFound,
    /// Stripe refused the request with an API error.
    #[error("Stripe refused the request ({status}): {code:?} {message:?}")]
    Refused {
        status: u16,
        code: Option<String>,
        message: Option<String>,
        param: Option<String>,
    },
    /// Stripe could not be reached, timed out, or answered something that is
    /// not a Stripe response (an outage page, a 500 with text/plain body).
    #[error("Stripe unavailable: {0}")]
    Unavailable(String),
}

impl From<StripeError> for StripeApiError {
    fn from(e: StripeError) -> Self {
        match e {
            StripeError::Stripe(api, status)
                if status == 404 || api.code == Some(ApiErrorsCode::ResourceMissing) =>
            {
                Self::NotFound
            }
            StripeError::Stripe(api, status) => Self::Refused {
                status,
                code: api.code.as_ref().map(|c| c.as_str().to_owned()),
                message: api.message.clone(),
                param: api.param.clone(),
            },
            StripeError::Timeout => Self::Unavailable("timed out".into()),
            StripeError::ClientError(m) => Self::Unavailable(format!("transport: {m}")),
            // async-stripe reports an unparsable body (HTML error page, text/plain
            // 500, a shape it does not know) as a deserialisation failure.
            StripeError::JSONDeserialize(m) => {
                Self::Unavailable(format!("unreadable response: {m}"))
            }
            StripeError::ConfigError(m) => Self::Unavailable(format!("client configuration: {m}")),
        }
    }
}

impl StripeApiError {
    /// Turns "not found" into `Ok(None)` for look-ups.
    pub fn none_if_missing<T>(self) -> Result<Option<T>, Self> {
        match self {
            Self::NotFound => Ok(None),
            other => Err(other),
        }
    }

    /// The customer-facing error, logging the cause once here.
    pub fn into_portal_error(self, not_found: PortalError) -> PortalError {
        match self {
            Self::NotFound => not_found,
            Self::Refused {
                status,
                code,
                message,
                ..
            } => {
                tracing::warn!(stripe.status = status, stripe.code = ?code, stripe.message = ?message, "Stripe refused a request");
                if (400..500).contains(&status) {
                    PortalError::InvalidInput
                } else {
                    PortalError::BillingUnavailable
                }
            }
            Self::Unavailable(cause) => {
                tracing::error!(stripe.cause = %cause, "Stripe unavailable");
                PortalError::BillingUnavailable
            }
        }
    }

    /// The customer-facing error of a failed write (or of a read on the way
    /// to one): a write already in flight, a card that was declined or
    /// needs authentication, otherwise as `into_portal_error`.
    pub fn into_write_error(self) -> PortalError {
        match self {
            // A concurrent request with the same Idempotency-Key is in flight.
            Self::Refused { status: 409, .. } => PortalError::InProgress,
            // The card was declined or needs authentication (error_if_incomplete).
            Self::Refused { status: 402, .. } => PortalError::PaymentFailed,
            other => other.into_portal_error(PortalError::SubscriptionNotFound),
        }
    }

    /// A write that applies a coupon: Stripe refuses coupons that do not
    /// apply to the subscription with a 400.
    pub fn into_coupon_error(self) -> PortalError {
        match self {
            Self::Refused { status: 400, .. } => PortalError::CouponInvalid,
            other => other.into_write_error(),
        }
    }

    /// A write of billing details: Stripe's own checks name the field they
    /// refused, and the customer reads which one to fix.
    pub fn into_details_error(self) -> PortalError {
        let field = match &self {
            Self::Refused { code, param, .. } => match (code.as_deref(), param.as_deref()) {
                (Some("tax_id_invalid"), _) | (_, Some("value" | "type")) => {
                    Some(DetailField::TaxId)
                }
                (Some("email_invalid"), _) | (_, Some("email")) => Some(DetailField::Email),
                (_, Some("phone")) => Some(DetailField::Phone),
                (_, Some(p)) if p.starts_with("address[country]") => Some(DetailField::Country),
                (_, Some(p)) if p.starts_with("address[postal_code]") => {
                    Some(DetailField::PostalCode)
                }
                _ => None,
            },
            _ => None,
        };
        match field {
            Some(field) => PortalError::InvalidDetail(field),
            None => self.into_write_error(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, code: Option<&str>, param: Option<&str>) -> StripeApiError {
        StripeApiError::Refused {
            status,
            code: code.map(str::to_string),
            message: None,
            param: param.map(str::to_string),
        }
    }

    #[test]
    fn write_errors_tell_the_customer_what_happened() {
        let rows = [
            (refused(409, None, None), PortalError::InProgress),
            (
                refused(402, Some("card_declined"), None),
                PortalError::PaymentFailed,
            ),
            (refused(400, None, None), PortalError::InvalidInput),
            (refused(500, None, None), PortalError::BillingUnavailable),
            (StripeApiError::NotFound, PortalError::SubscriptionNotFound),
            (
                StripeApiError::Unavailable("timed out".into()),
                PortalError::BillingUnavailable,
            ),
        ];
        for (error, expected) in rows {
            assert_eq!(error.into_write_error(), expected);
        }
        assert_eq!(
            refused(400, Some("coupon_expired"), None).into_coupon_error(),
            PortalError::CouponInvalid
        );
        assert_eq!(
            refused(402, None, None).into_coupon_error(),
            PortalError::PaymentFailed
        );
    }

    #[test]
    fn details_errors_name_the_field_stripe_refused() {
        let rows = [
            (
                refused(400, Some("tax_id_invalid"), None),
                Some(DetailField::TaxId),
            ),
            (refused(400, None, Some("value")), Some(DetailField::TaxId)),
            (
                refused(400, Some("email_invalid"), None),
                Some(DetailField::Email),
            ),
            (refused(400, None, Some("phone")), Some(DetailField::Phone)),
            (
                refused(400, None, Some("address[country]")),
                Some(DetailField::Country),
            ),
            (
                refused(400, None, Some("address[postal_code]")),
                Some(DetailField::PostalCode),
            ),
            (refused(400, None, Some("name")), None),
        ];
        for (error, field) in rows {
            let expected = field.map_or(PortalError::InvalidInput, PortalError::InvalidDetail);
            assert_eq!(error.into_details_error(), expected);
        }
    }
}
