//! Test harness: starts the whole Portico app in-process on a free port,
//! against the Stripe emulator that scripts/test runs and seeds, on a fresh
//! SQLite file or a fresh PostgreSQL database.
//!
//! - [`app`]: a running Portico ([`TestApp`]), its storage backends, pages.
//! - [`client`]: a signed-in customer calling server functions
//!   (`app.as_customer(&cookie).cancel(sub, None)`).
//! - [`emulator`]: the Stripe emulator, as the merchant's dashboard sees it.
//! - [`seed`]: the customers and catalog `emulator/seed.py` created.
//! - [`mail`]: the SMTP sink sign-in emails go to.
//! - [`cards`]: adding a card the way the add-card page and Stripe.js do.
//! - [`form`]: the form encoder and the form nonces tests send.

mod app;
mod cards;
mod client;
mod emulator;
mod form;
mod mail;
mod seed;

pub use app::{
    BACKENDS, Backend, TestApp, WEBHOOK_SECRET, config_vars, fresh_database, mirrored_vars,
    signed_in,
};
pub use cards::confirm_in_browser;
pub use client::Customer;
pub use emulator::{
    api_base, customer, forget_stripe_calls, new_card, register_webhook, remove_webhook,
    stripe_calls, stripe_delete, stripe_get, stripe_post, stripe_requests, subscription,
    subscriptions_of,
};
pub use form::{NONCE, nonce, urlencode};
pub use mail::{mailbox, wait_for_mail};
pub use seed::{Seed, fresh_seed, seed, unique_suffix};
