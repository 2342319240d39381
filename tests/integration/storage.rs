//! One storage story, run on SQLite and on PostgreSQL.

use crate::support::{BACKENDS, fresh_database};
use portico::model::{AfterCompletion, FlowTask, PortalFlow};
use portico::portal_config::PortalConfig;
use portico::quantity_preset::QuantityPreset;
use portico::server::db::Db;
use portico::server::db::audit::AuditEntry;
use portico::server::db::login_links::LoginLinkRow;
use portico::server::db::mail_outbox::OutboxMessage;
use portico::server::db::sessions::SessionRow;
use portico::server::session::{SessionScope, expiry};

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
            let row = SessionRow {
                id: id.into(),
                livemode: false,
                created_at: created,
                last_used_at: None,
                last_event: None,
                scope: SessionScope {
                    customer_id: "cus_1".into(),
                    configuration_id: config.id.clone(),
                    subscription_id: Some("sub_1".into()),
                    quantity_preset: preset.clone(),
                    service: Some("team".into()),
                    embed_origin: Some("https://shop.example".into()),
                    ..SessionScope::default()
                },
            };
            db.insert_session(&row, hash, None).await.unwrap();
        }
        let session = db
            .session_by_token_hash("hash_live")
            .await
            .unwrap()
            .expect("found");
        assert_eq!(
            session.scope.subscription_id.as_deref(),
            Some("sub_1"),
            "{backend:?}"
        );
        assert_eq!(session.last_used_at, None);
        assert_eq!(session.scope.service.as_deref(), Some("team"));
        assert_eq!(
            session.scope.embed_origin.as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            session.scope.quantity_preset.for_unit("seat", 1, 100),
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

        // An API session starts from a one-time link: its flow and return
        // URL survive storage, and the link can be claimed once.
        let flow = PortalFlow {
            task: FlowTask::SubscriptionCancel {
                subscription: "sub_1".into(),
                retention_coupon: Some("STAY".into()),
            },
            after_completion: AfterCompletion::Redirect {
                return_url: "https://shop.example/done".into(),
            },
            completed: false,
            finished_by: None,
        };
        let api_row = SessionRow {
            id: "ses_api".into(),
            livemode: false,
            created_at: t0,
            last_used_at: None,
            last_event: None,
            scope: SessionScope {
                customer_id: "cus_1".into(),
                configuration_id: config.id.clone(),
                public_id: Some("bps_1".into()),
                return_url: Some("https://shop.example/account".into()),
                locale: Some("de".into()),
                flow: Some(flow.clone()),
                ..SessionScope::default()
            },
        };
        db.insert_session(&api_row, "hash_unheld", Some("hash_link"))
            .await
            .unwrap();
        let api = db
            .session_by_link_hash("hash_link")
            .await
            .unwrap()
            .expect("found by link");
        assert_eq!(api.scope.flow.as_ref(), Some(&flow), "{backend:?}");
        assert_eq!(
            api.scope.return_url.as_deref(),
            Some("https://shop.example/account")
        );
        assert_eq!(api.scope.public_id.as_deref(), Some("bps_1"));
        assert!(db.claim_link(&api, "hash_cookie", t0 + 10).await.unwrap());
        assert!(
            !db.claim_link(&api, "hash_again", t0 + 11).await.unwrap(),
            "{backend:?}: a link is claimed once"
        );
        let claimed = db
            .session_by_token_hash("hash_cookie")
            .await
            .unwrap()
            .expect("the cookie finds it");
        assert_eq!(claimed.last_used_at, Some(t0 + 10));
        let mut done = flow.clone();
        done.completed = true;
        db.update_session_flow("ses_api", &done).await.unwrap();
        let reread = db.session_by_link_hash("hash_link").await.unwrap().unwrap();
        assert!(reread.scope.flow.expect("flow").completed, "{backend:?}");

        // Email sign-in links are found by hash and used once, in time.
        let link = LoginLinkRow {
            id: "mll_1".into(),
            customer_id: "cus_1".into(),
            configuration_id: config.id.clone(),
            livemode: false,
            created_at: t0,
            expires_at: t0 + 600,
            used_at: None,
            recipient_hint: "a•••@example.com".into(),
        };
        db.insert_login_link(&link, "hash_mail").await.unwrap();
        assert_eq!(
            db.login_link_by_hash("hash_mail").await.unwrap().as_ref(),
            Some(&link),
            "{backend:?}"
        );
        assert!(
            !db.use_login_link(&link, t0 + 600).await.unwrap(),
            "{backend:?}: not after 10 minutes"
        );
        assert!(db.use_login_link(&link, t0 + 599).await.unwrap());
        assert!(
            !db.use_login_link(&link, t0 + 599).await.unwrap(),
            "{backend:?}: once"
        );
        assert_eq!(
            db.login_link_by_hash("hash_mail")
                .await
                .unwrap()
                .unwrap()
                .used_at,
            Some(t0 + 599)
        );
        assert_eq!(db.delete_expired_login_links(t0 + 601).await.unwrap(), 1);

        // Rate-limit windows count hits, each window on its own.
        for expected in 1..=3 {
            assert_eq!(db.hit_rate_limit("bucket", t0).await.unwrap(), expected);
        }
        assert_eq!(db.hit_rate_limit("bucket", t0 + 3600).await.unwrap(), 1);
        assert_eq!(db.hit_rate_limit("other", t0).await.unwrap(), 1);
        assert_eq!(db.delete_old_rate_limits(t0 + 1).await.unwrap(), 2);

        // The development outbox keeps messages per recipient.
        db.insert_outbox_message(&OutboxMessage {
            id: "msg_1".into(),
            created_at: t0,
            recipient: "ada@example.com".into(),
            subject: "Your sign-in link".into(),
            body: "https://billing.example/login/confirm?token=pmail_x".into(),
        })
        .await
        .unwrap();
        let kept = db.outbox_for("ada@example.com").await.unwrap();
        assert_eq!(kept.len(), 1, "{backend:?}");
        assert_eq!(kept[0].subject, "Your sign-in link");
        assert!(db.outbox_for("bob@example.com").await.unwrap().is_empty());

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
