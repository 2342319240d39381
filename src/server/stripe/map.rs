//! async-stripe types → Portico's model. Pure functions, no I/O.

use std::collections::HashMap;

use stripe_billing::SubscriptionStatus as StripeStatus;
use stripe_product::{Product, RecurringInterval};

use crate::model::{
    Address, AwaitingPayment, CardExpiry, Customer, CustomerDetails, Discount, Interval, Invoice,
    InvoiceStatus, PaymentCard, PlanOption, ScheduledChange, Subscription, SubscriptionLine,
    SubscriptionStatus, TaxId, TaxIdKind,
};
use crate::money::Money;

/// Everything the portal shows about the customer, from one retrieval.
#[derive(Clone, Debug)]
pub struct Profile {
    pub customer: Customer,
    pub details: CustomerDetails,
    /// The card invoices are charged to (`invoice_settings.default_payment_method`).
    pub default_payment_method: Option<String>,
}

/// Products by id, fetched alongside subscriptions.
pub type Products = HashMap<String, Product>;

pub fn customer(c: &stripe_core::Customer) -> Customer {
    Customer {
        id: c.id.to_string(),
        email: c.email.clone(),
        name: c.name.clone(),
    }
}

pub fn subscription(s: &stripe_billing::Subscription, products: &Products) -> Subscription {
    let lines: Vec<SubscriptionLine> = s
        .items
        .data
        .iter()
        .map(|item| line(item, products))
        .collect();
    let latest_invoice = latest_invoice(s);
    Subscription {
        id: s.id.to_string(),
        status: status(&s.status),
        lines,
        // Since API version 2025-03-31 billing periods live on items; a
        // subscription's renewal is its earliest item period end.
        current_period_end: s.items.data.iter().map(|i| i.current_period_end).min(),
        trial_end: s.trial_end,
        cancel_at_period_end: s.cancel_at_period_end,
        cancel_at: s.cancel_at,
        ended_at: s.ended_at,
        discount: s
            .discounts
            .iter()
            .find_map(|d| d.as_object())
            .and_then(discount),
        resubscribed_from: s.metadata.get(super::META_RESUBSCRIBED_FROM).cloned(),
        superseded: false,
        scheduled_change: scheduled_change(s, products),
        merchant_schedule: merchant_schedule(s),
        payment_method: s
            .default_payment_method
            .as_ref()
            .map(|pm| pm.id().to_string()),
        awaiting_payment: s.pending_update.as_ref().zip(latest_invoice.clone()).map(
            |(p, invoice_id)| AwaitingPayment {
                invoice_id,
                // Filled from the invoice by the caller (`StripeApi::subscriptions`).
                pay_url: None,
                expires_at: p.expires_at,
            },
        ),
        latest_invoice,
        charges_automatically: s.collection_method
            == stripe_billing::SubscriptionCollectionMethod::ChargeAutomatically,
    }
}

/// The id of the subscription's latest invoice (`in_…`).
pub fn latest_invoice(s: &stripe_billing::Subscription) -> Option<String> {
    s.latest_invoice
        .as_ref()
        .and_then(|i| i.id().as_ref().map(|id| id.to_string()))
}

/// The next phase of the subscription's schedule (expanded with its prices,
/// `schedule.phases.items.price`), when it changes the plan or quantity.
fn scheduled_change(
    s: &stripe_billing::Subscription,
    products: &Products,
) -> Option<ScheduledChange> {
    let schedule = s.schedule.as_ref()?.as_object()?;
    if schedule.status != stripe_billing::SubscriptionScheduleStatus::Active {
        return None;
    }
    let current = s.items.data.first()?;
    let current_end = schedule.current_phase.as_ref()?.end_date;
    let next = schedule
        .phases
        .iter()
        .find(|p| p.start_date >= current_end)?;
    let item = next.items.first()?;
    let price = item.price.as_object()?;
    let quantity = item.quantity.unwrap_or(1);
    if price.id == current.price.id && Some(quantity) == current.quantity {
        return None;
    }
    Some(ScheduledChange {
        schedule_id: schedule.id.to_string(),
        starts_at: next.start_date,
        line: price_line(current.id.as_str(), price, quantity, products),
    })
}

/// Whether an active schedule Portico did not make manages `s` (one not
/// expanded counts as the merchant's: unknown is not ours to touch).
fn merchant_schedule(s: &stripe_billing::Subscription) -> bool {
    let Some(schedule) = s.schedule.as_ref() else {
        return false;
    };
    let Some(schedule) = schedule.as_object() else {
        return true;
    };
    let ours = schedule
        .metadata
        .as_ref()
        .and_then(|m| m.get(super::SCHEDULE_METADATA))
        .is_some_and(|v| v == super::SCHEDULE_OURS);
    schedule.status == stripe_billing::SubscriptionScheduleStatus::Active && !ours
}

/// Ids of the products of the prices a schedule moves to, so their names
/// can be fetched with the subscriptions' own.
pub fn scheduled_product_ids(s: &stripe_billing::Subscription) -> Vec<String> {
    let Some(schedule) = s.schedule.as_ref().and_then(|e| e.as_object()) else {
        return Vec::new();
    };
    schedule
        .phases
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|i| i.price.as_object())
        .map(|price| price.product.id().to_string())
        .collect()
}

/// A discount whose coupon is expanded (`discounts.source.coupon`), and its
/// promotion code if any (`discounts.promotion_code`).
fn discount(d: &stripe_product::Discount) -> Option<Discount> {
    let coupon = d.source.coupon.as_ref()?.as_object()?;
    let code = d
        .promotion_code
        .as_ref()
        .and_then(|p| p.as_object())
        .map(|p| p.code.clone());
    Some(self::coupon(coupon, code))
}

/// A coupon as the discount it gives, typed in as `promotion_code` if any.
pub fn coupon(coupon: &stripe_product::Coupon, promotion_code: Option<String>) -> Discount {
    Discount {
        coupon_id: coupon.id.to_string(),
        promotion_code,
        name: coupon.name.clone(),
        percent_off: coupon.percent_off,
        amount_off: coupon
            .amount_off
            .zip(coupon.currency.as_ref())
            .map(|(amount, currency)| Money::new(amount, &currency.to_string())),
    }
}

/// A recurring price as a plan-picker option; one-off prices are not plans.
pub fn plan_option(price: &stripe_product::Price, product: &Product) -> Option<PlanOption> {
    let recurring = price.recurring.as_ref()?;
    // A plan is paid per seat or per period; metered prices bill usage,
    // which a plan switch cannot carry over.
    if recurring.usage_type != stripe_product::RecurringUsageType::Licensed {
        return None;
    }
    Some(PlanOption {
        price_id: price.id.to_string(),
        product_name: product.name.clone(),
        price_name: price.nickname.clone(),
        amount: Money::new(price.unit_amount?, &price.currency.to_string()),
        interval: interval(&recurring.interval)?,
        interval_count: u32::try_from(recurring.interval_count).unwrap_or(u32::MAX),
        current: false,
    })
}

fn line(item: &stripe_billing::SubscriptionItem, products: &Products) -> SubscriptionLine {
    price_line(
        item.id.as_str(),
        &item.price,
        item.quantity.unwrap_or(1),
        products,
    )
}

fn price_line(
    item_id: &str,
    price: &stripe_product::Price,
    quantity: u64,
    products: &Products,
) -> SubscriptionLine {
    let product_id = price.product.id().to_string();
    let product = price
        .product
        .as_object()
        .or_else(|| products.get(&product_id));
    SubscriptionLine {
        item_id: item_id.to_string(),
        price_id: price.id.to_string(),
        product_name: product
            .map(|p| p.name.clone())
            .unwrap_or_else(|| product_id.clone()),
        product_id,
        price_name: price.nickname.clone(),
        unit_amount: price
            .unit_amount
            .map(|a| Money::new(a, &price.currency.to_string())),
        interval: price.recurring.as_ref().and_then(|r| interval(&r.interval)),
        interval_count: price
            .recurring
            .as_ref()
            .map(|r| u32::try_from(r.interval_count).unwrap_or(u32::MAX))
            .unwrap_or(1),
        quantity,
        unit_label: product.and_then(|p| p.unit_label.clone()),
    }
}

fn interval(i: &RecurringInterval) -> Option<Interval> {
    match i {
        RecurringInterval::Day => Some(Interval::Day),
        RecurringInterval::Week => Some(Interval::Week),
        RecurringInterval::Month => Some(Interval::Month),
        RecurringInterval::Year => Some(Interval::Year),
        // Unknown, or added to async-stripe's non-exhaustive enum later.
        _ => None,
    }
}

fn status(s: &StripeStatus) -> SubscriptionStatus {
    match s {
        StripeStatus::Active => SubscriptionStatus::Active,
        StripeStatus::Trialing => SubscriptionStatus::Trialing,
        StripeStatus::PastDue => SubscriptionStatus::PastDue,
        StripeStatus::Unpaid => SubscriptionStatus::Unpaid,
        StripeStatus::Canceled => SubscriptionStatus::Canceled,
        StripeStatus::Incomplete => SubscriptionStatus::Incomplete,
        StripeStatus::IncompleteExpired => SubscriptionStatus::IncompleteExpired,
        StripeStatus::Paused => SubscriptionStatus::Paused,
        // A status newer than this build: show it as needing attention rather
        // than as healthy.
        _ => SubscriptionStatus::Incomplete,
    }
}

/// An invoice as a billing-history row; drafts (and previews, which have no
/// id) are not shown to customers.
pub fn invoice(i: &stripe_billing::Invoice) -> Option<Invoice> {
    let status = match i.status.as_ref()? {
        stripe_billing::InvoiceStatus::Open => InvoiceStatus::Open,
        stripe_billing::InvoiceStatus::Paid => InvoiceStatus::Paid,
        stripe_billing::InvoiceStatus::Void => InvoiceStatus::Void,
        stripe_billing::InvoiceStatus::Uncollectible => InvoiceStatus::Uncollectible,
        _ => return None,
    };
    let currency = i.currency.to_string();
    let subscription_id = invoice_subscription(i);
    Some(Invoice {
        id: i.id.as_ref()?.to_string(),
        number: i.number.clone(),
        created: i.created,
        total: Money::new(i.total, &currency),
        amount_remaining: Money::new(i.amount_remaining, &currency),
        status,
        pdf_url: i.invoice_pdf.clone().filter(|u| is_https_or_local(u)),
        hosted_url: i
            .hosted_invoice_url
            .clone()
            .filter(|u| is_https_or_local(u)),
        subscription_id,
    })
}

/// The subscription that billed an invoice; `None` for one-off invoices.
pub fn invoice_subscription(i: &stripe_billing::Invoice) -> Option<String> {
    // Since API version 2025-03-31 the subscription is under `parent`.
    i.parent
        .as_ref()
        .and_then(|p| p.subscription_details.as_ref())
        .map(|d| d.subscription.id().to_string())
        .or_else(|| i.subscription.as_ref().map(|s| s.id().to_string()))
}

/// Links shown to customers must be web addresses: a `javascript:` URL in
/// Stripe's data (however unlikely) must not become a clickable link.
fn is_https_or_local(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://127.0.0.1")
        || url.starts_with("http://localhost")
}

/// A saved card, or `None` for payment methods of other types.
pub fn card(pm: &stripe_payment::PaymentMethod, now: i64) -> Option<PaymentCard> {
    let card = pm.card.as_ref()?;
    let exp_month = u32::try_from(card.exp_month).unwrap_or(0);
    Some(PaymentCard {
        id: pm.id.to_string(),
        brand: card.brand.clone(),
        last4: card.last4.clone(),
        exp_month,
        exp_year: card.exp_year,
        expiry: CardExpiry::at(exp_month, card.exp_year, now),
        is_default: false,
        used_by_subscription: false,
    })
}

/// A customer with their details and default card.
pub fn profile(c: &stripe_core::Customer) -> Profile {
    Profile {
        customer: customer(c),
        details: details(c),
        default_payment_method: c
            .invoice_settings
            .as_ref()
            .and_then(|s| s.default_payment_method.as_ref())
            .map(|pm| pm.id().to_string()),
    }
}

/// Name, email, phone, address and (expanded) tax ids of a customer.
fn details(c: &stripe_core::Customer) -> CustomerDetails {
    let address = c
        .address
        .as_ref()
        .map(|a| Address {
            line1: a.line1.clone().unwrap_or_default(),
            line2: a.line2.clone().unwrap_or_default(),
            city: a.city.clone().unwrap_or_default(),
            postal_code: a.postal_code.clone().unwrap_or_default(),
            state: a.state.clone().unwrap_or_default(),
            country: a.country.clone().unwrap_or_default(),
        })
        .unwrap_or_default();
    CustomerDetails {
        name: c.name.clone().unwrap_or_default(),
        email: c.email.clone().unwrap_or_default(),
        phone: c.phone.clone().unwrap_or_default(),
        address,
        tax_ids: c
            .tax_ids
            .as_ref()
            .map(|list| list.data.iter().filter_map(tax_id).collect())
            .unwrap_or_default(),
    }
}

/// A tax id of a type the portal knows; others are left out of the form.
pub fn tax_id(t: &stripe_billing::TaxId) -> Option<TaxId> {
    Some(TaxId {
        id: t.id.to_string(),
        kind: TaxIdKind::parse(t.type_.as_str())?,
        value: t.value.clone(),
    })
}
