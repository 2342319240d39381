//! Invoices as the billing history shows them.

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// Where an invoice stands, as Stripe names it. Drafts are never shown: the
/// customer has not been billed yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceStatus {
    Open,
    Paid,
    Void,
    Uncollectible,
}

/// One row of the billing history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    /// Stripe invoice id (`in_…`).
    pub id: String,
    /// The number printed on the invoice, e.g. "A1B2C3-0001".
    pub number: Option<String>,
    /// When it was issued (Unix seconds).
    pub created: i64,
    /// What the invoice is for in total.
    pub total: Money,
    /// What is still owed (open invoices).
    pub amount_remaining: Money,
    pub status: InvoiceStatus,
    /// Stripe's PDF of the invoice.
    pub pdf_url: Option<String>,
    /// Stripe's hosted invoice page, where an open invoice can be paid.
    pub hosted_url: Option<String>,
    /// The subscription that billed it; `None` for one-off invoices.
    pub subscription_id: Option<String>,
}

impl Invoice {
    /// Whether the customer can still pay it (on the hosted page).
    pub fn payable(&self) -> bool {
        self.status == InvoiceStatus::Open
            && self.hosted_url.is_some()
            && self.amount_remaining.minor > 0
    }
}

/// Which invoices a list holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceScope {
    /// Every invoice of the customer, one-off ones too ("show all invoices").
    All,
    /// The invoices of one subscription.
    Subscription(String),
}

/// A page of the billing history, newest first, with Stripe's cursors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvoicePage {
    pub scope: InvoiceScope,
    pub invoices: Vec<Invoice>,
    /// Cursor for the next newer page (`?before=`), if there is one.
    pub newer: Option<String>,
    /// Cursor for the next older page (`?after=`), if there is one.
    pub older: Option<String>,
}

/// Where a page sits in the history: Stripe's `starting_after` (older than
/// this invoice) or `ending_before` (newer than it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceCursor {
    Newest,
    After(String),
    Before(String),
}

impl InvoicePage {
    /// The cursors of a page fetched at `cursor`, from what Stripe returned:
    /// `more` is Stripe's `has_more` in the direction fetched. `ids` are the
    /// ids Stripe returned, newest first (drafts included, so a page of
    /// drafts still moves on).
    pub fn cursors(
        cursor: &InvoiceCursor,
        ids: &[String],
        more: bool,
    ) -> (Option<String>, Option<String>) {
        let (first, last) = (ids.first().cloned(), ids.last().cloned());
        match cursor {
            InvoiceCursor::Newest => (None, last.filter(|_| more)),
            // Coming from newer pages: there is a newer page; an older one
            // when Stripe says so.
            InvoiceCursor::After(from) => (first.or(Some(from.clone())), last.filter(|_| more)),
            // Coming from older pages: there is an older page; a newer one
            // when Stripe says so.
            InvoiceCursor::Before(from) => (first.filter(|_| more), last.or(Some(from.clone()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn first_page_links_only_to_older_when_stripe_has_more() {
        let page = ids(&["in_9", "in_8"]);
        assert_eq!(
            InvoicePage::cursors(&InvoiceCursor::Newest, &page, true),
            (None, Some("in_8".into()))
        );
        assert_eq!(
            InvoicePage::cursors(&InvoiceCursor::Newest, &page, false),
            (None, None)
        );
    }

    #[test]
    fn an_older_page_links_back_to_newer() {
        let page = ids(&["in_7", "in_6"]);
        let after = InvoiceCursor::After("in_8".into());
        assert_eq!(
            InvoicePage::cursors(&after, &page, true),
            (Some("in_7".into()), Some("in_6".into()))
        );
        assert_eq!(
            InvoicePage::cursors(&after, &page, false),
            (Some("in_7".into()), None)
        );
        // An empty page past the end still offers the way back.
        assert_eq!(
            InvoicePage::cursors(&after, &[], false),
            (Some("in_8".into()), None)
        );
    }

    #[test]
    fn a_newer_page_links_to_older_and_to_newer_when_stripe_has_more() {
        let page = ids(&["in_9", "in_8"]);
        let before = InvoiceCursor::Before("in_7".into());
        assert_eq!(
            InvoicePage::cursors(&before, &page, false),
            (None, Some("in_8".into()))
        );
        assert_eq!(
            InvoicePage::cursors(&before, &page, true),
            (Some("in_9".into()), Some("in_8".into()))
        );
    }
}
