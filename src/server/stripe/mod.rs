//! The Stripe layer: the only code that touches async-stripe. It answers in
//! Portico's own model types (`crate::model`) so the UI and the rest of the
//! server never see async-stripe's.

mod billing_history;
mod catalog;
mod details;
mod error;
mod map;
mod mirrored;
mod mutations;
mod wallet;

use std::collections::BTreeSet;
use std::time::Duration;

use secrecy::ExposeSecret;
use stripe::ClientBuilder;
use stripe_billing::invoice::RetrieveInvoice;
use stripe_billing::subscription::{
    ListSubscription, ListSubscriptionStatus, RetrieveSubscription,
};
use stripe_core::customer::{ListCustomer, RetrieveCustomer, RetrieveCustomerReturned};
use stripe_product::product::RetrieveProduct;

pub use billing_history::InvoiceOwner;
pub use catalog::{GROUP_METADATA, Redemption};
pub use error::StripeApiError;
pub use map::Profile;
pub use mutations::{
    Cancellation, InvoicePayment, ItemChange, ItemUpdate, META_CANCEL_COMMENT, META_CANCEL_REASON,
    META_RESUBSCRIBED_FROM, Resubscription,
};
pub use wallet::{CardSetup, SetupOutcome};

use crate::model::{Customer, CustomerId, Subscription, SubscriptionId};
use crate::server::config::StripeConfig;

/// Per-attempt time limit. Stripe's writes can take a few seconds; a page
/// must not hang on an unreachable API.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Discounts with their coupons, so the portal can show the price after a
/// coupon, and the promotion codes the customer typed.
const EXPAND_DISCOUNTS: &str = "discounts.source.coupon";
const EXPAND_PROMOTION_CODES: &str = "discounts.promotion_code";
/// A schedule's phases with their prices, so the portal can show a plan
/// change waiting for the end of the period.
const EXPAND_SCHEDULE: &str = "schedule.phases.items.price";

/// Schedule metadata that marks the schedules Portico makes (a plan change
/// waiting for the period's end): the only ones it may release.
pub const SCHEDULE_METADATA: &str = "portico_schedule";
pub const SCHEDULE_OURS: &str = "plan_change";
/// Subscriptions fetched per page (Stripe's maximum).
const PAGE_SIZE: i64 = 100;

/// A Stripe API client for one account and mode.
#[derive(Clone)]
pub struct StripeApi {
    client: mirrored::PorticoClient,
}

impl std::fmt::Debug for StripeApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StripeApi { .. }")
    }
}

/// Who holds an email address at Stripe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmailOwner {
    Nobody,
    One(Customer),
    /// Several customers share it: none may be picked silently.
    Several,
}

impl StripeApi {
    /// Builds a client for the configured API base and key.
    pub fn new(config: &StripeConfig) -> Result<Self, StripeApiError> {
        let client = ClientBuilder::new(config.secret_key.expose_secret())
            .url(config.api_base.as_str())
            .timeout(REQUEST_TIMEOUT)
            .app_info("portico", Some(env!("CARGO_PKG_VERSION").to_string()), None)
            .build()
            .map_err(StripeApiError::from)?;
        Ok(Self {
            client: mirrored::PorticoClient::new(client),
        })
    }

    /// The customer with this id, or `None` when it does not exist or was deleted.
    pub async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>, StripeApiError> {
        match RetrieveCustomer::new(id.as_str()).send(&self.client).await {
            Ok(RetrieveCustomerReturned::Customer(c)) => Ok(Some(map::customer(&c))),
            Ok(RetrieveCustomerReturned::DeletedCustomer(_)) => Ok(None),
            Err(e) => StripeApiError::from(e).none_if_missing(),
        }
    }

    /// Who holds this email. Stripe's email filter is case-sensitive, and
    /// people type their address in any case: the lowercase form is tried
    /// too.
    pub async fn email_owner(&self, email: &str) -> Result<EmailOwner, StripeApiError> {
        let found = self.customer_by_email(email).await?;
        let lower = email.to_lowercase();
        if found == EmailOwner::Nobody && lower != email {
            return self.customer_by_email(&lower).await;
        }
        Ok(found)
    }

    /// Who holds exactly this email. Stripe allows several customers per
    /// email; then none is picked.
    async fn customer_by_email(&self, email: &str) -> Result<EmailOwner, StripeApiError> {
        let list = ListCustomer::new()
            .email(email)
            .limit(2)
            .send(&self.client)
            .await?;
        Ok(match list.data.as_slice() {
            [] => EmailOwner::Nobody,
            [one] => EmailOwner::One(map::customer(one)),
            _ => EmailOwner::Several,
        })
    }

    /// Every subscription of a customer, canceled ones included, newest first.
    pub async fn subscriptions(
        &self,
        customer_id: &str,
    ) -> Result<Vec<Subscription>, StripeApiError> {
        let mut raw = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut request = ListSubscription::new()
                .customer(customer_id)
                .status(ListSubscriptionStatus::All)
                .limit(PAGE_SIZE)
                .expand(vec![
                    format!("data.{EXPAND_DISCOUNTS}"),
                    format!("data.{EXPAND_PROMOTION_CODES}"),
                    format!("data.{EXPAND_SCHEDULE}"),
                ]);
            if let Some(after) = &after {
                request = request.starting_after(after.as_str());
            }
            let page = request.send(&self.client).await?;
            after = page.data.last().map(|s| s.id.to_string());
            let more = page.has_more;
            raw.extend(page.data);
            if !more || after.is_none() {
                break;
            }
        }
        let products = self.products_of(&raw).await?;
        let mut subscriptions: Vec<Subscription> = raw
            .iter()
            .map(|s| map::subscription(s, &products))
            .collect();
        self.fill_pay_urls(&mut subscriptions).await?;
        Ok(subscriptions)
    }

    /// Stripe's hosted page of the invoice each change awaiting payment
    /// waits for. Rare, so one call each rather than expanding every
    /// subscription's latest invoice.
    async fn fill_pay_urls(
        &self,
        subscriptions: &mut [Subscription],
    ) -> Result<(), StripeApiError> {
        for awaiting in subscriptions
            .iter_mut()
            .filter_map(|s| s.awaiting_payment.as_mut())
        {
            let invoice = RetrieveInvoice::new(awaiting.invoice_id.as_str())
                .send(&self.client)
                .await?;
            awaiting.pay_url = invoice.hosted_invoice_url;
        }
        Ok(())
    }

    /// One subscription with the id of its customer, or `None` if it does not exist.
    pub async fn subscription(
        &self,
        id: &SubscriptionId,
    ) -> Result<Option<(String, Subscription)>, StripeApiError> {
        let request = RetrieveSubscription::new(id.as_str()).expand(vec![
            EXPAND_DISCOUNTS.to_string(),
            EXPAND_PROMOTION_CODES.to_string(),
            EXPAND_SCHEDULE.to_string(),
        ]);
        let sub = match request.send(&self.client).await {
            Ok(sub) => sub,
            Err(e) => return StripeApiError::from(e).none_if_missing(),
        };
        let products = self.products_of(std::slice::from_ref(&sub)).await?;
        let mut mapped = map::subscription(&sub, &products);
        self.fill_pay_urls(std::slice::from_mut(&mut mapped))
            .await?;
        Ok(Some((sub.customer.id().to_string(), mapped)))
    }

    /// The products the subscriptions' prices belong to. Fetched separately
    /// because Stripe refuses expansions deeper than four levels
    /// (`data.items.data.price.product` is five).
    async fn products_of(
        &self,
        subscriptions: &[stripe_billing::Subscription],
    ) -> Result<map::Products, StripeApiError> {
        let ids: BTreeSet<String> = subscriptions
            .iter()
            .flat_map(|s| {
                s.items
                    .data
                    .iter()
                    .map(|item| item.price.product.id().to_string())
                    .chain(map::scheduled_product_ids(s))
            })
            .collect();
        let requests: Vec<RetrieveProduct> = ids
            .iter()
            .map(|id| RetrieveProduct::new(id.as_str()))
            .collect();
        let products =
            futures::future::try_join_all(requests.iter().map(|r| r.send(&self.client))).await?;
        Ok(products
            .into_iter()
            .map(|p| (p.id.to_string(), p))
            .collect())
    }
}
