//! Saved cards: listing them, saving a new one through a SetupIntent, the
//! default card, and removing cards.

use stripe::StripeRequest;
use stripe_billing::subscription::UpdateSubscription;
use stripe_core::SetupIntentStatus;
use stripe_core::customer::{
    ListPaymentMethodsCustomer, ListPaymentMethodsCustomerType, UpdateCustomer,
    UpdateCustomerInvoiceSettings,
};
use stripe_core::setup_intent::{CreateSetupIntent, CreateSetupIntentUsage, RetrieveSetupIntent};
use stripe_payment::payment_method::{
    AttachPaymentMethod, DetachPaymentMethod, RetrievePaymentMethod,
};

use super::{StripeApi, StripeApiError, map, mutations::strategy};
use crate::model::{PaymentCard, PaymentMethodId, SetupIntentId};

/// Cards listed per customer (Stripe's maximum page).
const CARD_LIMIT: i64 = 100;

/// A SetupIntent the browser confirms with Stripe.js.
#[derive(Clone, Debug)]
pub struct CardSetup {
    pub id: String,
    pub client_secret: String,
}

/// What a SetupIntent ended with, as far as saving a card goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetupOutcome {
    pub customer_id: Option<String>,
    /// The card, once the SetupIntent succeeded.
    pub payment_method: Option<String>,
    pub succeeded: bool,
}

impl StripeApi {
    /// The customer's cards (the default is marked by the caller, from the
    /// customer's `invoice_settings`); `now` decides which have expired or
    /// expire soon.
    pub async fn cards(
        &self,
        customer_id: &str,
        now: i64,
    ) -> Result<Vec<PaymentCard>, StripeApiError> {
        let list = ListPaymentMethodsCustomer::new(customer_id)
            .type_(ListPaymentMethodsCustomerType::Card)
            .limit(CARD_LIMIT)
            .send(&self.client)
            .await?;
        Ok(list
            .data
            .iter()
            .filter_map(|pm| map::card(pm, now))
            .collect())
    }

    /// The customer a payment method is attached to, or `None` if it does
    /// not exist. `Some(None)`: it exists but belongs to no customer.
    pub async fn payment_method_owner(
        &self,
        id: &PaymentMethodId,
    ) -> Result<Option<Option<String>>, StripeApiError> {
        match RetrievePaymentMethod::new(id.as_str())
            .send(&self.client)
            .await
        {
            Ok(pm) => Ok(Some(pm.customer.as_ref().map(|c| c.id().to_string()))),
            Err(e) => StripeApiError::from(e).none_if_missing(),
        }
    }

    /// A SetupIntent to save a card for later, off-session charges.
    pub async fn create_card_setup(
        &self,
        customer_id: &str,
        key: &str,
    ) -> Result<CardSetup, StripeApiError> {
        let intent = CreateSetupIntent::new()
            .customer(customer_id)
            .usage(CreateSetupIntentUsage::OffSession)
            .customize()
            .request_strategy(strategy(key)?)
            .send(&self.client)
            .await?;
        let client_secret = intent.client_secret.ok_or_else(|| {
            StripeApiError::Unavailable("SetupIntent without client_secret".into())
        })?;
        Ok(CardSetup {
            id: intent.id.to_string(),
            client_secret,
        })
    }

    /// How a SetupIntent ended, or `None` if it does not exist.
    pub async fn card_setup_outcome(
        &self,
        id: &SetupIntentId,
    ) -> Result<Option<SetupOutcome>, StripeApiError> {
        let intent = match RetrieveSetupIntent::new(id.as_str())
            .send(&self.client)
            .await
        {
            Ok(intent) => intent,
            Err(e) => return StripeApiError::from(e).none_if_missing(),
        };
        Ok(Some(SetupOutcome {
            customer_id: intent.customer.as_ref().map(|c| c.id().to_string()),
            payment_method: intent.payment_method.as_ref().map(|pm| pm.id().to_string()),
            succeeded: intent.status == SetupIntentStatus::Succeeded,
        }))
    }

    /// Attaches a payment method to the customer. Stripe attaches a
    /// SetupIntent's card by itself; this makes sure of it (and is a no-op
    /// replay when it already is).
    pub async fn attach_card(
        &self,
        payment_method: &str,
        customer_id: &str,
        key: &str,
    ) -> Result<(), StripeApiError> {
        AttachPaymentMethod::new(payment_method)
            .customer(customer_id)
            .customize()
            .request_strategy(strategy(key)?)
            .send(&self.client)
            .await?;
        Ok(())
    }

    /// Makes a card the customer's default for invoices.
    pub async fn set_default_card(
        &self,
        customer_id: &str,
        payment_method: &str,
        key: &str,
    ) -> Result<(), StripeApiError> {
        let settings = UpdateCustomerInvoiceSettings {
            default_payment_method: Some(payment_method.to_string()),
            ..UpdateCustomerInvoiceSettings::new()
        };
        UpdateCustomer::new(customer_id)
            .invoice_settings(settings)
            .customize()
            .request_strategy(strategy(key)?)
            .send(&self.client)
            .await?;
        Ok(())
    }

    /// Clears a subscription's own card, so it charges the customer's default.
    pub async fn clear_subscription_card(
        &self,
        subscription_id: &str,
        key: &str,
    ) -> Result<(), StripeApiError> {
        UpdateSubscription::new(subscription_id)
            .default_payment_method("")
            .customize()
            .request_strategy(strategy(key)?)
            .send(&self.client)
            .await?;
        Ok(())
    }

    /// Removes a card from the customer.
    pub async fn detach_card(&self, payment_method: &str, key: &str) -> Result<(), StripeApiError> {
        DetachPaymentMethod::new(payment_method)
            .customize()
            .request_strategy(strategy(key)?)
            .send(&self.client)
            .await?;
        Ok(())
    }
}
