//! `/subscriptions/:id/plan`: the plan picker. Interval and plan choices are
//! links (`?interval=year&price=price_…`), so every step works without
//! JavaScript; the last step previews the cost and asks to confirm.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::change_plan::ChangePlan;
use crate::api::get_plan_choices::get_plan_choices;
use crate::api::preview_plan_change::preview_plan_change;
use crate::api::resubscribe::Resubscribe;
use crate::components::actions::FormError;
use crate::components::embed_bridge::event_json;
use crate::components::error_panel::ErrorPanel;
use crate::components::format;
use crate::components::session_frame::HomeLink;
use crate::components::subscription_card::AwaitingPaymentView;
use crate::i18n::*;
use crate::model::{
    EventPlan, EventResponse, EventSubscription, Interval, PlanChoices, PlanOption, PlanPreview,
    PortalEvent,
};

#[component]
pub fn PlanPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let selection = move || query.with(|q| (q.get("interval"), q.get("price")));
    let choices = Resource::new_blocking(id, get_plan_choices);
    let preview = Resource::new_blocking(
        move || (id(), selection().1),
        |(id, price)| async move {
            match price {
                Some(price) => Some(preview_plan_change(id, price).await),
                None => None,
            }
        },
    );
    view! {
        <Transition fallback=move || view! { <p aria-busy="true">{t!(i18n, portal.loading)}</p> }>
            {move || Suspend::new(async move {
                let (interval, price) = selection();
                match choices.await {
                    Ok(choices) => {
                        let preview = preview.await.and_then(Result::ok);
                        view! { <Picker choices interval price preview /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Picker(
    choices: PlanChoices,
    interval: Option<String>,
    price: Option<String>,
    preview: Option<PlanPreview>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = choices.subscription.id.clone();
    let current_interval = choices
        .options
        .iter()
        .find(|o| o.current)
        .map(|o| o.interval);
    let mut intervals: Vec<Interval> = choices.options.iter().map(|o| o.interval).collect();
    intervals.dedup();
    let shown = interval
        .as_deref()
        .and_then(|i| intervals.iter().copied().find(|x| x.stripe_name() == i))
        .or(current_interval)
        .or(intervals.first().copied());
    let options: Vec<PlanOption> = choices
        .options
        .iter()
        .filter(|o| Some(o.interval) == shown)
        .cloned()
        .collect();
    let selected = price.and_then(|p| {
        choices
            .options
            .iter()
            .find(|o| o.price_id == p && !o.current)
            .cloned()
    });
    let resubscribe = choices.resubscribe;
    let can_choose = choices.can_choose;
    // A change waiting for its payment is why nothing can be picked now
    // (also where a form posted without JavaScript comes back to).
    let awaiting = choices.subscription.awaiting_payment.clone();
    let base = format!("/subscriptions/{id}/plan");
    let switch = intervals
        .iter()
        .map(|i| {
            let i = *i;
            let href = format!("{base}?interval={}", i.stripe_name());
            let current = (Some(i) == shown).then_some("page");
            view! {
                <a class="tab" href=href aria-current=current>
                    {move || match i {
                        Interval::Year => t_string!(i18n, plans.yearly),
                        Interval::Month => t_string!(i18n, plans.monthly),
                        Interval::Week => t_string!(i18n, interval.week),
                        Interval::Day => t_string!(i18n, interval.day),
                    }}
                </a>
            }
        })
        .collect_view();
    let list = options
        .into_iter()
        .map(|o| {
            let is_selected = selected.as_ref().is_some_and(|s| s.price_id == o.price_id);
            let href = format!("{base}?interval={}&price={}", o.interval.stripe_name(), o.price_id);
            let amount = o.amount.clone();
            let (interval, count) = (o.interval, o.interval_count);
            view! {
                <li class="plan" class:plan-current=o.current class:plan-selected=is_selected>
                    <span class="plan-name">
                        {o.product_name.clone()}
                        {o.price_name.clone().map(|n| view! { <span class="price-name">" · " {n}</span> })}
                    </span>
                    <span class="plan-price">
                        {move || format::per_interval(i18n.get_locale(), &amount, interval, count)}
                    </span>
                    {if o.current {
                        view! { <span class="badge badge-ok">{t!(i18n, plans.current)}</span> }.into_any()
                    } else if is_selected {
                        view! { <span class="badge badge-warn">{t!(i18n, plans.selected)}</span> }.into_any()
                    } else if can_choose {
                        view! {
                            <a class="button" href=href>
                                {t!(i18n, plans.select)}
                                <span class="visually-hidden">" " {o.product_name.clone()}</span>
                            </a>
                        }
                            .into_any()
                    } else {
                        ().into_any()
                    }}
                </li>
            }
        })
        .collect_view();
    let confirm = selected.filter(|_| can_choose).map(|option| {
        // Billflow's `select_plan` for the embedding page: the plan picked,
        // before anything is confirmed.
        let selection = event_json(&EventResponse {
            subscription: Some(EventSubscription::of(&choices.subscription)),
            plan: Some(EventPlan::of(&option)),
            ..EventResponse::default()
        });
        if resubscribe {
            view! { <ResubscribeConfirm id=id.clone() option selection nonce=choices.form_nonce.clone() coupon=choices.coupon /> }
                .into_any()
        } else {
            view! { <ChangeConfirm id=id.clone() option selection preview nonce=choices.form_nonce.clone() /> }.into_any()
        }
    });
    let empty = choices.options.iter().all(|o| o.current);
    view! {
        <section class="plans" aria-labelledby="plans-heading">
            <p>
                <HomeLink>{t!(i18n, actions.back)}</HomeLink>
            </p>
            <h1 id="plans-heading">
                {move || {
                    if resubscribe {
                        t_string!(i18n, plans.heading_resubscribe)
                    } else {
                        t_string!(i18n, plans.heading)
                    }
                }}
            </h1>
            {(intervals.len() > 1)
                .then(|| {
                    view! {
                        <nav class="tabs" aria-label=move || t_string!(i18n, plans.interval_label)>
                            {switch}
                        </nav>
                    }
                })}
            {awaiting.map(|awaiting| view! { <AwaitingPaymentView awaiting /> })}
            {if empty && !resubscribe {
                view! { <p role="status">{t!(i18n, plans.none)}</p> }.into_any()
            } else {
                view! { <ul class="plan-list" role="list">{list}</ul> }.into_any()
            }}
            {confirm}
        </section>
    }
}

/// The confirmation steps carry the embed's events: `select_plan` when
/// shown (`selection`, its response), and `pre_change_plan` /
/// `pre_resubscribe` when their form is sent (see `public/embed-frame.js`).
#[component]
fn ChangeConfirm(
    id: String,
    option: PlanOption,
    selection: String,
    preview: Option<PlanPreview>,
    nonce: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<ChangePlan>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let due = preview.filter(|p| p.option.price_id == option.price_id);
    let price = option.price_id.clone();
    view! {
        <Confirmation option selection>
            {due
                .map(|p| {
                    view! {
                        <p class="amount-due">
                            {move || {
                                let l = i18n.get_locale();
                                let amount = format::money(l, &p.amount_due);
                                match (p.starts_at, p.due_now, p.next_payment_at) {
                                    (Some(starts), _, _) => {
                                        let date = format::date(l, starts);
                                        td_string!(l, plans.due_at_period_end, date = date, amount = amount)
                                    }
                                    (None, false, Some(at)) => {
                                        td_string!(l, plans.due_next, date = format::date(l, at), amount = amount)
                                    }
                                    _ => td_string!(l, plans.due_now, amount = amount),
                                }
                            }}
                        </p>
                    }
                })}
            <ActionForm action attr:class="inline-form" attr:data-portico-pre-event=PortalEvent::PreChangePlan.as_str()>
                <PlanFields id price nonce />
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                    {t!(i18n, plans.confirm)}
                </button>
            </ActionForm>
            <FormError error />
        </Confirmation>
    }
}

#[component]
fn ResubscribeConfirm(
    id: String,
    option: PlanOption,
    selection: String,
    nonce: String,
    coupon: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<Resubscribe>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let price = option.price_id.clone();
    view! {
        <Confirmation option selection>
            <ActionForm action attr:class="inline-form" attr:data-portico-pre-event=PortalEvent::PreResubscribe.as_str()>
                <PlanFields id price nonce />
                {coupon
                    .then(|| {
                        view! {
                            <label for="resubscribe-coupon">{t!(i18n, plans.coupon_label)}</label>
                            <input id="resubscribe-coupon" name="coupon" type="text" autocomplete="off" />
                        }
                    })}
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                    {t!(i18n, plans.confirm_resubscribe)}
                </button>
            </ActionForm>
            <FormError error />
        </Confirmation>
    }
}

/// The step that confirms a picked plan. Shown, it reports `select_plan`
/// with the plan (`selection`) to an embedding page.
#[component]
fn Confirmation(option: PlanOption, selection: String, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section
            class="preview"
            aria-labelledby="preview-heading"
            data-portico-event=PortalEvent::SelectPlan.as_str()
            data-portico-response=selection
        >
            <h2 id="preview-heading">{t!(i18n, plans.preview_heading)}</h2>
            <NewPlan option />
            {children()}
        </section>
    }
}

/// What a plan form sends besides its own fields.
#[component]
fn PlanFields(id: String, price: String, nonce: String) -> impl IntoView {
    view! {
        <input type="hidden" name="subscription_id" value=id />
        <input type="hidden" name="price" value=price />
        <input type="hidden" name="nonce" value=nonce />
    }
}

/// "New plan: Pro, $290.00 / year".
#[component]
fn NewPlan(option: PlanOption) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p>
            {move || {
                let l = i18n.get_locale();
                let price = format::per_interval(l, &option.amount, option.interval, option.interval_count);
                td_string!(l, plans.new_plan, plan = option.product_name.clone(), price = price)
            }}
        </p>
    }
}
