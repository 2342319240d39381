//! Generates the `i18n` module from `locales/*.json` (leptos_i18n 0.6 moved
//! this from a proc macro to the build script).

use std::error::Error;
use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

/// Locales Portico ships; the first is the default and the reference every
/// other locale must match key for key (`tests/integration/locales.rs` checks it).
const LOCALES: &[&str] = &["en", "de"];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    // sqlx::migrate! embeds the migration files; a new file must rebuild.
    println!("cargo::rerun-if-changed=migrations");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("i18n");

    let mut config = Config::new(LOCALES[0])?;
    for locale in &LOCALES[1..] {
        config = config.add_locale(locale)?;
    }
    // Interpolated strings are also needed as plain `String`s (dates, money).
    config = config.parse_options(ParseOptions::new().interpolate_display(true));

    let infos = TranslationsInfos::parse(config)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    infos.generate_i18n_module(out)?;
    Ok(())
}
