//! The Stripe mirror: a warm page makes no Stripe call, a change made at
//! Stripe shows after its webhook, Portico's own changes show at once, and
//! events are verified, stored once, applied in any order, after a restart,
//! and across instances; `portico sync` repairs what events missed.

use std::collections::HashMap;
use std::time::Duration;

use portico::server::db::now;
use portico::server::db::webhook_events::ReceivedEvent;
use serde_json::json;
use stripe_webhook::Webhook;

use crate::support::{
    Backend, Seed, TestApp, WEBHOOK_SECRET, forget_stripe_calls, fresh_database, fresh_seed,
    mirrored_vars, register_webhook, remove_webhook, seed, stripe_calls, stripe_delete,
    stripe_post, stripe_requests, unique_suffix,
};

/// A Portico on `database` with the mirror kept by webhooks (none arrive
/// unless [`subscribed`] registers it).
async fn mirrored_app(database: &str) -> (TestApp, String) {
    let vars = mirrored_vars(database);
    let key = vars["STRIPE_SECRET_KEY"].clone();
    (TestApp::start_with(vars).await, key)
}

/// Registers the app's webhook endpoint with the emulator; returns its id.
async fn subscribed(app: &TestApp) -> String {
    register_webhook(&format!("{}/webhooks/stripe", app.base), WEBHOOK_SECRET).await
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> String {
    let response = app
        .get_with(path, &[("cookie", cookie), ("accept-language", "en")])
        .await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("body").replace("<!>", "")
}

/// Reloads `path` until `done` holds of it (a webhook is on its way).
async fn eventually(
    app: &TestApp,
    cookie: &str,
    path: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    for _ in 0..60 {
        let html = page(app, cookie, path).await;
        if done(&html) {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{path} never changed as expected");
}

fn signed(payload: &str, secret: &str, at: i64) -> String {
    Webhook::generate_test_header(payload, secret, Some(at))
}

async fn post_event(app: &TestApp, payload: &str, signature: Option<&str>) -> (u16, String) {
    let mut request = app
        .client
        .post(format!("{}/webhooks/stripe", app.base))
        .header("content-type", "application/json")
        .body(payload.to_string());
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    let response = request.send().await.expect("request");
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

/// A `customer.updated` event as Stripe sends it.
fn customer_event(customer: &str, name: &str, created: i64) -> String {
    json!({
        "id": format!("evt_{}", unique_suffix()), "object": "event", "api_version": "2025-09-30.clover",
        "created": created, "livemode": false, "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null}, "type": "customer.updated",
        "data": {"object": {"id": customer, "object": "customer", "name": name}}
    })
    .to_string()
}

async fn stored_events(app: &TestApp) -> Vec<(String, i64, Option<i64>)> {
    sqlx::query_as("SELECT id, attempts, processed_at FROM webhook_events ORDER BY received_at")
        .fetch_all(&app.state.db.pool)
        .await
        .expect("events")
}

async fn rename_at_stripe(customer: &str, name: &str) {
    let (status, body) = stripe_post(&format!("customers/{customer}"), &[("name", name)]).await;
    assert_eq!(status, 200, "{body}");
}

fn pages(seed: &Seed) -> Vec<String> {
    let ada = &seed.customers["ada"];
    let sub = &ada.subscriptions["pro_monthly"];
    vec![
        "/".to_string(),
        format!("/subscriptions/{sub}/plan"),
        format!("/subscriptions/{sub}/cancel"),
        format!("/invoices?subscription={sub}"),
        "/details".to_string(),
        "/payment-methods/new".to_string(),
    ]
}

#[tokio::test]
async fn a_warm_page_makes_no_stripe_call() {
    let seed = seed();
    let (app, key) = mirrored_app(&fresh_database(Backend::Sqlite).await).await;
    let cookie = app
        .sign_in(&app.sign_in_path("email", &seed.customers["ada"].email))
        .await;
    let mut cold = HashMap::new();
    for path in pages(&seed) {
        forget_stripe_calls(&key).await;
        page(&app, &cookie, &path).await;
        cold.insert(path, stripe_calls(&key).await);
    }
    // Counting works: a page Portico has never shown asks Stripe.
    assert!(cold["/"] >= 3, "cold home page: {cold:?}");
    for path in pages(&seed) {
        forget_stripe_calls(&key).await;
        page(&app, &cookie, &path).await;
        assert_eq!(
            stripe_calls(&key).await,
            0,
            "warm {path} asked Stripe: {}",
            stripe_requests(&key).await
        );
    }
    eprintln!("figures: stripe calls of a cold view {cold:?}, of a warm view 0");
}

#[tokio::test]
async fn a_change_made_at_stripe_shows_after_its_webhook() {
    let seed = fresh_seed("mirrorhook");
    let ada = &seed.customers["ada"];
    let (app, _) = mirrored_app(&fresh_database(Backend::Sqlite).await).await;
    let hook = subscribed(&app).await;
    let cookie = app.sign_in(&app.sign_in_path("email", &ada.email)).await;
    let sub = &ada.subscriptions["pro_monthly"];
    let home = page(&app, &cookie, "/").await;
    assert!(
        home.contains("Ada Lovelace") && home.contains(&format!("/subscriptions/{sub}/cancel"))
    );

    rename_at_stripe(&ada.id, "Ada King").await;
    eventually(&app, &cookie, "/", |html| html.contains("Ada King")).await;

    let (status, body) = stripe_delete(&format!("subscriptions/{sub}")).await;
    assert_eq!(status, 200, "{body}");
    eventually(&app, &cookie, "/", |html| {
        !html.contains(&format!("/subscriptions/{sub}/cancel"))
    })
    .await;
    remove_webhook(&hook).await;
}

#[tokio::test]
async fn forged_stale_and_unsigned_events_are_refused_and_change_nothing() {
    let (app, _) = mirrored_app(&fresh_database(Backend::Sqlite).await).await;
    let payload = customer_event("cus_forged", "Mallory", now());
    let cases = [
        ("unsigned", None),
        (
            "another secret",
            Some(signed(&payload, "whsec_attacker", now())),
        ),
        ("stale", Some(signed(&payload, WEBHOOK_SECRET, now() - 301))),
        ("garbled", Some("t=1,v1=zz".to_string())),
    ];
    for (case, signature) in cases {
        let (status, body) = post_event(&app, &payload, signature.as_deref()).await;
        assert_eq!(status, 400, "{case}: {body}");
    }
    // Signed, but altered on the way.
    let signature = signed(&payload, WEBHOOK_SECRET, now());
    let altered = payload.replace("Mallory", "Mallory2");
    assert_eq!(post_event(&app, &altered, Some(&signature)).await.0, 400);
    assert!(stored_events(&app).await.is_empty());
    // The same event properly signed is taken.
    assert_eq!(post_event(&app, &payload, Some(&signature)).await.0, 200);
    assert_eq!(stored_events(&app).await.len(), 1);
}

#[tokio::test]
async fn a_rolled_secret_keeps_both_secrets_working() {
    let mut vars = mirrored_vars(&fresh_database(Backend::Sqlite).await);
    vars.insert(
        "STRIPE_WEBHOOK_SECRET",
        format!("whsec_next_one,{WEBHOOK_SECRET}"),
    );
    let app = TestApp::start_with(vars).await;
    for secret in ["whsec_next_one", WEBHOOK_SECRET] {
        let payload = customer_event("cus_rolled", "Ada", now());
        let (status, body) =
            post_event(&app, &payload, Some(&signed(&payload, secret, now()))).await;
        assert_eq!(status, 200, "{secret}: {body}");
    }
}

#[tokio::test]
async fn a_duplicate_event_is_applied_once_and_an_older_one_does_not_regress_the_page() {
    let seed = fresh_seed("mirrordup");
    let ada = &seed.customers["ada"];
    let (app, key) = mirrored_app(&fresh_database(Backend::Sqlite).await).await;
    let cookie = app.sign_in(&app.sign_in_path("email", &ada.email)).await;
    page(&app, &cookie, "/").await;

    rename_at_stripe(&ada.id, "Ada Byron").await;
    let newer = customer_event(&ada.id, "Ada Byron", now());
    let signature = signed(&newer, WEBHOOK_SECRET, now());
    let (status, first) = post_event(&app, &newer, Some(&signature)).await;
    assert_eq!(status, 200);
    assert!(first.contains("\"duplicate\":false"), "{first}");
    let (status, again) = post_event(&app, &newer, Some(&signature)).await;
    assert_eq!(status, 200, "Stripe must stop redelivering");
    assert!(again.contains("\"duplicate\":true"), "{again}");
    eventually(&app, &cookie, "/", |html| html.contains("Ada Byron")).await;
    let events = stored_events(&app).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1, 1, "processed once");

    // An event from before the rename, delivered late, carries the old
    // name; the page keeps Stripe's current one.
    let older = customer_event(&ada.id, "Ada Lovelace", now() - 120);
    assert_eq!(
        post_event(&app, &older, Some(&signed(&older, WEBHOOK_SECRET, now())))
            .await
            .0,
        200
    );
    for _ in 0..40 {
        if stored_events(&app).await.iter().all(|e| e.2.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        stored_events(&app).await.iter().all(|e| e.2.is_some()),
        "both processed"
    );
    forget_stripe_calls(&key).await;
    let html = page(&app, &cookie, "/").await;
    assert!(html.contains("Ada Byron") && !html.contains("Ada Lovelace"));
    assert_eq!(stripe_calls(&key).await, 0, "the refreshed page is warm");
}

#[tokio::test]
async fn an_event_stored_before_a_restart_is_applied_after_it() {
    let seed = fresh_seed("mirrorrestart");
    let ada = &seed.customers["ada"];
    let database = fresh_database(Backend::Sqlite).await;
    // Before: no worker runs (no webhook secret), answers serve an hour.
    let mut before = mirrored_vars(&database);
    before.remove("STRIPE_WEBHOOK_SECRET");
    before.insert("PORTICO_CACHE_TTL", "3600".to_string());
    let key = before["STRIPE_SECRET_KEY"].clone();
    let first = TestApp::start_with(before).await;
    let cookie = first
        .sign_in(&first.sign_in_path("email", &ada.email))
        .await;
    page(&first, &cookie, "/").await;
    rename_at_stripe(&ada.id, "Ada Restarted").await;
    // The mirror serves its answer: the change is not seen yet.
    assert!(page(&first, &cookie, "/").await.contains("Ada Lovelace"));
    // The event was received (stored) and the process died before applying it.
    let payload = customer_event(&ada.id, "Ada Restarted", now());
    let event: serde_json::Value = serde_json::from_str(&payload).unwrap();
    first
        .state
        .db
        .store_event(
            &ReceivedEvent {
                id: event["id"].as_str().unwrap(),
                livemode: false,
                event_type: "customer.updated",
                created: now(),
                payload: &payload,
            },
            portico::server::db::now_ms(),
        )
        .await
        .expect("store");

    let mut after = mirrored_vars(&database);
    after.insert("STRIPE_SECRET_KEY", key);
    let restarted = TestApp::start_with(after).await;
    eventually(&restarted, &cookie, "/", |html| {
        html.contains("Ada Restarted")
    })
    .await;
}

#[tokio::test]
async fn two_instances_on_postgres_share_the_mirror_and_process_each_event_once() {
    let seed = fresh_seed("mirrorpg");
    let ada = &seed.customers["ada"];
    let database = fresh_database(Backend::Postgres).await;
    let (receiver, key) = mirrored_app(&database).await;
    let mut vars = mirrored_vars(&database);
    vars.insert("STRIPE_SECRET_KEY", key);
    let other = TestApp::start_with(vars).await;
    let hook = subscribed(&receiver).await;
    // Signed in and shown by the instance that receives no webhooks.
    let cookie = other
        .sign_in(&other.sign_in_path("email", &ada.email))
        .await;
    assert!(page(&other, &cookie, "/").await.contains("Ada Lovelace"));

    rename_at_stripe(&ada.id, "Ada on Postgres").await;
    eventually(&other, &cookie, "/", |html| {
        html.contains("Ada on Postgres")
    })
    .await;

    // The same delivery reaching both instances is stored and applied once.
    let payload = customer_event(&ada.id, "Ada on Postgres", now());
    let signature = signed(&payload, WEBHOOK_SECRET, now());
    let (a, b) = tokio::join!(
        post_event(&receiver, &payload, Some(&signature)),
        post_event(&other, &payload, Some(&signature))
    );
    assert_eq!((a.0, b.0), (200, 200));
    assert_eq!(
        [&a.1, &b.1]
            .iter()
            .filter(|r| r.contains("\"duplicate\":true"))
            .count(),
        1,
        "{a:?} {b:?}"
    );
    let id = serde_json::from_str::<serde_json::Value>(&payload).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..40 {
        let events = stored_events(&other).await;
        if let Some(event) = events.iter().find(|e| e.0 == id)
            && event.2.is_some()
        {
            assert_eq!(event.1, 1, "claimed by one instance only");
            remove_webhook(&hook).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("event {id} never processed");
}

#[tokio::test]
async fn portico_sync_repairs_a_mirror_that_missed_events() {
    let seed = fresh_seed("mirrorsync");
    let ada = &seed.customers["ada"];
    let database = fresh_database(Backend::Sqlite).await;
    let vars = mirrored_vars(&database);
    let app = TestApp::start_with(vars.clone()).await;
    let cookie = app.sign_in(&app.sign_in_path("email", &ada.email)).await;
    page(&app, &cookie, "/").await;
    // The endpoint is not registered: the event never comes.
    rename_at_stripe(&ada.id, "Ada Synced").await;
    assert!(page(&app, &cookie, "/").await.contains("Ada Lovelace"));

    let sync = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
            .arg("sync")
            .args(args)
            .env_clear()
            .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("run portico sync");
        assert!(
            output.status.success(),
            "portico sync {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let report = sync(&["--customer", &ada.id]);
    assert!(report.contains("0 failed"), "{report}");
    assert!(page(&app, &cookie, "/").await.contains("Ada Synced"));
    // Everything, twice: the second pass finds nothing to change.
    sync(&[]);
    sync(&[]);
    assert!(page(&app, &cookie, "/").await.contains("Ada Synced"));
}

#[tokio::test]
async fn a_customer_sees_their_own_change_on_the_next_page_before_any_webhook() {
    let seed = fresh_seed("mirrorryw");
    let ada = &seed.customers["ada"];
    let (app, _) = mirrored_app(&fresh_database(Backend::Sqlite).await).await;
    let cookie = app.sign_in(&app.sign_in_path("email", &ada.email)).await;
    let sub = &ada.subscriptions["pro_monthly"];
    let cancel_link = format!("/subscriptions/{sub}/cancel");
    assert!(page(&app, &cookie, "/").await.contains(&cancel_link));
    let (status, body) = app.as_customer(&cookie).cancel(sub, None).await;
    assert_eq!(status, 200, "{body}");
    // No webhook reaches this app: the page shows the change because the
    // change itself made the mirror stale.
    let html = page(&app, &cookie, "/").await;
    assert!(
        !html.contains(&cancel_link),
        "the canceled subscription still offers cancel"
    );
    assert!(stored_events(&app).await.is_empty());
}
