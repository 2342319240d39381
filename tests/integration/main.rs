//! Portico's integration tests, in one test binary (one link, one shared
//! server runtime): `cargo test --features ssr`, with the Stripe emulator,
//! PostgreSQL and the SMTP sink that scripts/test starts.
//!
//! `support` is the harness: a test starts a [`support::TestApp`], signs a
//! customer in, acts as them through `app.as_customer(&cookie)`, and checks
//! the result at the Stripe emulator. A new test file is one more `mod`
//! line here.

// Needs nothing but the locale files, so runs without the server too.
mod locales;

#[cfg(feature = "ssr")]
mod support;

#[cfg(feature = "ssr")]
mod actions;
#[cfg(feature = "ssr")]
mod details;
#[cfg(feature = "ssr")]
mod email_login;
#[cfg(feature = "ssr")]
mod embed;
#[cfg(feature = "ssr")]
mod invoices;
#[cfg(feature = "ssr")]
mod live_mode;
#[cfg(feature = "ssr")]
mod mirror;
#[cfg(feature = "ssr")]
mod outage;
#[cfg(feature = "ssr")]
mod portal_sessions;
#[cfg(feature = "ssr")]
mod security;
#[cfg(feature = "ssr")]
mod sign_in;
#[cfg(feature = "ssr")]
mod storage;
#[cfg(feature = "ssr")]
mod wallet;
