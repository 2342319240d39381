//! Every locale has exactly the keys of the default locale (en). leptos_i18n
//! only warns about a missing key and silently shows English, so this test is
//! what keeps a half-translated page from shipping.

use std::collections::BTreeSet;
use std::path::Path;

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::String(s) if s.trim().is_empty() => panic!("{prefix} is empty"),
        serde_json::Value::Null => panic!("{prefix} is null (an explicit fallback to English)"),
        _ => {
            out.insert(prefix.to_string());
        }
    }
}

fn keys(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeSet::new();
    flatten("", &value, &mut out);
    out
}

#[test]
fn every_locale_has_every_key() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    let reference = keys(&dir.join("en.json"));
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("locales dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") && !path.ends_with("en.json") {
            let other = keys(&path);
            let missing: Vec<_> = reference.difference(&other).collect();
            let extra: Vec<_> = other.difference(&reference).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", path.display());
            assert!(
                extra.is_empty(),
                "{} has keys en lacks: {extra:?}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 1, "no locale besides en was checked");
}

#[test]
fn every_locale_is_registered_in_build_rs() {
    let build =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs")).unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")).unwrap() {
        let path = entry.unwrap().path();
        let tag = path.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            build.contains(&format!("\"{tag}\"")),
            "locales/{tag}.json is not listed in build.rs LOCALES"
        );
    }
}
