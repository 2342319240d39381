//! What `emulator/seed.py` created: the run's shared seed, and fresh
//! customers for tests that change them.

use std::collections::HashMap;

use serde::Deserialize;

use super::emulator::required_env;

/// What `emulator/seed.py` created.
#[derive(Debug, Deserialize)]
pub struct Seed {
    pub customers: HashMap<String, SeedCustomer>,
    pub prices: HashMap<String, String>,
    /// The promotion code `SPRING25` (`promo_…`).
    pub promotion_code: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SeedCustomer {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub subscriptions: HashMap<String, String>,
    /// The customer's saved card, also the default (`pm_…`).
    #[serde(default)]
    pub payment_method: String,
    /// Invoices seeded for the customer, oldest first.
    #[serde(default)]
    pub invoices: Vec<String>,
    /// An invoice whose charge failed, still to be paid.
    #[serde(default)]
    pub open_invoice: Option<String>,
}

/// The seed manifest of this test run, shared by every test: read it, never
/// change its customers (use [`fresh_seed`]).
pub fn seed() -> Seed {
    let path = required_env("PORTICO_TEST_SEED");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

/// A fresh set of seeded customers (same catalog) for a test that changes
/// subscriptions, so tests running in parallel never share a customer.
pub fn fresh_seed(tag: &str) -> Seed {
    let venv = std::env::var("PORTICO_VENV")
        .unwrap_or_else(|_| format!("{}/.venv", env!("CARGO_MANIFEST_DIR")));
    let out = std::env::temp_dir().join(format!("portico-seed-{tag}-{}.json", unique_suffix()));
    let status = std::process::Command::new(format!("{venv}/bin/python"))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/seed.py"))
        .args(["--email-suffix", &format!("+{tag}{}", unique_suffix())])
        .arg("--out")
        .arg(&out)
        .env(
            "STRIPE_API_BASE",
            required_env("PORTICO_TEST_STRIPE_API_BASE"),
        )
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run emulator/seed.py");
    assert!(status.success(), "seeding failed");
    let text = std::fs::read_to_string(&out).expect("seed output");
    serde_json::from_str(&text).expect("seed manifest")
}

/// A suffix no other call in this process returns.
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{nanos}_{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}
