//! `/subscriptions/:id/cancel`: confirm a cancellation and, when the
//! configuration asks, say why. A page rather than a modal so it works the
//! same with and without JavaScript; focus lands on its heading.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::accept_retention_offer::AcceptRetentionOffer;
use crate::api::cancel_subscription::CancelSubscription;
use crate::api::get_overview::get_overview;
use crate::components::actions::{FormError, OneClickForm};
use crate::components::error_panel::ErrorPanel;
use crate::components::format;
use crate::components::session_frame::HomeLink;
use crate::error::PortalError;
use crate::i18n::*;
use crate::model::{CancelReason, PortalOverview};
use crate::policy::{self, Action};

#[component]
pub fn CancelPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let overview = Resource::new_blocking(id, |_| get_overview(None, None, None, None));
    view! {
        <Suspense fallback=move || view! { <p aria-busy="true">{t!(i18n, portal.loading)}</p> }>
            {move || Suspend::new(async move {
                let id = id();
                match overview.await {
                    Ok(overview) => view! { <CancelForm overview id /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CancelForm(overview: PortalOverview, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let Some(subscription) = overview.subscriptions.iter().find(|s| s.id == id).cloned() else {
        return view! { <ErrorPanel error=PortalError::SubscriptionNotFound /> }.into_any();
    };
    if !policy::allows(&overview.config, &subscription, Action::Cancel) {
        return view! { <ErrorPanel error=PortalError::NotAllowed /> }.into_any();
    }
    let action = ServerAction::<CancelSubscription>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let name = subscription
        .lines
        .iter()
        .map(|l| l.product_name.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    let terms = policy::cancel_terms(&overview.config);
    let immediately = terms.immediately;
    let ends = subscription.current_period_end;
    let ask_reason = terms.asks_reason;
    let offer = overview.retention_offer.clone().map(|discount| {
        let size = move || {
            format::discount_size(i18n.get_locale(), &discount)
                .or_else(|| discount.name.clone())
                .unwrap_or_else(|| discount.coupon_id.clone())
        };
        view! {
            <aside class="retention-offer" aria-labelledby="offer-heading">
                <h2 id="offer-heading">{t!(i18n, cancel.offer_heading)}</h2>
                <p>{move || td_string!(i18n.get_locale(), cancel.offer_body, discount = size())}</p>
                <OneClickForm
                    action={ServerAction::<AcceptRetentionOffer>::new()}
                    field="subscription_id"
                    id=id.clone()
                    nonce=overview.form_nonce.clone()
                    class="button button-primary"
                >
                    {t!(i18n, cancel.offer_accept)}
                </OneClickForm>
            </aside>
        }
    });
    view! {
        <section class="cancel" aria-labelledby="cancel-heading">
            <h1 id="cancel-heading" tabindex="-1" autofocus>
                {t!(i18n, cancel.heading, name = name.clone())}
            </h1>
            {offer}
            <p>
                {move || {
                    let l = i18n.get_locale();
                    match (immediately, ends) {
                        (false, Some(end)) => td_string!(l, cancel.at_period_end, date = format::date(l, end)),
                        _ => td_string!(l, cancel.immediately).to_string(),
                    }
                }}
            </p>
            <ActionForm action attr:class="stacked-form">
                <input type="hidden" name="subscription_id" value=id.clone() />
                <input type="hidden" name="nonce" value=overview.form_nonce.clone() />
                {ask_reason
                    .then(|| {
                        view! {
                            <fieldset class="reasons">
                                <legend>{t!(i18n, cancel.reason_legend)}</legend>
                                {CancelReason::ALL
                                    .into_iter()
                                    .map(|reason| {
                                        let field = format!("reason-{}", reason.as_str());
                                        view! {
                                            <div class="reason">
                                                <input
                                                    type="radio"
                                                    id=field.clone()
                                                    name="reason"
                                                    value=reason.as_str()
                                                />
                                                <label for=field>{move || reason_text(i18n.get_locale(), reason)}</label>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </fieldset>
                            <label for="cancel-comment">{t!(i18n, cancel.comment_label)}</label>
                            <textarea id="cancel-comment" name="comment" rows="3" maxlength="1000"></textarea>
                        }
                    })}
                <div class="form-buttons">
                    <button type="submit" class="button button-danger" disabled=move || action.pending().get()>
                        {t!(i18n, cancel.confirm)}
                    </button>
                    <HomeLink class="button">{t!(i18n, cancel.keep)}</HomeLink>
                </div>
            </ActionForm>
            <FormError error />
        </section>
    }
    .into_any()
}

fn reason_text(l: Locale, reason: CancelReason) -> &'static str {
    match reason {
        CancelReason::TooExpensive => td_string!(l, cancel.reasons.too_expensive),
        CancelReason::MissingFeatures => td_string!(l, cancel.reasons.missing_features),
        CancelReason::SwitchedService => td_string!(l, cancel.reasons.switched_service),
        CancelReason::Unused => td_string!(l, cancel.reasons.unused),
        CancelReason::CustomerService => td_string!(l, cancel.reasons.customer_service),
        CancelReason::TooComplex => td_string!(l, cancel.reasons.too_complex),
        CancelReason::LowQuality => td_string!(l, cancel.reasons.low_quality),
        CancelReason::Other => td_string!(l, cancel.reasons.other),
    }
}
