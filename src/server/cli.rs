//! `portico api-key …`: the merchant's keys for the portal session API.
//!
//! - `portico api-key create [--description <text>]` prints a new key of the
//!   configured mode (`PORTICO_MODE`) once; only its hash is stored.
//! - `portico api-key list` shows every key's id, mode and state.
//! - `portico api-key revoke <pak_…>` stops a key at once.
//!
//! `portico config …`: the default portal configuration of the mode, until
//! the admin API arrives.
//!
//! - `portico config show` prints it as JSON.
//! - `portico config set '<json>'` changes the fields the JSON object names
//!   (`'{"allowed_origins": ["https://shop.example"]}'`) and keeps the rest.
//!
//! `portico sync [--customer cus_…]`: reconciles the Stripe mirror.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;

use crate::portal_config::PortalConfig;
use crate::server::config::{Config, Mode};
use crate::server::db::{Db, now};
use crate::server::mirror::{Mirror, sync};
use crate::server::session_api::api_key;
use crate::server::stripe::StripeApi;

async fn connect(config: &Config) -> Option<Db> {
    match Db::connect(&config.database.url).await {
        Ok(db) => Some(db),
        Err(e) => {
            eprintln!("portico: database: {e}");
            None
        }
    }
}

pub async fn api_key(config: &Config, args: &[String]) -> ExitCode {
    let Some(db) = connect(config).await else {
        return ExitCode::FAILURE;
    };
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let livemode = config.mode == Mode::Live;
    match args.first().map(String::as_str) {
        Some("create") => match api_key::create(&db, livemode, flag("--description")).await {
            Ok((row, key)) => {
                eprintln!(
                    "portico: created {} ({} mode). The key is shown only now:",
                    row.id,
                    config.mode.as_str()
                );
                println!("{key}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("portico: cannot store the key: {e}");
                ExitCode::FAILURE
            }
        },
        Some("list") => match db.api_keys().await {
            Ok(keys) => {
                for key in keys {
                    println!(
                        "{}\t{}\t{}\t{}",
                        key.id,
                        if key.livemode { "live" } else { "test" },
                        if key.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        },
                        key.description.unwrap_or_default()
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("portico: cannot read keys: {e}");
                ExitCode::FAILURE
            }
        },
        Some("revoke") => {
            let Some(id) = args.get(1) else {
                eprintln!("portico: api-key revoke needs the key's id (pak_…)");
                return ExitCode::from(2);
            };
            match db.revoke_api_key(id, now()).await {
                Ok(true) => {
                    eprintln!("portico: revoked {id}");
                    ExitCode::SUCCESS
                }
                Ok(false) => {
                    eprintln!("portico: no active key {id}");
                    ExitCode::FAILURE
                }
                Err(e) => {
                    eprintln!("portico: cannot revoke: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!(
                "portico: use `api-key create [--description <text>]`, `api-key list` or `api-key revoke <pak_…>`"
            );
            ExitCode::from(2)
        }
    }
}

pub async fn portal_config(config: &Config, args: &[String]) -> ExitCode {
    let Some(db) = connect(config).await else {
        return ExitCode::FAILURE;
    };
    let livemode = config.mode == Mode::Live;
    if let Err(e) = db.ensure_default_config(livemode).await {
        eprintln!("portico: database: {e}");
        return ExitCode::FAILURE;
    }
    let stored = match db.default_portal_config(livemode).await {
        Ok(Some(stored)) => stored,
        Ok(None) => {
            eprintln!("portico: no default configuration");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("portico: database: {e}");
            return ExitCode::FAILURE;
        }
    };
    match (args.first().map(String::as_str), args.get(1)) {
        (Some("show"), None) => {
            let json = serde_json::to_string_pretty(&stored.settings).unwrap_or_default();
            println!("{json}");
            ExitCode::SUCCESS
        }
        (Some("set"), Some(patch)) => match merged(&stored.settings, patch) {
            Ok(settings) => match db.update_portal_config(&stored.id, &settings).await {
                Ok(_) => {
                    eprintln!("portico: updated {}", stored.id);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("portico: database: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("portico: config set: {e}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("portico: use `config show` or `config set '<json object>'`");
            ExitCode::from(2)
        }
    }
}

/// `settings` with the fields of the JSON object `patch` replaced.
fn merged(settings: &PortalConfig, patch: &str) -> Result<PortalConfig, String> {
    let patch: Value = serde_json::from_str(patch).map_err(|e| e.to_string())?;
    let Value::Object(fields) = patch else {
        return Err("expected a JSON object".into());
    };
    let mut current = serde_json::to_value(settings).map_err(|e| e.to_string())?;
    for (name, value) in fields {
        match current.get_mut(&name) {
            Some(slot) => *slot = value,
            None => return Err(format!("unknown setting `{name}`")),
        }
    }
    serde_json::from_value(current).map_err(|e| e.to_string())
}

/// `portico sync [--customer cus_…]`: asks Stripe again for everything the
/// mirror holds (or one customer's part of it), for events that never came.
/// Running it twice does no more than once.
pub async fn sync(config: &Config, args: &[String]) -> ExitCode {
    let Some(db) = connect(config).await else {
        return ExitCode::FAILURE;
    };
    let Some(max_age) = config.mirror.max_age() else {
        eprintln!(
            "portico: the Stripe mirror is off (PORTICO_CACHE_TTL=0 and no STRIPE_WEBHOOK_SECRET)"
        );
        return ExitCode::FAILURE;
    };
    let stripe = match StripeApi::new(&config.stripe) {
        Ok(stripe) => stripe.with_mirror(Mirror::new(db, config.mode == Mode::Live, max_age)),
        Err(e) => {
            eprintln!("portico: Stripe client: {e}");
            return ExitCode::FAILURE;
        }
    };
    let customer = args
        .iter()
        .position(|a| a == "--customer")
        .map(|i| args.get(i + 1));
    let result = match customer {
        Some(Some(id)) if id.starts_with("cus_") => sync::customer(&stripe, id).await,
        Some(_) => {
            eprintln!("portico: sync --customer needs a customer id (cus_…)");
            return ExitCode::from(2);
        }
        None => sync::older_than(&stripe, Duration::ZERO, None).await,
    };
    match result {
        Ok(report) => {
            println!(
                "refreshed {} reads, {} failed",
                report.refreshed, report.failed
            );
            if report.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("portico: sync: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_changes_named_fields_and_keeps_the_rest() {
        let base = PortalConfig::default();
        let out = merged(
            &base,
            r#"{"allowed_origins": ["https://shop.example"], "cancellation": false}"#,
        )
        .expect("valid");
        assert_eq!(out.allowed_origins, ["https://shop.example"]);
        assert!(!out.cancellation);
        assert_eq!(out.change_plan, base.change_plan);
        assert!(merged(&base, r#"{"no_such": 1}"#).is_err());
        assert!(merged(&base, r#"{"cancellation": "yes"}"#).is_err());
        assert!(merged(&base, "[]").is_err());
    }
}
