//! async-stripe types → Portico's model. Pure functions, no I/O.

use std::collections::HashMap;

use stripe_billing::SubscriptionStatus as StripeStatus;
use stripe_product::{Product, RecurringInterval};

use crate::model::{
    Customer, Discount, Interval, PlanOption, ScheduledChange, Subscription, SubscriptionLine,
    SubscriptionStatus,
};
use crate::money::Money;

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
    }
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
    Some(Discount {
        coupon_id: coupon.id.to_string(),
        promotion_code: d
            .promotion_code
            .as_ref()
            .and_then(|p| p.as_object())
            .map(|p| p.code.clone()),
        name: coupon.name.clone(),
        percent_off: coupon.percent_off,
        amount_off: coupon
            .amount_off
            .zip(coupon.currency.as_ref())
            .map(|(amount, currency)| Money::new(amount, &currency.to_string())),
    })
}

/// A recurring price as a plan-picker option; one-off prices are not plans.
pub fn plan_option(price: &stripe_product::Price, product: &Product) -> Option<PlanOption> {
    let recurring = price.recurring.as_ref()?;
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
