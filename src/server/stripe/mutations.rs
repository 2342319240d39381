//! Changes to a customer's subscriptions at Stripe. Every call carries an
//! Idempotency-Key derived from the customer's request by the caller, so a
//! double submit is one change at Stripe. A write answers with the id of the
//! subscription Stripe wrote (from Stripe's answer; for schedule writes, the
//! subscription the schedule manages), and nothing more: once Stripe has
//! accepted a change, nothing after it (such as re-reading product names)
//! can make it look like a failure. (An item change also says whether
//! Stripe holds it for its payment: then it has not happened yet.)

use std::collections::HashMap;
use std::convert::Infallible;
use std::str::FromStr;

use stripe::{IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_billing::invoice::{
    CreatePreviewInvoice, CreatePreviewInvoiceSubscriptionDetails,
    CreatePreviewInvoiceSubscriptionDetailsItems,
    CreatePreviewInvoiceSubscriptionDetailsProrationBehavior, RetrieveInvoice, VoidInvoiceInvoice,
};
use stripe_billing::subscription::{
    CancelSubscription, CancelSubscriptionCancellationDetails, CreateSubscription,
    CreateSubscriptionItems, CreateSubscriptionPaymentBehavior, UpdateSubscription,
    UpdateSubscriptionCancellationDetails, UpdateSubscriptionItems,
    UpdateSubscriptionPaymentBehavior, UpdateSubscriptionProrationBehavior,
};
use stripe_billing::subscription_schedule::{
    CreateSubscriptionSchedule, ReleaseSubscriptionSchedule, UpdateSubscriptionSchedule,
    UpdateSubscriptionSchedulePhases, UpdateSubscriptionSchedulePhasesEndDate,
    UpdateSubscriptionSchedulePhasesItems, UpdateSubscriptionSchedulePhasesProrationBehavior,
    UpdateSubscriptionSchedulePhasesStartDate,
};
use stripe_billing::{InvoiceStatus, SubscriptionScheduleEndBehavior};
use stripe_core::PaymentIntentStatus;

use super::{Redemption, StripeApi, StripeApiError};
use crate::model::{CancelReason, SubscriptionLine};
use crate::money::Money;
use crate::portal_config::ProrationBehavior;

/// Metadata keys Portico writes on subscriptions, so merchants see in their
/// Stripe dashboard why and how a customer acted.
pub const META_CANCEL_REASON: &str = "portico_cancel_reason";
pub const META_CANCEL_COMMENT: &str = "portico_cancel_comment";
pub const META_SOURCE: &str = "portico_source";
/// On a subscription started by "resubscribe": the canceled one it replaces.
pub const META_RESUBSCRIBED_FROM: &str = "portico_resubscribed_from";
/// Stripe's limit on a metadata value's length.
const METADATA_VALUE_MAX: usize = 500;

/// A new subscription replacing a canceled one.
#[derive(Clone, Copy, Debug)]
pub struct Resubscription<'a> {
    /// The canceled subscription it replaces.
    pub replaces: &'a str,
    pub customer_id: &'a str,
    pub price_id: &'a str,
    pub quantity: u64,
    pub coupon: Option<&'a Redemption>,
    pub payment_method: &'a str,
}

/// What changes on a subscription item.
#[derive(Clone, Copy, Debug, Default)]
pub struct ItemChange<'a> {
    pub price: Option<&'a str>,
    pub quantity: Option<u64>,
}

/// What Stripe did with an item change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemUpdate {
    /// The subscription Stripe wrote.
    pub subscription: String,
    /// The change invoiced at once and its payment did not go through
    /// (declined, or waiting for 3-D Secure): Stripe keeps the old price
    /// and holds the change as a pending update until this invoice is paid.
    pub awaiting_invoice: Option<String>,
}

/// Where the payment of an invoice stands, for a held change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoicePayment {
    /// Paid (a replayed answer can name a held change paid since): the
    /// change has applied.
    Paid,
    /// The customer's bank asks them to confirm it (3-D Secure).
    NeedsConfirmation,
    /// Declined, canceled, or not attempted: it will not complete by itself.
    Failed,
}

/// Why a customer cancels, as given in the cancel dialog.
#[derive(Clone, Debug, Default)]
pub struct Cancellation {
    pub reason: Option<CancelReason>,
    pub comment: Option<String>,
}

impl Cancellation {
    fn metadata(&self) -> HashMap<String, String> {
        let mut meta = HashMap::new();
        if let Some(reason) = self.reason {
            meta.insert(META_CANCEL_REASON.to_string(), reason.as_str().to_string());
        }
        if let Some(comment) = &self.comment {
            // The full comment goes to cancellation_details; Stripe caps
            // metadata values, so a long comment is cut here.
            let short: String = comment.chars().take(METADATA_VALUE_MAX).collect();
            meta.insert(META_CANCEL_COMMENT.to_string(), short);
        }
        meta
    }
}

pub(super) fn strategy(key: &str) -> Result<RequestStrategy, StripeApiError> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| StripeApiError::Unavailable(format!("idempotency key: {e:?}")))
}

/// One of async-stripe's request enums (each request has its own copy of
/// Stripe's cancellation feedback and proration names) from Stripe's name.
/// A name async-stripe does not know would become its `Unknown` variant;
/// the tests below check that every name Portico sends is known.
fn stripe_enum<E: FromStr<Err = Infallible>>(name: &str) -> E {
    let Ok(value) = E::from_str(name);
    value
}

impl StripeApi {
    /// Schedules (or, with `cancel = false`, withdraws) a cancellation at the
    /// end of the billing period.
    pub async fn set_cancel_at_period_end(
        &self,
        subscription_id: &str,
        cancel: bool,
        why: &Cancellation,
        key: &str,
    ) -> Result<String, StripeApiError> {
        let mut request = UpdateSubscription::new(subscription_id).cancel_at_period_end(cancel);
        if cancel {
            request = request
                .cancellation_details(UpdateSubscriptionCancellationDetails {
                    comment: why.comment.clone(),
                    feedback: why.reason.map(|r| stripe_enum(r.as_str())),
                    ..Default::default()
                })
                .metadata(why.metadata());
        } else {
            // Clear the recorded reason: the customer stays.
            request = request.metadata(HashMap::from([
                (META_CANCEL_REASON.to_string(), String::new()),
                (META_CANCEL_COMMENT.to_string(), String::new()),
            ]));
        }
        self.send_idempotent(&request, key).await
    }

    /// Cancels at once. The reason goes into the metadata first, because a
    /// canceled subscription keeps what it had.
    pub async fn cancel_now(
        &self,
        subscription_id: &str,
        why: &Cancellation,
        key: &str,
    ) -> Result<String, StripeApiError> {
        UpdateSubscription::new(subscription_id)
            .metadata(why.metadata())
            .customize()
            .request_strategy(strategy(&format!("{key}-meta"))?)
            .send(&self.client)
            .await?;
        let request = CancelSubscription::new(subscription_id).cancellation_details(
            CancelSubscriptionCancellationDetails {
                comment: why.comment.clone(),
                feedback: why.reason.map(|r| stripe_enum(r.as_str())),
                ..Default::default()
            },
        );
        self.send_idempotent(&request, key).await
    }

    /// Changes a subscription item's price and/or quantity. With
    /// `until_paid`, sent as a pending update: when the change is invoiced
    /// at once (an interval change, or `always_invoice`) and the payment
    /// does not go through, Stripe keeps the old price instead of leaving
    /// the new one on a past-due subscription. (Stripe refuses pending
    /// updates on subscriptions it invoices by email.)
    pub async fn update_item(
        &self,
        subscription_id: &str,
        item_id: &str,
        change: ItemChange<'_>,
        proration: ProrationBehavior,
        until_paid: bool,
        key: &str,
    ) -> Result<ItemUpdate, StripeApiError> {
        let proration: UpdateSubscriptionProrationBehavior = stripe_enum(proration.as_str());
        let mut request = UpdateSubscription::new(subscription_id)
            .items(vec![UpdateSubscriptionItems {
                id: Some(item_id.to_string()),
                price: change.price.map(str::to_string),
                quantity: change.quantity,
                ..Default::default()
            }])
            .proration_behavior(proration);
        if until_paid {
            request =
                request.payment_behavior(UpdateSubscriptionPaymentBehavior::PendingIfIncomplete);
        }
        let sub = request
            .customize()
            .request_strategy(strategy(key)?)
            .send(&self.client)
            .await?;
        Ok(ItemUpdate {
            subscription: sub.id.to_string(),
            awaiting_invoice: sub
                .pending_update
                .as_ref()
                .and_then(|_| super::map::latest_invoice(&sub)),
        })
    }

    /// Where the payment of `invoice_id` stands (its first payment's intent).
    pub async fn invoice_payment(
        &self,
        invoice_id: &str,
    ) -> Result<InvoicePayment, StripeApiError> {
        let invoice = RetrieveInvoice::new(invoice_id)
            .expand(vec![
                "payments".to_string(),
                "payments.data.payment.payment_intent".to_string(),
            ])
            .send(&self.client)
            .await?;
        let needs_action = invoice
            .payments
            .iter()
            .flat_map(|p| p.data.iter())
            .filter_map(|p| p.payment.payment_intent.as_ref()?.as_object())
            .any(|intent| intent.status == PaymentIntentStatus::RequiresAction);
        Ok(match invoice.status {
            Some(InvoiceStatus::Paid) => InvoicePayment::Paid,
            Some(InvoiceStatus::Open) if needs_action => InvoicePayment::NeedsConfirmation,
            _ => InvoicePayment::Failed,
        })
    }

    /// Voids an open invoice; for the invoice of a pending update, Stripe
    /// then discards the update.
    pub async fn void_invoice(&self, invoice_id: &str, key: &str) -> Result<(), StripeApiError> {
        VoidInvoiceInvoice::new(invoice_id)
            .customize()
            .request_strategy(strategy(key)?)
            .send(&self.client)
            .await?;
        Ok(())
    }

    /// Applies a coupon or promotion code to a subscription (replacing any
    /// other discount).
    pub async fn apply_coupon(
        &self,
        subscription_id: &str,
        redemption: &Redemption,
        key: &str,
    ) -> Result<String, StripeApiError> {
        let request =
            UpdateSubscription::new(subscription_id).discounts(vec![redemption.discount()]);
        self.send_idempotent(&request, key).await
    }

    /// Moves the subscription's only item to `change` at the end of the
    /// current period, through a subscription schedule: its current phase
    /// keeps what the customer has, the next one starts with the new plan,
    /// and the schedule then releases the subscription.
    pub async fn schedule_item_change(
        &self,
        subscription_id: &str,
        current: &SubscriptionLine,
        change: ItemChange<'_>,
        key: &str,
    ) -> Result<String, StripeApiError> {
        // Marked from the start, so a schedule whose update below fails is
        // still known as Portico's (and can be dropped).
        let schedule: stripe_billing::SubscriptionSchedule = CreateSubscriptionSchedule::new()
            .from_subscription(subscription_id)
            .metadata(schedule_marker())
            .customize()
            .request_strategy(strategy(&format!("{key}-schedule"))?)
            .send(&self.client)
            .await?;
        let now = schedule
            .phases
            .first()
            .ok_or_else(|| StripeApiError::Unavailable("schedule without a phase".into()))?;
        let item = |price: &str, quantity: u64| UpdateSubscriptionSchedulePhasesItems {
            price: Some(price.to_string()),
            quantity: Some(quantity),
            ..Default::default()
        };
        let phases = vec![
            UpdateSubscriptionSchedulePhases {
                start_date: Some(UpdateSubscriptionSchedulePhasesStartDate::Timestamp(
                    now.start_date,
                )),
                end_date: Some(UpdateSubscriptionSchedulePhasesEndDate::Timestamp(
                    now.end_date,
                )),
                ..UpdateSubscriptionSchedulePhases::new(vec![item(
                    &current.price_id,
                    current.quantity,
                )])
            },
            // Starts when the period ends: nothing to prorate.
            UpdateSubscriptionSchedulePhases {
                proration_behavior: Some(UpdateSubscriptionSchedulePhasesProrationBehavior::None),
                ..UpdateSubscriptionSchedulePhases::new(vec![item(
                    change.price.unwrap_or(&current.price_id),
                    change.quantity.unwrap_or(current.quantity),
                )])
            },
        ];
        UpdateSubscriptionSchedule::new(schedule.id.as_str())
            .end_behavior(SubscriptionScheduleEndBehavior::Release)
            .phases(phases)
            .metadata(schedule_marker())
            .customize()
            .request_strategy(strategy(key)?)
            .send(&self.client)
            .await?;
        Ok(subscription_id.to_string())
    }

    /// Drops a scheduled change: the schedule lets go of the subscription,
    /// which stays as it is now.
    pub async fn release_schedule(
        &self,
        subscription_id: &str,
        schedule_id: &str,
        key: &str,
    ) -> Result<String, StripeApiError> {
        ReleaseSubscriptionSchedule::new(schedule_id)
            .customize()
            .request_strategy(strategy(key)?)
            .send(&self.client)
            .await?;
        Ok(subscription_id.to_string())
    }

    /// Starts a new subscription for a customer on one price.
    pub async fn create_subscription(
        &self,
        new: &Resubscription<'_>,
        key: &str,
    ) -> Result<String, StripeApiError> {
        let mut request = CreateSubscription::new()
            .customer(new.customer_id)
            .items(vec![CreateSubscriptionItems {
                price: Some(new.price_id.to_string()),
                quantity: Some(new.quantity),
                ..Default::default()
            }])
            .default_payment_method(new.payment_method)
            // The first invoice must be paid now: a declined card creates
            // nothing (Stripe answers 402) instead of an incomplete subscription.
            .payment_behavior(CreateSubscriptionPaymentBehavior::ErrorIfIncomplete)
            .metadata(HashMap::from([
                (META_SOURCE.to_string(), "resubscribe".to_string()),
                (META_RESUBSCRIBED_FROM.to_string(), new.replaces.to_string()),
            ]));
        if let Some(coupon) = new.coupon {
            request = request.discounts(vec![coupon.discount()]);
        }
        self.send_idempotent(&request, key).await
    }

    /// What the next invoice would be if the item moved to `price_id`.
    pub async fn preview_price_change(
        &self,
        customer_id: &str,
        subscription_id: &str,
        item_id: &str,
        price_id: &str,
        proration: ProrationBehavior,
    ) -> Result<(Money, Option<i64>), StripeApiError> {
        let proration: CreatePreviewInvoiceSubscriptionDetailsProrationBehavior =
            stripe_enum(proration.as_str());
        let invoice = CreatePreviewInvoice::new()
            .customer(customer_id)
            .subscription(subscription_id)
            .subscription_details(CreatePreviewInvoiceSubscriptionDetails {
                items: Some(vec![CreatePreviewInvoiceSubscriptionDetailsItems {
                    id: Some(item_id.to_string()),
                    price: Some(price_id.to_string()),
                    ..Default::default()
                }]),
                proration_behavior: Some(proration),
                ..Default::default()
            })
            .send(&self.client)
            .await?;
        let amount = Money::new(invoice.amount_due, &invoice.currency.to_string());
        let due = invoice.next_payment_attempt.or(Some(invoice.period_end));
        Ok((amount, due))
    }

    /// Sends a subscription mutation with its Idempotency-Key; answers the
    /// id of the subscription Stripe wrote.
    async fn send_idempotent<R>(&self, request: &R, key: &str) -> Result<String, StripeApiError>
    where
        R: StripeRequest<Output = stripe_billing::Subscription>,
    {
        let sub = request
            .customize()
            .request_strategy(strategy(key)?)
            .send(&self.client)
            .await?;
        Ok(sub.id.to_string())
    }
}

/// The metadata that marks a schedule as Portico's (see `SCHEDULE_METADATA`).
fn schedule_marker() -> HashMap<String, String> {
    HashMap::from([(
        super::SCHEDULE_METADATA.to_string(),
        super::SCHEDULE_OURS.to_string(),
    )])
}

#[cfg(test)]
mod tests {
    use stripe_billing::subscription::{
        CancelSubscriptionCancellationDetailsFeedback as CancelFeedback,
        UpdateSubscriptionCancellationDetailsFeedback as UpdateFeedback,
    };

    use super::*;

    #[test]
    fn every_name_portico_sends_is_one_async_stripe_knows() {
        for reason in CancelReason::ALL {
            let update: UpdateFeedback = stripe_enum(reason.as_str());
            let cancel: CancelFeedback = stripe_enum(reason.as_str());
            assert!(!matches!(update, UpdateFeedback::Unknown(_)), "{reason:?}");
            assert!(!matches!(cancel, CancelFeedback::Unknown(_)), "{reason:?}");
        }
        for proration in [
            ProrationBehavior::CreateProrations,
            ProrationBehavior::AlwaysInvoice,
            ProrationBehavior::None,
        ] {
            let update: UpdateSubscriptionProrationBehavior = stripe_enum(proration.as_str());
            let preview: CreatePreviewInvoiceSubscriptionDetailsProrationBehavior =
                stripe_enum(proration.as_str());
            assert!(!matches!(
                update,
                UpdateSubscriptionProrationBehavior::Unknown(_)
            ));
            assert!(!matches!(
                preview,
                CreatePreviewInvoiceSubscriptionDetailsProrationBehavior::Unknown(_)
            ));
        }
    }
}
