//! The configuration's `allowed_origins`: where customers may be sent back
//! to, and which sites may embed the portal.

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
    sources.extend(
        settings
            .allowed_origins
            .iter()
            .filter_map(|o| Url::parse(o).ok())
            .filter(|o| matches!(o.scheme(), "http" | "https") && o.host().is_some())
            .map(|o| o.origin().ascii_serialization()),
    );
    format!("frame-ancestors {}", sources.join(" "))
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
}
