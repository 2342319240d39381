//! The configuration's `allowed_origins`: where customers may be sent back
//! to, and which sites may embed the portal; and the page's
//! Content-Security-Policy built from them.

use url::Url;

use crate::portal_config::PortalConfig;

/// Whether `url`'s origin is one of the configuration's allowed origins.
pub fn is_allowed(settings: &PortalConfig, url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && settings
            .allowed_origins
            .iter()
            .filter_map(|o| Url::parse(o).ok())
            .any(|o| o.origin() == url.origin())
}

/// The origin `raw` names (`https://shop.example`), serialized the way
/// browsers send it, if it is allowed.
pub fn allowed_origin(settings: &PortalConfig, raw: &str) -> Option<String> {
    let url = Url::parse(raw).ok()?;
    is_allowed(settings, &url).then(|| url.origin().ascii_serialization())
}

/// The allowed origins as a CSP `frame-ancestors` source list.
pub fn frame_ancestors(settings: &PortalConfig) -> String {
    let mut sources = vec!["'self'".to_string()];
    sources.extend(settings.allowed_origins.iter().filter_map(|o| source(o)));
    format!("frame-ancestors {}", sources.join(" "))
}

/// What a page's Content-Security-Policy is made of.
pub struct PolicySources<'a> {
    pub settings: &'a PortalConfig,
    /// The nonce of the page's inline scripts, when it has any.
    pub nonce: Option<&'a str>,
    /// Where Stripe.js is loaded from (the card form).
    pub stripe_js: &'a Url,
    /// URLs a form post may end at (a flow's return to the merchant).
    pub form_targets: &'a [&'a str],
}

/// The page's Content-Security-Policy: scripts from Portico, Stripe.js and
/// the render's nonce (and WebAssembly, which the hydrated app is); no
/// plugins or `<base>`; forms to Portico and `form_targets`; framing as
/// [`frame_ancestors`].
pub fn content_security_policy(sources: &PolicySources) -> String {
    let mut script = vec!["'self'".to_string(), "'wasm-unsafe-eval'".to_string()];
    if let Some(nonce) = sources.nonce.filter(|n| {
        !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
    }) {
        script.push(format!("'nonce-{nonce}'"));
    }
    script.extend(source(sources.stripe_js.as_str()));
    // Stripe.js loads its parts from its subdomains.
    if sources.stripe_js.host_str() == Some("js.stripe.com") {
        script.push("https://*.js.stripe.com".to_string());
    }
    let mut form = vec!["'self'".to_string()];
    form.extend(sources.form_targets.iter().filter_map(|t| source(t)));
    form.dedup();
    format!(
        "script-src {}; object-src 'none'; base-uri 'none'; form-action {}; {}",
        script.join(" "),
        form.join(" "),
        frame_ancestors(sources.settings)
    )
}

/// A URL's origin as a CSP source (`https://shop.example`), if it is a web
/// address; serialized from the parsed URL, so it cannot carry a second
/// source or directive.
fn source(raw: &str) -> Option<String> {
    let url = Url::parse(raw).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .then(|| url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> PortalConfig {
        PortalConfig {
            allowed_origins: vec![
                "https://shop.example".into(),
                "http://127.0.0.2:3199/".into(),
                "not a url".into(),
                // A CSP source list is space-separated: this must not
                // smuggle in a second source.
                "https://a.example *".into(),
            ],
            ..PortalConfig::default()
        }
    }

    #[test]
    fn only_listed_origins_are_allowed() {
        let s = settings();
        assert_eq!(
            allowed_origin(&s, "https://shop.example/account?x=1").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            allowed_origin(&s, "http://127.0.0.2:3199").as_deref(),
            Some("http://127.0.0.2:3199")
        );
        for other in [
            "https://shop.example.evil.example",
            "http://shop.example",
            "https://shop.example:8443",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(allowed_origin(&s, other), None, "{other}");
        }
    }

    #[test]
    fn frame_ancestors_lists_self_and_the_allowed_origins() {
        assert_eq!(
            frame_ancestors(&settings()),
            "frame-ancestors 'self' https://shop.example http://127.0.0.2:3199"
        );
        assert_eq!(
            frame_ancestors(&PortalConfig::default()),
            "frame-ancestors 'self'"
        );
    }

    #[test]
    fn the_page_policy_names_scripts_forms_and_framing() {
        let stripe_js = Url::parse("https://js.stripe.com/v3/").unwrap();
        let settings = settings();
        let policy = content_security_policy(&PolicySources {
            settings: &settings,
            nonce: Some("AbC+/9="),
            stripe_js: &stripe_js,
            form_targets: &["https://shop.example/account?x=1", "javascript:alert(1)"],
        });
        assert_eq!(
            policy,
            "script-src 'self' 'wasm-unsafe-eval' 'nonce-AbC+/9=' https://js.stripe.com \
             https://*.js.stripe.com; object-src 'none'; base-uri 'none'; \
             form-action 'self' https://shop.example; \
             frame-ancestors 'self' https://shop.example http://127.0.0.2:3199"
        );
        // A nonce that could end the directive is left out.
        let policy = content_security_policy(&PolicySources {
            settings: &PortalConfig::default(),
            nonce: Some("x; script-src *"),
            stripe_js: &Url::parse("http://127.0.0.1:12111/js.stripe.com/v3/").unwrap(),
            form_targets: &[],
        });
        assert_eq!(
            policy,
            "script-src 'self' 'wasm-unsafe-eval' http://127.0.0.1:12111; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
        );
    }
}
