//! Every server function with malformed input: never a 5xx (a panic or an
//! unmapped error), never a change at Stripe, an oversized body a 413.

use portico::api::Endpoint;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use super::{Field, fields, report, snapshot};
use crate::support::{fresh_seed, signed_in, urlencode};

/// Form cases generated per server function.
const CASES_PER_ENDPOINT: usize = 48;
/// What a server function may receive at the most (see `server::app`).
const BODY_LIMIT: usize = 16 * 1024;

/// Values an attacker types: empty, null bytes, negative and huge numbers,
/// path and markup characters, ids of the wrong kind, unicode, and long.
fn nasty_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\0".to_string()),
        Just("-1".to_string()),
        Just("18446744073709551616".to_string()),
        Just("99999999999999999999999999999".to_string()),
        Just("1e308".to_string()),
        Just("NaN".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("sub_../../v1/charges".to_string()),
        Just("pm_1?expand[]=customer".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("' OR 1=1 --".to_string()),
        Just("%00%ff".to_string()),
        Just("sub_".to_string()),
        "[a-z_]{1,8}_[A-Za-z0-9]{1,30}",
        "\\PC{0,40}",
        "[\u{1F600}-\u{1F64F}\u{0590}-\u{05FF}\u{202E}]{1,20}",
        ".{300,5000}",
    ]
}

/// A form for `endpoint`: some of its fields (missing, repeated, renamed
/// as arrays), with nasty values.
fn form_for(endpoint: Endpoint) -> impl Strategy<Value = Vec<(String, String)>> {
    let names: Vec<String> = fields(endpoint)
        .iter()
        .map(|(name, _)| name.to_string())
        .chain(["x", "subscription_id[]", "nonce[0]", "form", ""].map(String::from))
        .collect();
    proptest::collection::vec((proptest::sample::select(names), nasty_value()), 0..7)
}

/// Bodies that are not forms at all.
fn raw_bodies() -> Vec<(&'static str, Option<&'static str>, Vec<u8>)> {
    vec![
        (
            "invalid UTF-8",
            Some("application/x-www-form-urlencoded"),
            vec![0xff, 0xfe, b'=', 0xc3, 0x28],
        ),
        (
            "JSON",
            Some("application/json"),
            br#"{"subscription_id": ["sub_1"], "nonce": 7}"#.to_vec(),
        ),
        (
            "text",
            Some("text/plain"),
            b"subscription_id=sub_1".to_vec(),
        ),
        (
            "multipart without boundary",
            Some("multipart/form-data"),
            b"--x\r\n".to_vec(),
        ),
        (
            "no content type",
            None,
            b"subscription_id=sub_1&nonce=x".to_vec(),
        ),
        (
            "empty",
            Some("application/x-www-form-urlencoded"),
            Vec::new(),
        ),
    ]
}

#[tokio::test]
async fn malformed_input_gets_a_4xx_and_changes_nothing() {
    let seed = fresh_seed("fuzz");
    let (app, cookie) = signed_in(&seed, "ada").await;
    // Details editing on with every field, so the details form is fuzzed
    // as far as its validation.
    app.configure(|c| {
        c.customer_update = vec![
            portico::model::UpdatableDetail::Name,
            portico::model::UpdatableDetail::Email,
            portico::model::UpdatableDetail::Address,
            portico::model::UpdatableDetail::Phone,
            portico::model::UpdatableDetail::TaxId,
        ]
    })
    .await;
    let ada = &seed.customers["ada"].id;
    let before = super::snapshot(ada).await;
    let browser = app.as_customer(&cookie);
    let mut runner = TestRunner::deterministic();
    let mut cases = 0;
    let mut failures = Vec::new();
    for endpoint in Endpoint::ALL {
        let mut sent: Vec<(String, Option<&str>, Vec<u8>)> = Vec::new();
        let strategy = form_for(endpoint);
        for _ in 0..CASES_PER_ENDPOINT {
            let form = strategy.new_tree(&mut runner).expect("a case").current();
            let body = form
                .iter()
                .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
                .collect::<Vec<_>>()
                .join("&");
            sent.push((
                format!("{form:?}"),
                Some("application/x-www-form-urlencoded"),
                body.into_bytes(),
            ));
        }
        for (what, content_type, body) in raw_bodies() {
            sent.push((what.to_string(), content_type, body));
        }
        for (what, content_type, body) in sent {
            let (status, answer) = browser.post_raw(endpoint, content_type, body).await;
            cases += 1;
            // 0: the connection failed, which no client error should cause.
            if status >= 500 || status == 0 {
                failures.push(format!(
                    "{endpoint:?} {status} for {what:.200}: {answer:.200}"
                ));
            }
        }
        // A body past what any form needs is refused before it is read.
        let (status, _) = browser
            .post_raw(
                endpoint,
                Some("application/x-www-form-urlencoded"),
                vec![b'a'; BODY_LIMIT + 1],
            )
            .await;
        cases += 1;
        if status != 413 {
            failures.push(format!(
                "{endpoint:?}: a body over the limit answered {status}, not 413"
            ));
        }
        // Far past it, the server may close the connection while the client
        // is still sending: a 413 or a closed connection, on a connection of
        // its own so that the others stay usable.
        let status = match reqwest::Client::new()
            .post(format!("{}{}", app.base, endpoint.path()))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(vec![b'a'; 2 * 1024 * 1024])
            .send()
            .await
        {
            Ok(response) => response.status().as_u16(),
            Err(_) => 413,
        };
        cases += 1;
        if status != 413 {
            failures.push(format!(
                "{endpoint:?}: a 2 MiB body answered {status}, not 413"
            ));
        }
    }
    let after = snapshot(ada).await;
    if before != after {
        failures.push(format!("Stripe changed: {before} -> {after}"));
    }
    report(
        "fuzz",
        &format!(
            "{cases} cases fuzzed over {} server functions",
            Endpoint::ALL.len()
        ),
        &failures,
    );
    // Fields of every kind were fuzzed, not only free text.
    assert!(
        Endpoint::ALL
            .iter()
            .any(|e| fields(*e).iter().any(|(_, f)| *f == Field::Price))
    );
}
