//! A customer's browser calling Portico's server functions: one method per
//! thing a customer does, each answering what the server did as
//! `(status, body)`.
//!
//! ```ignore
//! let ada = app.as_customer(&cookie);
//! let (status, body) = ada.cancel(sub, Some("too_expensive")).await;
//! let (status, location) = ada.js_off().remove_card(pm).await;
//! let (_, body) = ada.with_nonce(nonce(2)).change_plan(sub, price).await;
//! ```
//!
//! A new server function is one more method here, built on [`Customer::call`]
//! (reads) or [`Customer::submit`] (actions, which carry the page's nonce).

use portico::api::Endpoint;

use super::app::TestApp;
use super::form::{NONCE, form_body};

/// How the browser sends a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// JavaScript on: `fetch` posts the form; the answer is the body.
    Fetch,
    /// JavaScript off: a plain HTML form post; the answer is the address it
    /// redirects to (`Location`, empty when none).
    Form,
}

/// A browser holding a session cookie, submitting forms of one page (one
/// form nonce; see [`Customer::with_nonce`]).
#[derive(Clone)]
pub struct Customer<'a> {
    app: &'a TestApp,
    cookie: &'a str,
    nonce: String,
    mode: Mode,
}

impl TestApp {
    /// The browser that holds `cookie` (`""`: no session), with JavaScript
    /// on, submitting the forms of a page whose nonce is [`NONCE`].
    pub fn as_customer<'a>(&'a self, cookie: &'a str) -> Customer<'a> {
        Customer {
            app: self,
            cookie,
            nonce: NONCE.to_string(),
            mode: Mode::Fetch,
        }
    }
}

impl Customer<'_> {
    /// The same browser, submitting the forms of another page.
    pub fn with_nonce(&self, nonce: impl Into<String>) -> Self {
        Self {
            nonce: nonce.into(),
            ..self.clone()
        }
    }

    /// The same browser with JavaScript off: each call answers the status
    /// and the `Location` the form post redirects to.
    pub fn js_off(&self) -> Self {
        Self {
            mode: Mode::Form,
            ..self.clone()
        }
    }

    /// Posts `form` to a server function, as it is.
    pub async fn call(&self, endpoint: Endpoint, form: &[(&str, &str)]) -> (u16, String) {
        let app = self.app;
        let mut request = app
            .client
            .post(format!("{}{}", app.base, endpoint.path()))
            .header("cookie", self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(form));
        if self.mode == Mode::Form {
            request = request
                .header("accept", "text/html")
                .header("referer", format!("{}/", app.base));
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        match self.mode {
            Mode::Fetch => (status, response.text().await.expect("body")),
            Mode::Form => {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                (status, location)
            }
        }
    }

    /// Posts a raw body with its content type, as an attacker's script
    /// would; answers the status and body, or status 0 and the error when the
    /// server closed the connection before reading it all.
    ///
    /// Each call has a connection of its own: a server that answers before
    /// reading a body (a 413, a refused content type) closes that
    /// connection, and a pooled client could send the next case on it as it
    /// closes.
    pub async fn post_raw(
        &self,
        endpoint: Endpoint,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, String) {
        let app = self.app;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(90))
            .pool_max_idle_per_host(0)
            .build()
            .expect("a client");
        let mut request = client
            .post(format!("{}{}", app.base, endpoint.path()))
            .header("cookie", self.cookie)
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                (status, response.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    }

    /// Submits an action's form: `form` and the page's nonce.
    pub async fn submit(&self, endpoint: Endpoint, form: &[(&str, &str)]) -> (u16, String) {
        let mut form = form.to_vec();
        form.push(("nonce", &self.nonce));
        self.call(endpoint, &form).await
    }

    /// Cancels a subscription, giving a reason from the list or none.
    pub async fn cancel(&self, subscription: &str, reason: Option<&str>) -> (u16, String) {
        let mut form = vec![("subscription_id", subscription)];
        form.extend(reason.map(|r| ("reason", r)));
        self.submit(Endpoint::CancelSubscription, &form).await
    }

    /// Cancels a subscription with a comment in the customer's own words.
    pub async fn cancel_with_comment(
        &self,
        subscription: &str,
        reason: Option<&str>,
        comment: &str,
    ) -> (u16, String) {
        let mut form = vec![("subscription_id", subscription)];
        form.extend(reason.map(|r| ("reason", r)));
        form.push(("comment", comment));
        self.submit(Endpoint::CancelSubscription, &form).await
    }

    /// Keeps a subscription that is set to cancel at the period's end.
    pub async fn reactivate(&self, subscription: &str) -> (u16, String) {
        let form = [("subscription_id", subscription)];
        self.submit(Endpoint::ReactivateSubscription, &form).await
    }

    /// Restarts a canceled subscription.
    pub async fn resubscribe(&self, subscription: &str) -> (u16, String) {
        let form = [("subscription_id", subscription)];
        self.submit(Endpoint::Resubscribe, &form).await
    }

    /// Types `quantity` into a subscription's quantity field.
    pub async fn update_quantity(&self, subscription: &str, quantity: &str) -> (u16, String) {
        let form = [("subscription_id", subscription), ("quantity", quantity)];
        self.submit(Endpoint::UpdateQuantity, &form).await
    }

    /// Enters a coupon or promotion code for a subscription.
    pub async fn apply_coupon(&self, subscription: &str, code: &str) -> (u16, String) {
        let form = [("subscription_id", subscription), ("code", code)];
        self.submit(Endpoint::ApplyCoupon, &form).await
    }

    /// Takes the retention offer of a cancel flow.
    pub async fn accept_retention_offer(&self, subscription: &str) -> (u16, String) {
        let form = [("subscription_id", subscription)];
        self.submit(Endpoint::AcceptRetentionOffer, &form).await
    }

    /// The plans a subscription can change to (JSON).
    pub async fn plan_choices(&self, subscription: &str) -> (u16, String) {
        let form = [("subscription_id", subscription)];
        self.call(Endpoint::GetPlanChoices, &form).await
    }

    /// What changing a subscription to `price` would cost (JSON).
    pub async fn preview(&self, subscription: &str, price: &str) -> (u16, String) {
        let form = [("subscription_id", subscription), ("price", price)];
        self.call(Endpoint::PreviewPlanChange, &form).await
    }

    /// Confirms a plan change to `price`.
    pub async fn change_plan(&self, subscription: &str, price: &str) -> (u16, String) {
        let form = [("subscription_id", subscription), ("price", price)];
        self.submit(Endpoint::ChangePlan, &form).await
    }

    /// Drops a plan change that waits for the period's end.
    pub async fn keep_current_plan(&self, subscription: &str) -> (u16, String) {
        let form = [("subscription_id", subscription)];
        self.submit(Endpoint::KeepCurrentPlan, &form).await
    }

    /// A page of the billing history (JSON); `params` are `subscription`,
    /// `after` and `before`, each optional.
    pub async fn invoices(&self, params: &[(&str, &str)]) -> (u16, String) {
        self.call(Endpoint::GetInvoices, params).await
    }

    /// Saves billing details; `form` holds the `form[…]` fields.
    pub async fn update_details(&self, form: &[(&str, &str)]) -> (u16, String) {
        self.submit(Endpoint::UpdateDetails, form).await
    }

    /// Makes a saved card the default.
    pub async fn set_default_card(&self, payment_method: &str) -> (u16, String) {
        let form = [("payment_method_id", payment_method)];
        self.submit(Endpoint::SetDefaultCard, &form).await
    }

    /// Removes a saved card.
    pub async fn remove_card(&self, payment_method: &str) -> (u16, String) {
        let form = [("payment_method_id", payment_method)];
        self.submit(Endpoint::RemoveCard, &form).await
    }

    /// Opens the add-card form (its `attempt`th SetupIntent); the body is
    /// the SetupIntent's client secret (JSON). See `start_adding_card`.
    pub async fn start_card_setup(&self, attempt: u32) -> (u16, String) {
        let attempt = attempt.to_string();
        self.submit(Endpoint::StartCardSetup, &[("attempt", &attempt)])
            .await
    }

    /// Saves the card of a SetupIntent that Stripe.js confirmed; the body is
    /// the address to go to next (JSON). See `finish_adding_card`.
    pub async fn finish_card_setup(&self, setup_intent: &str) -> (u16, String) {
        let form = [("setup_intent_id", setup_intent)];
        self.submit(Endpoint::FinishCardSetup, &form).await
    }
}
