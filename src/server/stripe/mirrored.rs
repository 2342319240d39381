//! Portico's Stripe client: async-stripe's, with the mirror in front of the
//! reads pages make (see `server::mirror`). Every request of the Stripe
//! layer goes through it, so no read can bypass the mirror by accident and
//! every change Portico makes marks what it touches stale.

use std::sync::Mutex;
use std::time::Instant;

use bytes::Bytes;
use stripe::{Client, CustomizedStripeRequest, StripeError};
use stripe_client_core::{ConfigOverride, RequestBuilder, StripeClient, StripeMethod};

use super::{StripeApi, StripeApiError};
use crate::server::db::mirror::MirroredRead;
use crate::server::db::now_ms;
use crate::server::metrics::metrics;
use crate::server::mirror::Mirror;

/// Reads the mirror keeps: what the pages show. Anything else (setup and
/// payment intents, invoice previews, searches) changes without a webhook
/// Portico would act on, or depends on the moment, and is always asked.
const MIRRORED_READS: [&str; 8] = [
    "/customers",
    "/subscriptions",
    "/subscription_schedules",
    "/products",
    "/prices",
    "/payment_methods",
    "/promotion_codes",
    "/coupons",
];

/// POSTs that change nothing at Stripe.
const READ_ONLY_POSTS: [&str; 1] = ["/invoices/create_preview"];

/// The client the Stripe layer sends every request through.
#[derive(Clone)]
pub(super) struct PorticoClient {
    http: Client,
    mirror: Option<Mirror>,
    /// Reads go to Stripe and are not kept: the decisions a change rests on
    /// are made on Stripe's state, not on a copy of it.
    fresh: bool,
}

impl PorticoClient {
    pub(super) fn new(http: Client) -> Self {
        Self {
            http,
            mirror: None,
            fresh: false,
        }
    }
}

fn mirrored_read(path: &str) -> bool {
    // The invoices of a customer are listed (and read) through the mirror;
    // `/invoices/upcoming` previews are not.
    let invoices = path == "/invoices"
        || (path.starts_with("/invoices/in_") && path.matches('/').count() == 2);
    if path.ends_with("/search") {
        return false;
    }
    invoices
        || MIRRORED_READS
            .iter()
            .any(|p| path == *p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
}

impl StripeClient for PorticoClient {
    type Err = StripeError;

    async fn execute(&self, request: CustomizedStripeRequest) -> Result<Bytes, StripeError> {
        let (builder, config) = request.into_pieces();
        let Some(mirror) = &self.mirror else {
            return forward(&self.http, builder, Some(config)).await;
        };
        let path = builder.path.clone();
        match builder.method {
            StripeMethod::Get if mirrored_read(&path) => {
                if self.fresh {
                    // Not stored either: what only a change reads (typed
                    // promotion codes, an invoice's payment intent with its
                    // client secret, sign-in lookups by email) has no page
                    // to serve, and a row per typed code would let anyone
                    // fill the table.
                    return forward(&self.http, builder, Some(config)).await;
                }
                let query = builder.query.clone().unwrap_or_default();
                if let Some(body) = mirror.lookup(&path, &query).await {
                    metrics().mirror_read(true);
                    return Ok(Bytes::from(body));
                }
                metrics().mirror_read(false);
                let started = now_ms();
                let bytes = forward(&self.http, builder, Some(config)).await?;
                if let Ok(body) = std::str::from_utf8(&bytes) {
                    mirror.store(&path, &query, body, started).await;
                }
                Ok(bytes)
            }
            StripeMethod::Get => forward(&self.http, builder, Some(config)).await,
            StripeMethod::Post if READ_ONLY_POSTS.contains(&path.as_str()) => {
                forward(&self.http, builder, Some(config)).await
            }
            StripeMethod::Post | StripeMethod::Delete => {
                let answer = forward(&self.http, builder, Some(config)).await;
                // Even a failed change may have happened (a timeout after
                // Stripe applied it): what its path names is stale either way.
                let body = answer
                    .as_ref()
                    .ok()
                    .and_then(|b| std::str::from_utf8(b).ok());
                mirror.changed(&path, body).await;
                answer
            }
        }
    }
}

/// Sends a request to Stripe and returns its raw answer, counted in the
/// metrics by endpoint and outcome.
async fn forward(
    http: &Client,
    builder: RequestBuilder,
    config: Option<ConfigOverride>,
) -> Result<Bytes, StripeError> {
    let method = match builder.method {
        StripeMethod::Get => "GET",
        StripeMethod::Post => "POST",
        StripeMethod::Delete => "DELETE",
    };
    let path = builder.path.clone();
    let started = Instant::now();
    let answer = send(http, builder, config).await;
    let outcome = match &answer {
        Ok(_) => "ok",
        Err(StripeError::Stripe(..)) => "refused",
        Err(_) => "unavailable",
    };
    metrics().stripe_call(method, &path, outcome, started.elapsed());
    answer
}

async fn send(
    http: &Client,
    builder: RequestBuilder,
    config: Option<ConfigOverride>,
) -> Result<Bytes, StripeError> {
    // async-stripe hands a client the request only as a whole; it is
    // rebuilt here with its overrides and sent through a client that keeps
    // the raw answer.
    let mut request = builder.customize::<miniserde::json::Value>();
    if let Some(config) = config {
        if let Some(strategy) = config.request_strategy {
            request = request.request_strategy(strategy);
        }
        if let Some(timeout) = config.timeout {
            request = request.timeout(timeout);
        }
        if let Some(account) = config.account_id {
            request = request.account_id(account);
        }
    }
    let keeper = Keeper {
        http,
        answer: Mutex::new(None),
    };
    request.send(&keeper).await?;
    let answer = keeper.answer.lock().ok().and_then(|mut a| a.take());
    Ok(answer.unwrap_or_default())
}

/// Passes a request to async-stripe's client and keeps the raw answer.
struct Keeper<'a> {
    http: &'a Client,
    answer: Mutex<Option<Bytes>>,
}

impl StripeClient for Keeper<'_> {
    type Err = StripeError;

    async fn execute(&self, request: CustomizedStripeRequest) -> Result<Bytes, StripeError> {
        let bytes = self.http.execute(request).await?;
        if let Ok(mut answer) = self.answer.lock() {
            *answer = Some(bytes.clone());
        }
        Ok(bytes)
    }
}

impl StripeApi {
    /// This client with the mirror in front of its reads.
    pub fn with_mirror(mut self, mirror: Mirror) -> Self {
        self.client.mirror = Some(mirror);
        self
    }

    /// This client reading Stripe itself: for the checks and keys a change
    /// rests on. Its writes still mark what they touch stale.
    pub fn fresh(&self) -> Self {
        let mut fresh = self.clone();
        fresh.client.fresh = true;
        fresh
    }

    /// The mirror this client reads through, if any.
    pub fn mirror(&self) -> Option<&Mirror> {
        self.client.mirror.as_ref()
    }

    /// Asks Stripe again for a stored read and stores the answer; an object
    /// Stripe no longer has is forgotten.
    pub async fn refetch(&self, read: &MirroredRead) -> Result<(), StripeApiError> {
        let Some(mirror) = &self.client.mirror else {
            return Ok(());
        };
        let mut builder = RequestBuilder::new(StripeMethod::Get, read.path.clone());
        builder.query = Some(read.query.clone()).filter(|q| !q.is_empty());
        let started = now_ms();
        match forward(&self.client.http, builder, None).await {
            Ok(bytes) => {
                if let Ok(body) = std::str::from_utf8(&bytes) {
                    mirror.store(&read.path, &read.query, body, started).await;
                }
                Ok(())
            }
            Err(e) => match StripeApiError::from(e) {
                StripeApiError::NotFound => {
                    mirror.forget(read).await;
                    Ok(())
                }
                other => Err(other),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mirrored_read;

    #[test]
    fn pages_reads_are_mirrored_and_intents_and_previews_are_not() {
        for path in [
            "/customers/cus_1",
            "/customers/cus_1/payment_methods",
            "/subscriptions",
            "/subscriptions/sub_1",
            "/products/prod_1",
            "/prices",
            "/invoices",
            "/invoices/in_1",
        ] {
            assert!(mirrored_read(path), "{path}");
        }
        for path in [
            "/setup_intents/seti_1",
            "/payment_intents/pi_1",
            "/invoices/upcoming",
            "/invoices/in_1/lines",
            "/customers/search",
            "/events",
        ] {
            assert!(!mirrored_read(path), "{path}");
        }
    }
}
