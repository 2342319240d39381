//! One subscription: what it is, what it costs, and where it stands.

use leptos::prelude::*;

use crate::components::actions::SubscriptionActions;
use crate::components::format;
use crate::components::invoice_table::history_href;
use crate::i18n::*;
use crate::model::{
    AwaitingPayment, Discount, InvoiceScope, Money, ScheduledChange, Subscription,
    SubscriptionLine, SubscriptionStatus,
};
use crate::portal_config::PortalConfig;
use crate::quantity_preset::QuantityPreset;

/// Each part of the card returns an erased view (`into_any`): their types
/// nest deep enough to overflow the compiler's query depth in release builds.
#[component]
pub fn SubscriptionCard(
    subscription: Subscription,
    config: PortalConfig,
    nonce: String,
    preset: QuantityPreset,
    /// Link the subscription's own billing history (when the portal does
    /// not show one history for everything).
    #[prop(optional)]
    invoices_link: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let invoices_href = invoices_link
        .then(|| history_href(&InvoiceScope::Subscription(subscription.id.clone()), None));
    let heading_id = format!("sub-{}", subscription.id);
    let labelled_by = heading_id.clone();
    let subscription_id = subscription.id.clone();
    let title = subscription
        .lines
        .iter()
        .map(|l| l.product_name.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    let status = subscription.status;
    let interval = subscription
        .lines
        .first()
        .and_then(|l| l.interval.map(|i| (i, l.interval_count)));
    let total = (subscription.lines.len() > 1)
        .then(|| subscription.total().zip(interval))
        .flatten();
    let dates = Dates::of(&subscription);
    let lines = subscription.lines.clone();
    let scheduled = subscription.scheduled_change.clone();
    let awaiting = subscription.awaiting_payment.clone();
    let merchant_schedule = subscription.merchant_schedule && !status.has_ended();
    let discount = subscription
        .discount
        .clone()
        .zip(subscription.discounted_total().zip(interval));
    view! {
        <article
            class="subscription"
            aria-labelledby=labelled_by
            data-subscription-id=subscription_id
            data-status=format!("{status:?}")
        >
            <header class="subscription-header">
                <h2 id=heading_id>{title}</h2>
                <span class=format!("badge badge-{}", status_class(status))>
                    <span class="visually-hidden">{t!(i18n, portal.status_label)} ": "</span>
                    {move || format::status(i18n.get_locale(), status)}
                </span>
            </header>
            <ul class="lines" role="list">
                {lines.into_iter().map(|line| view! { <Line line /> }).collect_view()}
            </ul>
            {total
                .map(|(amount, (interval, count))| {
                    view! {
                        <p class="total">
                            {t!(i18n, portal.total)} ": "
                            {move || format::per_interval(i18n.get_locale(), &amount, interval, count)}
                        </p>
                    }
                })}
            {discount.map(|(discount, (after, (interval, count)))| view! { <DiscountView discount after interval count /> })}
            <DatesView dates />
            {scheduled.map(|change| view! { <ScheduledChangeView change /> })}
            {awaiting.map(|awaiting| view! { <AwaitingPaymentView awaiting /> })}
            {merchant_schedule
                .then(|| {
                    view! {
                        <p class="merchant-schedule notice-warning">
                            {t!(i18n, portal.merchant_schedule)}
                        </p>
                    }
                })}
            <SubscriptionActions subscription config nonce preset />
            {invoices_href
                .map(|href| {
                    view! {
                        <a class="invoices-link" href=href>
                            {t!(i18n, invoices.of_subscription)}
                        </a>
                    }
                })}
        </article>
    }
    .into_any()
}

#[component]
fn Line(line: SubscriptionLine) -> impl IntoView {
    let i18n = use_i18n();
    let price = line
        .total()
        .zip(line.interval)
        .map(|(total, interval)| (total, interval, line.interval_count));
    let per_unit = line.unit_label.clone().zip(line.unit_amount.clone());
    let quantity = line.quantity;
    view! {
        <li class="line">
            <span class="line-name">
                {line.product_name.clone()}
                {line.price_name.clone().map(|n| view! { <span class="price-name">" · " {n}</span> })}
            </span>
            {price
                .map(|(total, interval, count)| {
                    view! {
                        <span class="line-amount">
                            {move || format::per_interval(i18n.get_locale(), &total, interval, count)}
                        </span>
                    }
                })}
            {per_unit
                .map(|(unit, unit_amount)| {
                    view! {
                        <span class="line-quantity">
                            {t!(i18n, portal.quantity)} ": " <strong>{quantity}</strong> " ("
                            {move || {
                                t_string!(
                                    i18n, portal.unit_price, price = format::money(i18n.get_locale(), & unit_amount), unit = unit.clone()
                                )
                            }} ")"
                        </span>
                    }
                })}
        </li>
    }
    .into_any()
}

/// "Changes to Starter ($9.00 / month) on December 22, 2026."
#[component]
fn ScheduledChangeView(change: ScheduledChange) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || {
        let l = i18n.get_locale();
        let line = &change.line;
        let price = line
            .total()
            .zip(line.interval)
            .map(|(total, interval)| format::per_interval(l, &total, interval, line.interval_count))
            .unwrap_or_default();
        td_string!(
            l,
            portal.change_scheduled,
            plan = plan_name(line),
            price = price,
            date = format::date(l, change.starts_at)
        )
    };
    view! { <p class="scheduled-change notice-warning">{text}</p> }.into_any()
}

/// A change Stripe holds until its payment is confirmed, with the way to
/// Stripe's page of the invoice, where the customer confirms it (the
/// "Keep current plan" action drops it instead).
#[component]
pub fn AwaitingPaymentView(awaiting: AwaitingPayment) -> impl IntoView {
    let i18n = use_i18n();
    let expires_at = awaiting.expires_at;
    let text = move || {
        let l = i18n.get_locale();
        td_string!(
            l,
            portal.awaiting_payment,
            date = format::date(l, expires_at)
        )
    };
    view! {
        <p class="awaiting-payment notice-warning">
            {text}
            {awaiting
                .pay_url
                .map(|href| {
                    view! { " " <a href=href>{t!(i18n, portal.awaiting_payment_confirm)}</a> }
                })}
        </p>
    }
    .into_any()
}

/// "Starter · Monthly", or the product name alone.
pub fn plan_name(line: &SubscriptionLine) -> String {
    match &line.price_name {
        Some(price) => format!("{} · {price}", line.product_name),
        None => line.product_name.clone(),
    }
}

/// A coupon on the subscription and the price after it.
#[component]
fn DiscountView(
    discount: Discount,
    after: Money,
    interval: crate::model::Interval,
    count: u32,
) -> impl IntoView {
    let i18n = use_i18n();
    // What the customer typed: the promotion code, else the coupon's id.
    let code = discount
        .promotion_code
        .clone()
        .unwrap_or_else(|| discount.coupon_id.clone());
    let size = move || format::discount_size(i18n.get_locale(), &discount);
    view! {
        <p class="discount">
            <span class="discount-code">{t!(i18n, discount.applied, code = code.clone())}</span>
            {move || size().map(|s| format!(" ({s})"))}
            ". "
            <strong>
                {move || {
                    let l = i18n.get_locale();
                    td_string!(l, discount.after, amount = format::per_interval(l, &after, interval, count))
                }}
            </strong>
        </p>
    }
    .into_any()
}

/// The one date line a subscription shows, most pressing first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dates {
    Ended(i64),
    CancelPending(i64),
    TrialEnds(i64),
    Renews(i64),
    None,
}

impl Dates {
    fn of(s: &Subscription) -> Self {
        if s.status == SubscriptionStatus::Canceled {
            return s.ended_at.map_or(Self::None, Self::Ended);
        }
        if s.cancellation_pending() {
            return s.access_ends_at().map_or(Self::None, Self::CancelPending);
        }
        if s.status == SubscriptionStatus::Trialing
            && let Some(end) = s.trial_end
        {
            return Self::TrialEnds(end);
        }
        s.current_period_end.map_or(Self::None, Self::Renews)
    }
}

#[component]
fn DatesView(dates: Dates) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || {
        let l = i18n.get_locale();
        match dates {
            Dates::Ended(t) => Some(t_string!(i18n, portal.ended_on, date = format::date(l, t))),
            Dates::CancelPending(t) => Some(t_string!(
                i18n,
                portal.cancel_pending,
                date = format::date(l, t)
            )),
            Dates::TrialEnds(t) => Some(t_string!(
                i18n,
                portal.trial_ends_on,
                date = format::date(l, t)
            )),
            Dates::Renews(t) => Some(t_string!(i18n, portal.renews_on, date = format::date(l, t))),
            Dates::None => None,
        }
    };
    let class = match dates {
        Dates::CancelPending(_) => "dates notice-warning",
        _ => "dates",
    };
    view! { <p class=class>{text}</p> }.into_any()
}

fn status_class(status: SubscriptionStatus) -> &'static str {
    match status {
        SubscriptionStatus::Active | SubscriptionStatus::Trialing => "ok",
        SubscriptionStatus::Canceled | SubscriptionStatus::IncompleteExpired => "muted",
        _ => "warn",
    }
}
