//! Billing details: what the configuration allows is validated and saved at
//! Stripe; an invalid field changes nothing and is named.

use crate::support::{customer, fresh_seed, nonce, signed_in, stripe_get};

const ADDRESS: [(&str, &str); 6] = [
    ("form[line1]", "12 St James's Square"),
    ("form[line2]", ""),
    ("form[city]", "London"),
    ("form[postal_code]", "SW1Y 4JH"),
    ("form[state]", ""),
    ("form[country]", "gb"),
];

#[tokio::test]
async fn details_are_validated_and_saved_at_stripe() {
    let seed = fresh_seed("details");
    let ada = &seed.customers["ada"];
    let (app, cookie) = signed_in(&seed, "ada").await;
    let browser = app.as_customer(&cookie).js_off();

    let mut form = vec![
        ("form[name]", "Ada King"),
        ("form[phone]", "+44 20 7946 0958"),
        ("form[tax_id_type]", "eu_vat"),
        ("form[tax_id_value]", "de 123456789"),
        // Not allowed by the default configuration: ignored.
        ("form[email]", "someone.else@example.com"),
    ];
    form.extend(ADDRESS);
    let (status, location) = browser.update_details(&form).await;
    assert_eq!(status, 302, "{location}");
    assert!(location.starts_with("/?event=update_details"), "{location}");

    let customer = stripe_get(&format!("customers/{}?expand[]=tax_ids", ada.id)).await;
    assert_eq!(customer["name"], "Ada King");
    assert_eq!(customer["phone"], "+44 20 7946 0958");
    assert_eq!(
        customer["email"],
        ada.email.as_str(),
        "email is not editable by default"
    );
    assert_eq!(customer["address"]["city"], "London");
    assert_eq!(customer["address"]["country"], "GB");
    let tax_ids = customer["tax_ids"]["data"].as_array().expect("tax ids");
    assert_eq!(tax_ids.len(), 1, "{tax_ids:?}");
    assert_eq!(tax_ids[0]["type"], "eu_vat");
    assert_eq!(tax_ids[0]["value"], "DE123456789");

    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(
        html.contains("Ada King") && html.contains("SW1Y 4JH London"),
        "shown on the portal"
    );
    assert_eq!(app.audit_count(&ada.id, "update_details", "ok").await, 1);

    // An empty tax id removes it.
    let (status, location) = browser
        .with_nonce(nonce(2))
        .update_details(&[("form[tax_id_type]", "eu_vat"), ("form[tax_id_value]", "")])
        .await;
    assert_eq!(status, 302);
    assert!(location.starts_with("/?event=update_details"), "{location}");
    let customer = stripe_get(&format!("customers/{}?expand[]=tax_ids", ada.id)).await;
    assert_eq!(
        customer["tax_ids"]["data"].as_array().map(Vec::len),
        Some(0)
    );
    assert_eq!(
        customer["name"], "Ada King",
        "fields not sent stay as they are"
    );
}

#[tokio::test]
async fn an_invalid_field_is_named_and_nothing_changes() {
    let seed = fresh_seed("detailsbad");
    let ada = &seed.customers["ada"];
    let (app, cookie) = signed_in(&seed, "ada").await;
    let before = customer(&ada.id).await;

    let cases: [(&str, &str, &str); 4] = [
        ("form[country]", "XX", "Country"),
        ("form[phone]", "call me maybe", "Phone"),
        ("form[tax_id_value]", "DE12", "TaxId"),
        ("form[city]", "", "City"),
    ];
    for (field, value, named) in cases {
        let mut form = vec![
            ("form[name]", "Changed Name"),
            ("form[tax_id_type]", "eu_vat"),
        ];
        form.extend(ADDRESS.iter().filter(|(k, _)| *k != field).copied());
        form.push((field, value));
        let (status, body) = app.as_customer(&cookie).update_details(&form).await;
        assert_eq!(status, 422, "{field}: {body}");
        assert!(body.contains(named), "{field}: {body}");
    }
    let after = customer(&ada.id).await;
    assert_eq!(after["name"], before["name"]);
    assert_eq!(after["address"], before["address"]);
    assert_eq!(app.audit_count(&ada.id, "update_details", "ok").await, 0);
}

#[tokio::test]
async fn editing_follows_the_configuration() {
    let seed = fresh_seed("detailsoff");
    let ada = &seed.customers["ada"];
    let (app, cookie) = signed_in(&seed, "ada").await;
    let browser = app.as_customer(&cookie);
    app.configure(|c| c.customer_update.clear()).await;
    let (status, _) = browser.update_details(&[("form[name]", "Nope")]).await;
    assert_eq!(status, 403);
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(!html.contains("Edit billing details"));
    assert_eq!(
        stripe_get(&format!("customers/{}", ada.id)).await["name"],
        "Ada Lovelace"
    );

    // With email allowed, an invalid one is named; a valid new one waits
    // for its owner's confirmation (tests/integration/security/emails.rs).
    app.configure(|c| c.customer_update = vec![portico::portal_config::UpdatableDetail::Email])
        .await;
    let (status, body) = browser
        .update_details(&[("form[email]", "not-an-email")])
        .await;
    assert_eq!(status, 422, "{body}");
    // The same address in another case is no change.
    let shouting = ada.email.to_uppercase();
    let (status, _) = browser
        .js_off()
        .update_details(&[("form[email]", &shouting)])
        .await;
    assert_eq!(status, 302);
    assert_eq!(
        stripe_get(&format!("customers/{}", ada.id)).await["email"],
        ada.email.as_str()
    );
}
