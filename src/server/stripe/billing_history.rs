//! Invoices: pages of a customer's billing history, with Stripe's cursors.

use stripe_billing::invoice::{ListInvoice, RetrieveInvoice};

use super::{StripeApi, StripeApiError, map};
use crate::model::{InvoiceCursor, InvoiceId, InvoicePage, InvoiceScope};

/// Who an invoice belongs to, for ownership checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceOwner {
    pub customer_id: Option<String>,
    pub subscription_id: Option<String>,
}

impl StripeApi {
    /// One page of a customer's invoices, newest first. Stripe's cursors make
    /// every page one request, however long the history.
    pub async fn invoices(
        &self,
        customer_id: &str,
        scope: &InvoiceScope,
        cursor: &InvoiceCursor,
        limit: u8,
    ) -> Result<InvoicePage, StripeApiError> {
        let mut request = ListInvoice::new()
            .customer(customer_id)
            .limit(i64::from(limit));
        if let InvoiceScope::Subscription(id) = scope {
            request = request.subscription(id.as_str());
        }
        request = match cursor {
            InvoiceCursor::Newest => request,
            InvoiceCursor::After(id) => request.starting_after(id.as_str()),
            InvoiceCursor::Before(id) => request.ending_before(id.as_str()),
        };
        let page = request.send(&self.client).await?;
        let ids: Vec<String> = page
            .data
            .iter()
            .filter_map(|i| i.id.as_ref().map(ToString::to_string))
            .collect();
        let (newer, older) = InvoicePage::cursors(cursor, &ids, page.has_more);
        Ok(InvoicePage {
            scope: scope.clone(),
            invoices: page.data.iter().filter_map(map::invoice).collect(),
            newer,
            older,
        })
    }

    /// The customer and subscription of an invoice, or `None` if it does not exist.
    pub async fn invoice_owner(
        &self,
        id: &InvoiceId,
    ) -> Result<Option<InvoiceOwner>, StripeApiError> {
        let invoice = match RetrieveInvoice::new(id.as_str()).send(&self.client).await {
            Ok(invoice) => invoice,
            Err(e) => return StripeApiError::from(e).none_if_missing(),
        };
        Ok(Some(InvoiceOwner {
            customer_id: invoice.customer.as_ref().map(|c| c.id().to_string()),
            subscription_id: map::invoice_subscription(&invoice),
        }))
    }
}
