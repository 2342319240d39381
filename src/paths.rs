//! The portal's pages and their addresses, in one place: links, redirects,
//! deep-linked flows and flow pinning all build and read them here. `app::App`
//! routes each one; a test there checks that every route it serves parses as
//! one of these, so a new page cannot escape a flow's pinning.

/// A page of the portal (a route of `app::App`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PagePath {
    /// The portal home: subscriptions, invoices, cards, details.
    Home,
    /// Cancel one subscription.
    Cancel(String),
    /// The plan picker of one subscription.
    Plan(String),
    /// The billing history.
    Invoices,
    /// Save a new card.
    AddCard,
    /// Edit the billing details.
    Details,
    /// The confirmation that ends a deep-linked flow.
    FlowDone,
}

impl PagePath {
    /// The page's path (no query).
    pub fn href(&self) -> String {
        match self {
            Self::Home => "/".into(),
            Self::Cancel(id) => format!("/subscriptions/{id}/cancel"),
            Self::Plan(id) => format!("/subscriptions/{id}/plan"),
            Self::Invoices => "/invoices".into(),
            Self::AddCard => "/payment-methods/new".into(),
            Self::Details => "/details".into(),
            Self::FlowDone => "/flow/done".into(),
        }
    }

    /// The page at `path` (no query), if it is one of the portal's.
    pub fn parse(path: &str) -> Option<Self> {
        let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        Some(match segments.as_slice() {
            [""] => Self::Home,
            ["subscriptions", id, "cancel"] if !id.is_empty() => Self::Cancel(id.to_string()),
            ["subscriptions", id, "plan"] if !id.is_empty() => Self::Plan(id.to_string()),
            ["invoices"] => Self::Invoices,
            ["payment-methods", "new"] => Self::AddCard,
            ["details"] => Self::Details,
            ["flow", "done"] => Self::FlowDone,
            _ => return None,
        })
    }
}

/// A value for a page address's query: every byte but RFC 3986's unreserved
/// ones (`A-Z a-z 0-9 - . _ ~`) percent-encoded. The shared model builds
/// addresses on both sides, where `url` (server-only) is not at hand.
pub fn query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
impl PagePath {
    /// One of each page, for tests that must cover them all.
    pub fn samples() -> Vec<PagePath> {
        vec![
            Self::Home,
            Self::Cancel("sub_1".into()),
            Self::Plan("sub_1".into()),
            Self::Invoices,
            Self::AddCard,
            Self::Details,
            Self::FlowDone,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::PagePath;

    #[test]
    fn every_page_parses_back_from_its_address() {
        assert_eq!(PagePath::samples().len(), 7);
        let pages = [
            (PagePath::Home, "/"),
            (
                PagePath::Cancel("sub_1".into()),
                "/subscriptions/sub_1/cancel",
            ),
            (PagePath::Plan("sub_1".into()), "/subscriptions/sub_1/plan"),
            (PagePath::Invoices, "/invoices"),
            (PagePath::AddCard, "/payment-methods/new"),
            (PagePath::Details, "/details"),
            (PagePath::FlowDone, "/flow/done"),
        ];
        for (page, href) in pages {
            assert_eq!(page.href(), href);
            assert_eq!(PagePath::parse(href), Some(page), "{href}");
        }
    }

    #[test]
    fn other_addresses_are_not_pages() {
        for other in [
            "",
            "/pkg/portico.js",
            "/api/get_overview",
            "/session/plink_x",
            "/healthz",
            "/subscriptions//cancel",
            "/subscriptions/sub_1",
            "/invoices/x",
            "/embed.js",
        ] {
            assert_eq!(PagePath::parse(other), None, "{other}");
        }
    }
}
