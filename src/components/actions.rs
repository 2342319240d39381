//! The actions a subscription allows, as the policy decides. Each is a plain
//! form or link, so it works without JavaScript; with JavaScript the forms
//! submit in place and the page updates without a reload.

use leptos::prelude::*;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::request::ClientReq;
use leptos::server_fn::{Http, ServerFn};
use serde::de::DeserializeOwned;

use crate::api::apply_coupon::ApplyCoupon;
use crate::api::keep_current_plan::KeepCurrentPlan;
use crate::api::reactivate_subscription::ReactivateSubscription;
use crate::api::resubscribe::Resubscribe;
use crate::api::update_quantity::UpdateQuantity;
use crate::components::format;
use crate::error::PortalError;
use crate::i18n::*;
use crate::model::{PortalEvent, Subscription};
use crate::paths::PagePath;
use crate::policy::{self, Action, PlanAccess};
use crate::portal_config::PortalConfig;
use crate::quantity_preset::QuantityPreset;

/// Shows a server function's error under its form.
#[component]
pub fn FormError(error: Signal<Option<PortalError>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().map(|e| {
            view! {
                <p class="form-error" role="alert">
                    {move || format::error(i18n.get_locale(), e)}
                </p>
            }
        })
    }
}

#[component]
pub fn SubscriptionActions(
    subscription: Subscription,
    config: PortalConfig,
    nonce: String,
    preset: QuantityPreset,
) -> impl IntoView {
    let i18n = use_i18n();
    let actions = policy::allowed_actions(&config, &subscription);
    let plans = policy::plan_access(&config, &subscription);
    let show_plans = plans == PlanAccess::ViewOnly;
    if actions.is_empty() && !show_plans {
        return None;
    }
    let id = subscription.id.clone();
    let plan_href = PagePath::Plan(id.clone()).href();
    let items = actions
        .into_iter()
        .map(|action| {
            let id = id.clone();
            let nonce = nonce.clone();
            match action {
                Action::ChangePlan => view! {
                    <a class="button" href=plan_href.clone()>
                        {t!(i18n, actions.change_plan)}
                    </a>
                }
                .into_any(),
                Action::Cancel => view! {
                    <a class="button button-danger" href=PagePath::Cancel(id).href()>
                        {t!(i18n, actions.cancel)}
                    </a>
                }
                .into_any(),
                Action::Reactivate => view! {
                    <OneClickForm
                        action={ServerAction::<ReactivateSubscription>::new()}
                        field="subscription_id"
                        id
                        nonce
                        class="button button-primary"
                    >
                        {t!(i18n, actions.reactivate)}
                    </OneClickForm>
                }
                .into_any(),
                Action::KeepCurrentPlan => view! {
                    <OneClickForm
                        action={ServerAction::<KeepCurrentPlan>::new()}
                        field="subscription_id"
                        id
                        nonce
                        class="button button-primary"
                    >
                        {t!(i18n, actions.keep_current_plan)}
                    </OneClickForm>
                }
                .into_any(),
                Action::UpdateQuantity => {
                    let line = subscription.single_line();
                    let range = policy::quantity_range(&config);
                    let (min, max) = (*range.start(), *range.end());
                    // The sign-in link's suggestion, else what the customer has.
                    let initial = line
                        .and_then(|l| l.unit_label.as_deref())
                        .and_then(|unit| preset.for_unit(unit, min, max))
                        .or(line.map(|l| l.quantity))
                        .unwrap_or(1);
                    view! { <QuantityForm id nonce initial min max /> }.into_any()
                }
                Action::ApplyCoupon => view! { <CouponForm id nonce /> }.into_any(),
                Action::Resubscribe => {
                    if plans == PlanAccess::Resubscribe {
                        view! {
                            <a class="button" href=plan_href.clone()>
                                {t!(i18n, actions.resubscribe_choose)}
                            </a>
                        }
                        .into_any()
                    } else {
                        let coupon = policy::resubscribe_allows_coupon(&config);
                        view! { <ResubscribeForm id nonce coupon /> }.into_any()
                    }
                }
            }
        })
        .collect_view();
    let plans_link = show_plans.then(|| {
        view! {
            <a class="button" href=plan_href>
                {t!(i18n, actions.view_plans)}
            </a>
        }
    });
    let body = view! { <div class="actions">{items} {plans_link}</div> };
    Some(if config.dropdown_actions {
        view! {
            <details class="actions-menu">
                <summary>{t!(i18n, actions.manage)}</summary>
                {body}
            </details>
        }
        .into_any()
    } else {
        body.into_any()
    })
}

/// A form that posts one id and the page's nonce to a server function, with
/// a single button: the shape of every one-click action (keep
/// subscription, keep plan, make a card the default, remove a card).
#[component]
pub fn OneClickForm<S, P>(
    action: ServerAction<S>,
    /// The server function's argument that takes the id.
    field: &'static str,
    id: String,
    nonce: String,
    /// The button's classes.
    class: &'static str,
    /// The button's accessible name, when its text alone is ambiguous.
    #[prop(optional, into)]
    label: Option<Signal<String>>,
    /// The button's text.
    children: Children,
) -> impl IntoView
where
    S: DeserializeOwned
        + ServerFn<Protocol = Http<PostUrl, P>, Output = (), Error = PortalError>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Client: Client<PortalError>,
    <<S::Client as Client<PortalError>>::Request as ClientReq<PortalError>>::FormData:
        From<leptos::web_sys::FormData>,
{
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name=field value=id />
            <input type="hidden" name="nonce" value=nonce />
            <button
                type="submit"
                class=class
                aria-label=move || label.map(|l| l.get())
                disabled=move || action.pending().get()
            >
                {children()}
            </button>
        </ActionForm>
        <FormError error />
    }
    // Erased: the form's type is deep, and pages hold several of them.
    .into_any()
}

#[component]
fn ResubscribeForm(id: String, nonce: String, coupon: bool) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<Resubscribe>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let field = format!("resubscribe-coupon-{id}");
    view! {
        <ActionForm action attr:class="inline-form" attr:data-portico-pre-event=PortalEvent::PreResubscribe.as_str()>
            <input type="hidden" name="subscription_id" value=id.clone() />
            <input type="hidden" name="nonce" value=nonce />
            {coupon
                .then(|| {
                    view! {
                        <label for=field.clone()>{t!(i18n, plans.coupon_label)}</label>
                        <input id=field.clone() name="coupon" type="text" autocomplete="off" />
                    }
                })}
            <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                {t!(i18n, actions.resubscribe)}
            </button>
        </ActionForm>
        <FormError error />
    }
}

#[component]
fn QuantityForm(id: String, nonce: String, initial: u64, min: u64, max: u64) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<UpdateQuantity>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let field = format!("quantity-{id}");
    let hint = format!("quantity-hint-{id}");
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="subscription_id" value=id.clone() />
            <input type="hidden" name="nonce" value=nonce />
            <label for=field.clone()>{t!(i18n, actions.quantity_label)}</label>
            <input
                id=field
                name="quantity"
                type="number"
                inputmode="numeric"
                min=min
                max=max
                value=initial
                aria-describedby=hint.clone()
                required
            />
            <span class="hint" id=hint>
                {t!(i18n, actions.quantity_hint, min = min, max = max)}
            </span>
            <button type="submit" class="button" disabled=move || action.pending().get()>
                {t!(i18n, actions.quantity_update)}
            </button>
        </ActionForm>
        <FormError error />
    }
}

#[component]
fn CouponForm(id: String, nonce: String) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<ApplyCoupon>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let field = format!("coupon-{id}");
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="subscription_id" value=id.clone() />
            <input type="hidden" name="nonce" value=nonce />
            <label for=field.clone()>{t!(i18n, actions.coupon_label)}</label>
            <input id=field name="code" type="text" autocomplete="off" required />
            <button type="submit" class="button" disabled=move || action.pending().get()>
                {t!(i18n, actions.coupon_apply)}
            </button>
        </ActionForm>
        <FormError error />
    }
}
