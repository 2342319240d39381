//! Idempotency-Keys for Stripe writes. The same customer, action, target,
//! parameters, prior state and form nonce give the same key (a double
//! submit makes one change); anything else a new one. The prior state keeps
//! a repeated action (quantity 6 → 7 → 6 → 7) from replaying an earlier
//! answer.

use sha2::{Digest, Sha256};

use super::guard::FormNonce;
use crate::server::session::PortalSession;

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
