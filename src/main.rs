//! The `portico` binary.
//!
//! - `portico` (or `portico serve`): run the portal.
//! - `portico sign-in-link --email <email> | --customer-id <cus_…> [--subscription-id <sub_…>] [--signed]`:
//!   print a signed sign-in URL, computed exactly as a merchant's server would
//!   (`--signed`: with an identity that expires instead of the static hash).
//! - `portico api-key create|list|revoke`: keys for the portal session API
//!   (see `server::cli`).
//! - `portico config show|set '<json>'`: the default portal configuration.
//! - `portico sync [--customer <cus_…>]`: ask Stripe again for what the
//!   mirror holds (see `server::mirror`).

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    match portico::server::app::runtime() {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("portico: cannot start the async runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "ssr")]
async fn run() -> std::process::ExitCode {
    use std::process::ExitCode;

    use leptos::prelude::get_configuration;
    use portico::server::{app, config::Config};

    let _ = dotenvy::dotenv();
    // Logs go to stderr: stdout carries what the CLI commands print (a new
    // API key, a sign-in link), which scripts capture.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("portico: configuration error: {e} (see .env.example)");
            return ExitCode::from(2);
        }
    };

    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => {}
        Some("sign-in-link") => return print_sign_in_link(&config, &args[1..]),
        Some("api-key") => return portico::server::cli::api_key(&config, &args[1..]).await,
        Some("config") => return portico::server::cli::portal_config(&config, &args[1..]).await,
        Some("sync") => return portico::server::cli::sync(&config, &args[1..]).await,
        Some(other) => {
            eprintln!(
                "portico: unknown command `{other}` (use `serve`, `sign-in-link`, `api-key`, `config` or `sync`)"
            );
            return ExitCode::from(2);
        }
    }

    let mut leptos_options = match get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(e) => {
            eprintln!("portico: Leptos configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    leptos_options.site_addr = config.server.bind;

    let result = match app::state(config, leptos_options).await {
        Ok(state) => app::serve(state).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portico: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "ssr")]
fn print_sign_in_link(
    config: &portico::server::config::Config,
    args: &[String],
) -> std::process::ExitCode {
    use portico::server::identity_hash::{identity_hash, signed_identity};
    use secrecy::ExposeSecret;

    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (key, value) = match (flag("--customer-id"), flag("--email")) {
        (Some(id), _) => ("customer_id", id),
        (None, Some(email)) => ("email", email),
        (None, None) => {
            eprintln!("portico: sign-in-link needs --email or --customer-id");
            return std::process::ExitCode::from(2);
        }
    };
    // `--signed`: an identity that expires (PORTICO_SIGNED_IDENTITY_MAX_AGE)
    // instead of Billflow's static hash.
    let hash_key = config.auth.current_key();
    let secret = hash_key.secret.expose_secret().as_bytes();
    let hash = if args.iter().any(|a| a == "--signed") {
        signed_identity(&hash_key.id, secret, &value, portico::server::db::now())
    } else {
        identity_hash(secret, &value)
    };
    let mut url = config
        .server
        .public_url
        .join("portal")
        .unwrap_or_else(|_| config.server.public_url.clone());
    url.query_pairs_mut()
        .append_pair(key, &value)
        .append_pair("hash", &hash);
    if let Some(sub) = flag("--subscription-id") {
        url.query_pairs_mut().append_pair("subscription_id", &sub);
    }
    println!("{url}");
    std::process::ExitCode::SUCCESS
}

#[cfg(not(feature = "ssr"))]
pub fn main() {}
