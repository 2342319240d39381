//! The Stripe-compatible portal session API: keys, Stripe's shapes, the
//! one-time link, return URLs and deep-linked flows, against the emulator.

use portico::api::Endpoint;
use portico::server::session_api::api_key;
use serde_json::Value;

use crate::support::{
    BACKENDS, Backend, TestApp, confirm_in_browser, customer, fresh_seed, new_card, nonce, seed,
    stripe_get, stripe_post, subscription,
};

const SHOP: &str = "https://shop.example";

/// An app whose configuration allows the shop's origin, and a test key.
async fn merchant(backend: Backend) -> (TestApp, String) {
    let app = TestApp::start(backend).await;
    app.configure(|c| c.allowed_origins = vec![SHOP.into()])
        .await;
    let (_, key) = api_key::create(&app.state.db, false, Some("tests"))
        .await
        .expect("key");
    (app, key)
}

/// Posts to the session API with `authorization`; returns status and JSON.
async fn create(app: &TestApp, authorization: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = app
        .post_page(
            "/v1/billing_portal/sessions",
            form,
            &[("authorization", authorization)],
        )
        .await;
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).expect("json"))
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// The link's path (`/session/plink_…`) from a session's `url`, which is
/// on the public URL (the test app's names port 0).
fn link_path(session: &Value) -> String {
    let url = session["url"].as_str().expect("url");
    let at = url.find("/session/").expect("a session link");
    url[at..].to_string()
}

fn cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .collect()
}

/// Follows a session's one-time link; returns where it leads and the
/// session cookie it sets.
async fn follow(app: &TestApp, session: &Value) -> (String, String) {
    let response = app.get(&link_path(session)).await;
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let cookie = cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("portico_session="))
        .expect("a session cookie");
    (location, cookie)
}

/// A form body as name/value pairs.
type Form<'a> = Vec<(&'a str, &'a str)>;

#[tokio::test]
async fn a_session_link_opens_the_portal_once() {
    let ada = seed().customers["ada"].clone();
    for backend in BACKENDS {
        let (app, key) = merchant(backend).await;
        let return_url = format!("{SHOP}/account");
        let (status, session) = create(
            &app,
            &bearer(&key),
            &[
                ("customer", &ada.id),
                ("return_url", &return_url),
                ("locale", "de"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {session}");
        assert!(session["id"].as_str().unwrap().starts_with("bps_"));
        assert_eq!(session["object"], "billing_portal.session");
        assert_eq!(session["customer"], ada.id.as_str());
        assert_eq!(session["configuration"], "pcfg_default_test");
        assert_eq!(session["livemode"], false);
        assert_eq!(session["locale"], "de");
        assert_eq!(session["return_url"], return_url.as_str());
        assert!(session["flow"].is_null());
        let created = session["created"].as_i64().expect("created");
        assert!((portico::server::db::now() - created).abs() < 60);
        let path = link_path(&session);
        assert!(path.starts_with("/session/plink_"), "{path}");

        // Following it sets the session cookie and the merchant's locale,
        // and leaves the token out of the address.
        let response = app.get(&path).await;
        assert_eq!(response.status(), 303, "{backend:?}");
        assert_eq!(response.headers()["location"], "/");
        let set = cookies(&response);
        let session_cookie = set
            .iter()
            .find(|c| c.starts_with("portico_session=pses_"))
            .expect("session cookie")
            .clone();
        assert!(set.contains(&"i18n_pref_locale=de".to_string()), "{set:?}");

        let (status, html) = app.portal_page(&session_cookie, "en").await;
        assert_eq!(status, 200, "{backend:?}");
        assert!(html.contains("Pro"), "{backend:?}: the customer's plans");
        assert!(
            html.contains(&format!("href=\"{return_url}\"")) && html.contains("shop.example"),
            "{backend:?}: the way back to the merchant"
        );

        // A second use is refused, with the way back.
        let again = app.get(&path).await;
        assert_eq!(again.status(), 410, "{backend:?}");
        assert!(cookies(&again).is_empty());
        let page = again.text().await.unwrap();
        assert!(page.contains("LinkExpired"), "{backend:?}");
        assert!(page.contains(&format!("href=\"{return_url}\"")));

        assert_eq!(
            app.audit_count(&ada.id, "create_portal_session", "ok")
                .await,
            1
        );
        assert_eq!(app.audit_count(&ada.id, "sign_in", "ok").await, 1);
    }
}

#[tokio::test]
async fn an_unused_link_expires_after_five_minutes() {
    let ada = seed().customers["ada"].clone();
    let (app, key) = merchant(Backend::Sqlite).await;
    let return_url = format!("{SHOP}/account");
    let (_, session) = create(
        &app,
        &bearer(&key),
        &[("customer", &ada.id), ("return_url", &return_url)],
    )
    .await;
    // Opened a quarter of an hour late, after the database was swept: the
    // page still knows where the customer came from.
    sqlx::query(
        "UPDATE portal_sessions SET created_at = created_at - 900, expires_at = expires_at - 900",
    )
    .execute(&app.state.db.pool)
    .await
    .expect("age the session");
    portico::server::app::sweep(&app.state.db, portico::server::db::now()).await;
    let response = app.get(&link_path(&session)).await;
    assert_eq!(response.status(), 410);
    assert!(cookies(&response).is_empty());
    let page = response.text().await.unwrap();
    assert!(page.contains("expired"), "a clear message");
    assert!(page.contains(&format!("href=\"{return_url}\"")));

    // An altered or unknown link reads the same, without a way back to offer.
    let response = app.get("/session/plink_forged").await;
    assert_eq!(response.status(), 410);
    assert!(response.text().await.unwrap().contains("LinkExpired"));
}

#[tokio::test]
async fn refusals_have_stripes_shape_and_create_nothing() {
    let seed = seed();
    let ada = &seed.customers["ada"];
    let yuki_sub = seed.customers["yuki"].subscriptions["pro_monthly_jpy"].clone();
    for backend in BACKENDS {
        let (app, key) = merchant(backend).await;
        let ok = bearer(&key);
        let (revoked_row, revoked) = api_key::create(&app.state.db, false, None).await.unwrap();
        app.state
            .db
            .revoke_api_key(&revoked_row.id, portico::server::db::now())
            .await
            .unwrap();
        let (_, live) = api_key::create(&app.state.db, true, None).await.unwrap();
        let customer = [("customer", ada.id.as_str())];

        for (authorization, why) in [
            (String::new(), "no key"),
            (bearer("portico_sk_test_nope"), "unknown key"),
            (bearer(&revoked), "revoked key"),
            (bearer(&live), "live key on a test-mode Portico"),
            (bearer("sk_test_portico_local"), "a Stripe key"),
        ] {
            let (status, body) = create(&app, &authorization, &customer).await;
            assert_eq!(status, 401, "{backend:?}: {why}: {body}");
            assert_eq!(body["error"]["type"], "invalid_request_error", "{why}");
            assert!(
                !body.to_string().contains("portico_sk_"),
                "{why}: the key is never echoed"
            );
        }

        let foreign = "https://evil.example/";
        // (form, the param Stripe's error names, its code)
        let cases: Vec<(Form, &str, &str)> = vec![
            (vec![], "customer", "parameter_missing"),
            (
                vec![("customer", "cus_doesnotexist")],
                "customer",
                "resource_missing",
            ),
            (
                vec![("customer", &ada.id), ("custmer", "x")],
                "custmer",
                "parameter_unknown",
            ),
            (
                vec![("customer", &ada.id), ("return_url", foreign)],
                "return_url",
                "url_invalid",
            ),
            (
                vec![("customer", &ada.id), ("configuration", "pcfg_nope")],
                "configuration",
                "resource_missing",
            ),
            (
                vec![
                    ("customer", &ada.id),
                    ("flow_data[type]", "subscription_cancel"),
                    ("flow_data[subscription_cancel][subscription]", &yuki_sub),
                ],
                "flow_data[subscription_cancel][subscription]",
                "resource_missing",
            ),
            (
                vec![
                    ("customer", &ada.id),
                    ("flow_data[type]", "payment_method_update"),
                    ("flow_data[after_completion][type]", "redirect"),
                    ("flow_data[after_completion][redirect][return_url]", foreign),
                ],
                "flow_data[after_completion][redirect][return_url]",
                "url_invalid",
            ),
        ];
        for (form, param, code) in cases {
            let (status, body) = create(&app, &ok, &form).await;
            assert_eq!(status, 400, "{backend:?}: {form:?}: {body}");
            assert_eq!(body["error"]["type"], "invalid_request_error");
            assert_eq!(body["error"]["param"], param, "{form:?}");
            assert_eq!(body["error"]["code"], code, "{form:?}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
        let (status, body) = create(&app, &ok, &[("customer", &ada.id), ("locale", "xx")]).await;
        assert_eq!(
            (status, body["error"]["param"].as_str()),
            (400, Some("locale"))
        );

        assert_eq!(app.session_count().await, 0, "{backend:?}: nothing created");
    }
}

#[tokio::test]
async fn a_cancel_flow_offers_the_coupon_stays_on_its_page_and_returns_to_the_merchant() {
    let seed = fresh_seed("flow");
    let ada = &seed.customers["ada"];
    let pro = ada.subscriptions["pro_monthly"].clone();
    let seats = ada.subscriptions["seats"].clone();
    let (app, key) = merchant(Backend::Sqlite).await;
    let done = format!("{SHOP}/done");
    let flow = |sub: &str| {
        vec![
            ("customer".to_string(), ada.id.clone()),
            ("flow_data[type]".into(), "subscription_cancel".into()),
            (
                "flow_data[subscription_cancel][subscription]".into(),
                sub.to_string(),
            ),
            (
                "flow_data[subscription_cancel][retention][type]".into(),
                "coupon_offer".into(),
            ),
            (
                "flow_data[subscription_cancel][retention][coupon_offer][coupon]".into(),
                "SPRING25-COUPON".into(),
            ),
            (
                "flow_data[after_completion][type]".into(),
                "redirect".into(),
            ),
            (
                "flow_data[after_completion][redirect][return_url]".into(),
                done.clone(),
            ),
        ]
    };
    let form = flow(&pro);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, session) = create(&app, &bearer(&key), &form).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["flow"]["type"], "subscription_cancel");
    assert_eq!(
        session["flow"]["subscription_cancel"]["retention"]["coupon_offer"]["coupon"],
        "SPRING25-COUPON"
    );
    assert_eq!(
        session["flow"]["after_completion"]["redirect"]["return_url"],
        done.as_str()
    );

    let (location, cookie) = follow(&app, &session).await;
    let cancel_page = format!("/subscriptions/{pro}/cancel");
    assert_eq!(location, cancel_page);

    // Only the flow's page: home and other pages lead back to it, however
    // their address is spelt (the router renders `/invoices/` as invoices).
    for elsewhere in [
        "/",
        "/invoices",
        &format!("/subscriptions/{seats}/cancel"),
        "/invoices/",
        "/details//",
        &format!("/subscriptions/{seats}/cancel/"),
        "/no-such-page",
    ] {
        let response = app.get_with(elsewhere, &[("cookie", &cookie)]).await;
        assert_eq!(response.status(), 303, "{elsewhere}");
        assert_eq!(
            response.headers()["location"],
            cancel_page.as_str(),
            "{elsewhere}"
        );
    }
    let page = app
        .get_with(&cancel_page, &[("cookie", &cookie)])
        .await
        .text()
        .await
        .unwrap()
        .replace("<!>", "");
    assert!(
        page.contains("25% off"),
        "the offer is shown before confirming"
    );

    // Nor can its server functions be called outside the flow, by hand or
    // by a form: another subscription is not found, another task is not
    // allowed, and nothing changes.
    let browser = app.as_customer(&cookie);
    let (status, _) = browser.with_nonce(nonce(2)).cancel(&seats, None).await;
    assert_eq!(status, 404, "another subscription in a cancel flow");
    for (function, (status, body)) in [
        (
            Endpoint::UpdateQuantity,
            browser
                .with_nonce(nonce(3))
                .update_quantity(&pro, "2")
                .await,
        ),
        (
            Endpoint::UpdateDetails,
            browser
                .with_nonce(nonce(4))
                .update_details(&[("form[name]", "Mallory")])
                .await,
        ),
        (Endpoint::GetInvoices, browser.invoices(&[]).await),
    ] {
        let function = function.name();
        assert_eq!(status, 403, "{function}: {body}");
    }
    let untouched = subscription(&seats).await;
    assert_eq!(untouched["cancel_at_period_end"], false);
    assert_eq!(untouched["items"]["data"][0]["quantity"], 5);
    assert_ne!(
        stripe_get(&format!("customers/{}", ada.id)).await["name"],
        "Mallory"
    );

    // Confirming the cancel finishes the flow and returns to the merchant.
    let (status, location) = browser.js_off().cancel(&pro, None).await;
    assert_eq!((status, location.as_str()), (302, done.as_str()));
    let sub = subscription(&pro).await;
    assert_eq!(sub["cancel_at_period_end"], true);
    assert!(
        sub["discounts"].as_array().is_none_or(|d| d.is_empty()),
        "the offer was declined"
    );

    // A second flow on the other subscription: taking the offer applies the
    // merchant's coupon instead and finishes the flow the same way.
    let form = flow(&seats);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (_, session) = create(&app, &bearer(&key), &form).await;
    let (_, cookie) = follow(&app, &session).await;
    let browser = app.as_customer(&cookie);
    // The browser names the subscription, never the coupon; another one of
    // the customer's is refused.
    let (status, _) = browser
        .with_nonce(nonce(5))
        .accept_retention_offer(&pro)
        .await;
    assert_eq!(status, 404);
    let (status, location) = browser
        .with_nonce(nonce(6))
        .js_off()
        .accept_retention_offer(&seats)
        .await;
    assert_eq!((status, location.as_str()), (302, done.as_str()));
    let sub = stripe_get(&format!("subscriptions/{seats}?expand[]=discounts")).await;
    assert_eq!(sub["cancel_at_period_end"], false, "the customer stayed");
    assert!(sub.to_string().contains("SPRING25-COUPON"), "{sub}");
}

#[tokio::test]
async fn a_finished_flow_shows_the_confirmation_or_opens_the_portal() {
    let seed = fresh_seed("flowdone");
    let trial = &seed.customers["trial"];
    let sub = trial.subscriptions["pro_trial"].clone();
    let (app, key) = merchant(Backend::Sqlite).await;
    for (n, (after, expected_next, custom)) in (2..).zip([
        (
            "hosted_confirmation",
            "/flow/done",
            Some("See you soon, Tom."),
        ),
        ("portal_homepage", "/?event=cancel", None),
    ]) {
        // Reactivate between rounds, so the subscription can be canceled again.
        let _ = stripe_post(
            &format!("subscriptions/{sub}"),
            &[("cancel_at_period_end", "false")],
        )
        .await;
        let mut form = vec![
            ("customer", trial.id.as_str()),
            ("flow_data[type]", "subscription_cancel"),
            ("flow_data[subscription_cancel][subscription]", sub.as_str()),
            ("flow_data[after_completion][type]", after),
        ];
        if let Some(message) = custom {
            form.push((
                "flow_data[after_completion][hosted_confirmation][custom_message]",
                message,
            ));
        }
        let (status, session) = create(&app, &bearer(&key), &form).await;
        assert_eq!(status, 200, "{session}");
        let (_, cookie) = follow(&app, &session).await;
        // Each round a page of its own.
        let (_, location) = app
            .as_customer(&cookie)
            .with_nonce(nonce(n))
            .js_off()
            .cancel(&sub, None)
            .await;
        assert!(location.starts_with(expected_next), "{after}: {location}");
        let home = app.get_with("/", &[("cookie", &cookie)]).await;
        match custom {
            Some(message) => {
                // The confirmation is all that is left of the portal.
                assert_eq!(home.status(), 303);
                assert_eq!(home.headers()["location"], "/flow/done");
                let page = app
                    .get_with("/flow/done", &[("cookie", &cookie)])
                    .await
                    .text()
                    .await
                    .unwrap();
                assert!(page.contains(message), "{page}");
                // The event the embed hears is the one the server recorded.
                assert!(page.contains(r#"data-portico-event="cancel""#), "{page}");
                let typed = app
                    .get_with("/flow/done?event=apply_coupon", &[("cookie", &cookie)])
                    .await
                    .text()
                    .await
                    .unwrap();
                assert!(typed.contains(r#"data-portico-event="cancel""#), "{typed}");
            }
            None => assert_eq!(home.status(), 200, "the whole portal opens"),
        }
    }
}

#[tokio::test]
async fn update_flows_deep_link_the_plan_picker_and_its_confirmation() {
    let seed = fresh_seed("upflow");
    let ada = &seed.customers["ada"];
    let pro = ada.subscriptions["pro_monthly"].clone();
    let yearly = seed.prices["pro_yearly"].clone();
    let item = subscription(&pro).await["items"]["data"][0]["id"]
        .as_str()
        .expect("item")
        .to_string();
    let (app, key) = merchant(Backend::Sqlite).await;

    let (status, session) = create(
        &app,
        &bearer(&key),
        &[
            ("customer", &ada.id),
            ("flow_data[type]", "subscription_update"),
            ("flow_data[subscription_update][subscription]", &pro),
        ],
    )
    .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(
        session["flow"]["subscription_update"]["subscription"],
        pro.as_str()
    );
    let (location, _) = follow(&app, &session).await;
    assert_eq!(location, format!("/subscriptions/{pro}/plan"));

    let confirm = |price: &str, extra: Option<(&'static str, &'static str)>| {
        let mut form = vec![
            ("customer".to_string(), ada.id.clone()),
            (
                "flow_data[type]".into(),
                "subscription_update_confirm".into(),
            ),
            (
                "flow_data[subscription_update_confirm][subscription]".into(),
                pro.clone(),
            ),
            (
                "flow_data[subscription_update_confirm][items][0][id]".into(),
                item.clone(),
            ),
            (
                "flow_data[subscription_update_confirm][items][0][price]".into(),
                price.to_string(),
            ),
        ];
        if let Some((k, v)) = extra {
            form.push((k.into(), v.into()));
        }
        form
    };
    let post = async |form: Vec<(String, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        create(&app, &bearer(&key), &form).await
    };
    let (status, session) = post(confirm(&yearly, None)).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(
        session["flow"]["subscription_update_confirm"]["items"][0]["price"],
        yearly.as_str()
    );
    let (location, cookie) = follow(&app, &session).await;
    assert_eq!(
        location,
        format!("/subscriptions/{pro}/plan?price={yearly}")
    );
    let page = app
        .get_with(&location, &[("cookie", &cookie)])
        .await
        .text()
        .await
        .unwrap()
        .replace("<!>", "");
    assert!(
        page.contains("Confirm plan change"),
        "the change waits for the customer"
    );
    assert!(page.contains("$290.00"), "with the new price");
    // Prices the configuration does not offer, and what Portico does not do
    // yet, are refused rather than ignored.
    let yen_price = seed.prices["pro_monthly_jpy"].clone();
    let (status, body) = post(confirm(&yen_price, None)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["param"],
        "flow_data[subscription_update_confirm][items][0][price]"
    );
    let (status, body) = post(confirm(
        &yearly,
        Some((
            "flow_data[subscription_update_confirm][items][0][quantity]",
            "3",
        )),
    ))
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not supported")
    );

    // The merchant chose the price: the picker offers no other, and the
    // server confirms no other.
    let starter = seed.prices["starter_monthly"].clone();
    assert!(
        !page.contains(&starter),
        "only the merchant's price is offered"
    );
    for other in [&starter, &yearly] {
        let (status, body) = app.as_customer(&cookie).change_plan(&pro, other).await;
        if other == &yearly {
            // Checked last: it succeeds, and finishes the flow.
            assert_eq!(status, 200, "{body}");
        } else {
            assert_eq!(status, 422, "{body}");
        }
    }
    let after = subscription(&pro).await;
    assert_eq!(after["items"]["data"][0]["price"]["id"], yearly.as_str());
    // Done, and the flow ends on the portal homepage: the whole portal opens.
    let home = app.get_with("/", &[("cookie", &cookie)]).await;
    assert_eq!(home.status(), 200);
}

#[tokio::test]
async fn a_card_flow_adds_the_card_and_nothing_else_then_confirms() {
    let seed = fresh_seed("cardflow");
    let ada = &seed.customers["ada"];
    let pro = ada.subscriptions["pro_monthly"].clone();
    let (app, key) = merchant(Backend::Sqlite).await;
    let (status, session) = create(
        &app,
        &bearer(&key),
        &[
            ("customer", &ada.id),
            ("flow_data[type]", "payment_method_update"),
            ("flow_data[after_completion][type]", "hosted_confirmation"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["flow"]["type"], "payment_method_update");
    let (location, cookie) = follow(&app, &session).await;
    assert_eq!(location, "/payment-methods/new");

    // Not a flow for canceling, nor for the cards already saved.
    let browser = app.as_customer(&cookie);
    for (function, (status, body)) in [
        (
            Endpoint::CancelSubscription,
            browser.cancel(&pro, None).await,
        ),
        (
            Endpoint::RemoveCard,
            browser.remove_card(&ada.payment_method).await,
        ),
    ] {
        let function = function.name();
        assert_eq!(status, 403, "{function}: {body}");
    }
    assert_eq!(
        stripe_get(&format!("subscriptions/{pro}")).await["cancel_at_period_end"],
        false
    );

    // The flow's own task: Stripe.js confirms a SetupIntent, Portico saves it.
    let secret = browser.start_adding_card().await;
    let intent = confirm_in_browser(&secret, &new_card("4242424242424242").await).await;
    let intent_id = intent["id"].as_str().expect("intent id");
    let next = browser.finish_adding_card(intent_id).await;
    assert_eq!(next, "/flow/done");
    let customer = customer(&ada.id).await;
    assert_ne!(
        customer["invoice_settings"]["default_payment_method"],
        ada.payment_method.as_str(),
        "the new card is the default"
    );

    // Done: the confirmation is all that is left.
    let home = app.get_with("/", &[("cookie", &cookie)]).await;
    assert_eq!(home.status(), 303);
    assert_eq!(home.headers()["location"], "/flow/done");
    let (status, _) = browser.start_card_setup(1).await;
    assert_eq!(status, 403, "a finished flow adds no more cards");
}
