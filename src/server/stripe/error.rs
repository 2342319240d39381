//! How a Stripe call failed, reduced to what Portico acts on.

use stripe::{ApiErrorsCode, StripeError};

use crate::error::PortalError;

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
}
