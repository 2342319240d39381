//! The customer's billing details: name, email, phone, address, tax id.

use std::str::FromStr;

use stripe::StripeRequest;
use stripe_billing::tax_id::{CreateCustomerTaxId, CreateCustomerTaxIdType, DeleteCustomerTaxId};
use stripe_core::customer::{
    OptionalFieldsCustomerAddress, RetrieveCustomer, RetrieveCustomerReturned, UpdateCustomer,
};

use super::map::Profile;
use super::{StripeApi, StripeApiError, map, mutations::strategy};
use crate::model::{CustomerDetails, DetailsUpdate, TaxIdChange};

impl StripeApi {
    /// The customer with their details (tax ids expanded) and default card,
    /// or `None` if the customer does not exist or was deleted.
    pub async fn profile(&self, customer_id: &str) -> Result<Option<Profile>, StripeApiError> {
        let request = RetrieveCustomer::new(customer_id).expand(vec!["tax_ids".to_string()]);
        match request.send(&self.client).await {
            Ok(RetrieveCustomerReturned::Customer(c)) => Ok(Some(map::profile(&c))),
            Ok(RetrieveCustomerReturned::DeletedCustomer(_)) => Ok(None),
            Err(e) => StripeApiError::from(e).none_if_missing(),
        }
    }

    /// Writes a validated change. `current` is what the customer had, so a
    /// tax id is only replaced when it differs. Every write carries a key
    /// derived from `key`.
    pub async fn update_details(
        &self,
        customer_id: &str,
        current: &CustomerDetails,
        update: &DetailsUpdate,
        key: &str,
    ) -> Result<(), StripeApiError> {
        let mut request = UpdateCustomer::new(customer_id);
        if let Some(name) = &update.name {
            request = request.name(name.as_str());
        }
        if let Some(email) = &update.email {
            request = request.email(email.as_str());
        }
        if let Some(phone) = &update.phone {
            request = request.phone(phone.as_str());
        }
        if let Some(a) = &update.address {
            // Empty strings clear optional lines at Stripe.
            let address = OptionalFieldsCustomerAddress {
                line1: Some(a.line1.clone()),
                line2: Some(a.line2.clone()),
                city: Some(a.city.clone()),
                postal_code: Some(a.postal_code.clone()),
                state: Some(a.state.clone()),
                country: Some(a.country.clone()),
            };
            request = request.address(address);
        }
        let fields = [
            update.name.is_some(),
            update.email.is_some(),
            update.phone.is_some(),
            update.address.is_some(),
        ];
        // Only the tax id changing: no customer update to send.
        if fields.contains(&true) {
            request
                .customize()
                .request_strategy(strategy(key)?)
                .send(&self.client)
                .await?;
        }

        let replace = match &update.tax_id {
            TaxIdChange::Keep => return Ok(()),
            TaxIdChange::Remove => None,
            TaxIdChange::Set(kind, value) => {
                let same = current
                    .tax_ids
                    .iter()
                    .any(|t| t.kind == *kind && &t.value == value);
                if same {
                    return Ok(());
                }
                Some((kind, value))
            }
        };
        // The portal keeps one tax id per customer: the new one replaces the old.
        for old in &current.tax_ids {
            DeleteCustomerTaxId::new(customer_id, old.id.as_str())
                .customize()
                .request_strategy(strategy(&format!("{key}-del-{}", old.id))?)
                .send(&self.client)
                .await?;
        }
        if let Some((kind, value)) = replace {
            let Ok(kind) = CreateCustomerTaxIdType::from_str(kind.as_str());
            CreateCustomerTaxId::new(customer_id, kind, value.as_str())
                .customize()
                .request_strategy(strategy(&format!("{key}-tax"))?)
                .send(&self.client)
                .await?;
        }
        Ok(())
    }
}
