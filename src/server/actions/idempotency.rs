//! Idempotency-Keys for Stripe writes. The same customer, action, target,
//! parameters, prior state and form nonce give the same key (a double
//! submit makes one change); anything else a new one. The prior state keeps
//! a repeated action (quantity 6 → 7 → 6 → 7) from replaying an earlier
//! answer.

use sha2::{Digest, Sha256};

use super::guard::FormNonce;
use crate::error::PortalError;
use crate::server::session::PortalSession;
use crate::server::state::AppState;

/// The key for `purpose` (an event's name, or another write's) on `target`.
pub fn key(
    session: &PortalSession,
    purpose: &str,
    target: &str,
    params: &[&str],
    nonce: &FormNonce,
) -> String {
    let mut hash = Sha256::new();
    let fixed = [
        session.row.scope.customer_id.as_str(),
        purpose,
        target,
        nonce.as_str(),
    ];
    for part in fixed.into_iter().chain(params.iter().copied()) {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    format!("portico-{}", &hex::encode(hash.finalize())[..48])
}

/// The version of what `purpose` acts on, for its key's parameters: the
/// customer's latest other change to `subscription` (or, with `None`, to
/// no subscription, such as cards) as Portico recorded it. With it, a form
/// replayed after the state moved on (cancel, keep, then the old cancel
/// form again from the Back button) is a new request at Stripe, not a
/// replay of the first answer, while a double submit stays one.
pub async fn version(
    state: &AppState,
    session: &PortalSession,
    purpose: &str,
    subscription: Option<&str>,
    detail: Option<&str>,
) -> Result<String, PortalError> {
    let last = state
        .db
        .last_other_change(
            &session.row.scope.customer_id,
            purpose,
            subscription,
            detail,
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the audit log");
            PortalError::Unavailable
        })?;
    Ok(last.map(|id| id.to_string()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal_config::PortalConfig;
    use crate::server::db::sessions::SessionRow;
    use crate::server::session::SessionScope;

    fn session(customer: &str) -> PortalSession {
        PortalSession {
            row: SessionRow {
                id: "ses_1".into(),
                scope: SessionScope {
                    customer_id: customer.into(),
                    configuration_id: "pcfg".into(),
                    ..SessionScope::default()
                },
                ..SessionRow::default()
            },
            config: PortalConfig::default(),
        }
    }

    fn nonce(value: &str) -> FormNonce {
        FormNonce::parse(value).expect("nonce")
    }

    #[test]
    fn double_submit_reuses_the_key_and_anything_else_changes_it() {
        let s = session("cus_1");
        let n = nonce("nonce-0123456789abcdef");
        let k = key(&s, "cancel", "sub_1", &[], &n);
        assert_eq!(k, key(&s, "cancel", "sub_1", &[], &n));
        assert!(k.starts_with("portico-") && k.len() <= 255);
        let other = nonce("nonce-other-000000000");
        assert_ne!(k, key(&s, "cancel", "sub_1", &[], &other));
        assert_ne!(k, key(&s, "reactivate", "sub_1", &[], &n));
        assert_ne!(k, key(&s, "cancel", "sub_2", &[], &n));
        assert_ne!(k, key(&session("cus_2"), "cancel", "sub_1", &[], &n));
        let q3 = key(&s, "update_quantity", "sub_1", &["3"], &n);
        assert_ne!(q3, key(&s, "update_quantity", "sub_1", &["4"], &n));
    }
}
