//! The billing history: Stripe's cursors page through a long history, the
//! "show all invoices" toggle decides the scope, and an invoice id of
//! another customer (or outside the scope) is refused.

use crate::support::{Customer, fresh_seed, signed_in, stripe_get, stripe_post};
use serde_json::Value;

/// A page of the billing history, as JSON (or the error body as a string).
async fn page(browser: &Customer<'_>, params: &[(&str, &str)]) -> (u16, Value) {
    let (status, body) = browser.invoices(params).await;
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

fn ids(page: &Value) -> Vec<String> {
    page["invoices"]
        .as_array()
        .expect("invoices")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect()
}

/// Bills a subscription again and again (each a paid invoice), as months go by.
async fn bill(customer: &str, subscription: &str, times: usize) {
    for _ in 0..times {
        let (status, invoice) = stripe_post(
            "invoices",
            &[("customer", customer), ("subscription", subscription)],
        )
        .await;
        assert_eq!(status, 200, "{invoice}");
        let id = invoice["id"].as_str().expect("invoice id");
        let (status, paid) = stripe_post(&format!("invoices/{id}/pay"), &[]).await;
        assert_eq!(status, 200, "{paid}");
    }
}

#[tokio::test]
async fn a_long_history_pages_with_stripes_cursors_both_ways() {
    let seed = fresh_seed("invpages");
    let yuki = &seed.customers["yuki"];
    bill(&yuki.id, &yuki.subscriptions["pro_monthly_jpy"], 23).await;
    let all: Vec<String> =
        stripe_get(&format!("invoices?customer={}&limit=100", yuki.id)).await["data"]
            .as_array()
            .expect("list")
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_string())
            .collect();
    assert_eq!(all.len(), 24, "the first invoice and 23 renewals");

    let (app, cookie) = signed_in(&seed, "yuki").await;
    let browser = app.as_customer(&cookie);
    app.configure(|c| c.show_all_invoices = true).await;

    // Forward: newest first, ten at a time, until Stripe says there is no more.
    let mut pages = Vec::new();
    let (status, mut current) = page(&browser, &[]).await;
    assert_eq!(status, 200, "{current}");
    assert!(
        current["newer"].is_null(),
        "the first page has nothing newer"
    );
    loop {
        pages.push(ids(&current));
        let Some(older) = current["older"].as_str().map(str::to_string) else {
            break;
        };
        let (status, next) = page(&browser, &[("after", &older)]).await;
        assert_eq!(status, 200, "{next}");
        current = next;
    }
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![10, 10, 4]
    );
    assert_eq!(pages.concat(), all, "every invoice once, newest first");

    // Backward from the last page, the same pages again.
    let newer = current["newer"].as_str().expect("a way back").to_string();
    let (_, back) = page(&browser, &[("before", &newer)]).await;
    assert_eq!(ids(&back), pages[1]);
    let newer = back["newer"].as_str().expect("a way back").to_string();
    let (_, first) = page(&browser, &[("before", &newer)]).await;
    assert_eq!(ids(&first), pages[0]);
    assert!(first["newer"].is_null(), "back at the newest page");

    // The JPY amounts are whole yen and the page renders them.
    let html = app
        .get_with(
            &format!("/invoices?after={}", pages[0][9]),
            &[("cookie", &cookie)],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains("Older invoices") && html.contains("Newer invoices"));
    assert!(html.contains("¥"), "amounts in the invoice's currency");
}

#[tokio::test]
async fn show_all_decides_between_one_subscription_and_every_invoice() {
    let seed = fresh_seed("invscope");
    let ada = &seed.customers["ada"];
    let pro = &ada.subscriptions["pro_monthly"];
    let (app, cookie) = signed_in(&seed, "ada").await;
    let browser = app.as_customer(&cookie);

    // Off (the default): no customer-wide history, each subscription its own.
    let (status, _) = page(&browser, &[]).await;
    assert_eq!(status, 403);
    let (status, only_pro) = page(&browser, &[("subscription", pro)]).await;
    assert_eq!(status, 200, "{only_pro}");
    for invoice in only_pro["invoices"].as_array().expect("invoices") {
        assert_eq!(invoice["subscription_id"], pro.as_str());
    }
    let open = ada.open_invoice.as_deref().expect("seeded open invoice");
    assert!(ids(&only_pro).contains(&open.to_string()));
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(html.contains("Invoices for this subscription"));

    // On: every invoice of the customer, on the portal home too.
    app.configure(|c| c.show_all_invoices = true).await;
    let (status, everything) = page(&browser, &[]).await;
    assert_eq!(status, 200, "{everything}");
    let listed = ids(&everything);
    for invoice in &ada.invoices {
        assert!(
            listed.contains(invoice),
            "{invoice} missing from {listed:?}"
        );
    }
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(html.contains("Billing history"));
    assert!(html.contains("Pay invoice"), "the open invoice can be paid");
    assert!(!html.contains("Invoices for this subscription"));

    // Off again: a session scoped to one subscription shows its history at home.
    app.configure(|c| c.invoice_history = false).await;
    let (status, _) = page(&browser, &[("subscription", pro)]).await;
    assert_eq!(status, 403, "invoice history can be turned off");
}

#[tokio::test]
async fn another_customers_invoice_or_subscription_is_refused() {
    let seed = fresh_seed("invidor");
    let ada = &seed.customers["ada"];
    let yuki = &seed.customers["yuki"];
    let (app, cookie) = signed_in(&seed, "ada").await;
    let browser = app.as_customer(&cookie);
    app.configure(|c| c.show_all_invoices = true).await;

    let yukis_invoice = yuki.invoices[0].as_str();
    for cursor in ["after", "before"] {
        let (status, body) = page(&browser, &[(cursor, yukis_invoice)]).await;
        assert_eq!(status, 404, "{cursor}: {body}");
        let (status, _) = page(&browser, &[(cursor, "in_doesnotexist")]).await;
        assert_eq!(status, 404);
        let (status, _) = page(&browser, &[(cursor, "in_1?limit=100")]).await;
        assert_eq!(status, 404);
    }
    let yukis_sub = &yuki.subscriptions["pro_monthly_jpy"];
    let (status, _) = page(&browser, &[("subscription", yukis_sub)]).await;
    assert_eq!(status, 404);

    // Within the customer, a cursor from another subscription is outside
    // that subscription's history.
    let seats_invoice = stripe_get(&format!(
        "invoices?subscription={}&limit=1",
        ada.subscriptions["seats"]
    ))
    .await["data"][0]["id"]
        .as_str()
        .expect("seats invoice")
        .to_string();
    let (status, _) = page(
        &browser,
        &[
            ("subscription", &ada.subscriptions["pro_monthly"]),
            ("after", &seats_invoice),
        ],
    )
    .await;
    assert_eq!(status, 404);
}
