//! One storage story, run on SQLite and on PostgreSQL.
#![cfg(feature = "ssr")]

mod support;

use portico::portal_config::PortalConfig;
use portico::quantity_preset::QuantityPreset;
use portico::server::db::Db;
use portico::server::db::audit::AuditEntry;
use portico::server::db::sessions::NewSession;
use portico::server::session::expiry;
use support::{BACKENDS, fresh_database};

#[tokio::test]
async fn storage_story_passes_on_every_backend() {
    for backend in BACKENDS {
        let db = Db::connect(&fresh_database(backend).await)
            .await
            .expect("connect and migrate");

        // A first start creates one default configuration per mode, and a
        // second start keeps what the merchant changed.
        db.ensure_default_config(false).await.unwrap();
        let mut config = db
            .default_portal_config(false)
            .await
            .unwrap()
            .expect("default exists");
        assert_eq!(config.settings, PortalConfig::default(), "{backend:?}");
        config.settings.cancellation = false;
        db.update_portal_config(&config.id, &config.settings)
            .await
            .unwrap();
        db.ensure_default_config(false).await.unwrap();
        let reread = db.default_portal_config(false).await.unwrap().unwrap();
        assert!(
            !reread.settings.cancellation,
            "{backend:?}: restart must not reset toggles"
        );
        assert!(
            db.portal_config(&config.id, true).await.unwrap().is_none(),
            "{backend:?}: modes are apart"
        );

        // Sessions are found by token hash, touched, and swept when expired.
        let t0 = 1_800_000_000;
        let mut preset = QuantityPreset::default();
        preset.accept("quantity[seat]", "4");
        for (id, hash, created) in [
            ("ses_live", "hash_live", t0),
            ("ses_old", "hash_old", t0 - 3 * 3600),
        ] {
            db.insert_session(&NewSession {
                id,
                token_hash: hash,
                customer_id: "cus_1",
                configuration_id: &config.id,
                livemode: false,
                subscription_id: Some("sub_1"),
                created_at: created,
                quantity_preset: &preset,
            })
            .await
            .unwrap();
        }
        let session = db
            .session_by_token_hash("hash_live")
            .await
            .unwrap()
            .expect("found");
        assert_eq!(
            session.subscription_id.as_deref(),
            Some("sub_1"),
            "{backend:?}"
        );
        assert_eq!(session.last_used_at, None);
        assert_eq!(
            session.quantity_preset.for_unit("seat", 1, 100),
            Some(4),
            "{backend:?}: the link's quantity survives storage"
        );
        db.touch_session(&session, t0 + 60).await.unwrap();
        let touched = db
            .session_by_token_hash("hash_live")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(touched.last_used_at, Some(t0 + 60), "{backend:?}");
        assert!(db.session_by_token_hash("nope").await.unwrap().is_none());

        let removed = db.delete_expired_sessions(t0 + 120).await.unwrap();
        assert_eq!(removed, 1, "{backend:?}: only the old session is swept");
        assert!(
            db.session_by_token_hash("hash_live")
                .await
                .unwrap()
                .is_some()
        );
        assert!(expiry::is_live(
            touched.created_at,
            touched.last_used_at,
            t0 + 120
        ));

        // The audit log keeps entries per customer, newest first.
        for action in ["sign_in", "view"] {
            db.record_audit(&AuditEntry {
                occurred_at: t0,
                session_id: Some("ses_live"),
                customer_id: Some("cus_1"),
                action,
                subscription_id: None,
                outcome: "ok",
                detail: None,
            })
            .await
            .unwrap();
        }
        let audit = db.audit_for_customer("cus_1", 10).await.unwrap();
        assert_eq!(
            audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
            ["view", "sign_in"],
            "{backend:?}"
        );
    }
}
