//! Adding a card the way the add-card page does: Portico starts a
//! SetupIntent, Stripe.js confirms it in the browser, Portico saves the card.

use serde_json::Value;

use super::client::Customer;
use super::emulator::stripe_post;

impl Customer<'_> {
    /// Starts adding a card; returns the SetupIntent's client secret for
    /// Stripe.js.
    pub async fn start_adding_card(&self) -> String {
        let (status, body) = self.start_card_setup(0).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("client secret")
    }

    /// Finishes adding a card after Stripe.js confirmed its SetupIntent;
    /// returns the address the page goes to next.
    pub async fn finish_adding_card(&self, setup_intent: &str) -> String {
        let (status, body) = self.finish_card_setup(setup_intent).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("address")
    }
}

/// What Stripe.js does in the browser: confirm the SetupIntent with a card.
pub async fn confirm_in_browser(client_secret: &str, payment_method: &str) -> Value {
    let id = client_secret.split("_secret").next().expect("intent id");
    let (_, intent) = stripe_post(
        &format!("setup_intents/{id}/confirm"),
        &[("payment_method", payment_method)],
    )
    .await;
    intent
}
