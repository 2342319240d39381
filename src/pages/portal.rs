//! The portal home: the signed-in customer's subscriptions.

use leptos::prelude::*;

use crate::api::get_overview::get_overview;
use crate::components::error_panel::ErrorPanel;
use crate::components::subscription_card::SubscriptionCard;
use crate::i18n::*;
use crate::model::PortalOverview;

#[component]
pub fn PortalPage() -> impl IntoView {
    let i18n = use_i18n();
    let overview = Resource::new_blocking(|| (), |_| get_overview());
    view! {
        <Suspense fallback=move || view! { <p aria-busy="true">{t!(i18n, portal.loading)}</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Overview overview /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Overview(overview: PortalOverview) -> impl IntoView {
    let i18n = use_i18n();
    let who = overview
        .customer
        .email
        .clone()
        .or_else(|| overview.customer.name.clone())
        .unwrap_or_else(|| overview.customer.id.clone());
    let single = overview.single_subscription;
    let subscriptions = overview.subscriptions;
    view! {
        <section class="overview" aria-labelledby="overview-heading">
            <h1 id="overview-heading">
                {move || {
                    if single {
                        t_string!(i18n, portal.heading_single)
                    } else {
                        t_string!(i18n, portal.heading)
                    }
                }}
            </h1>
            <p class="signed-in-as">{t!(i18n, portal.signed_in_as, who = who.clone())}</p>
            {if subscriptions.is_empty() {
                view! {
                    <div class="empty-state" role="status">
                        <h2>{t!(i18n, portal.empty_title)}</h2>
                        <p>{t!(i18n, portal.empty_body)}</p>
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <ul class="subscriptions" role="list">
                        {subscriptions
                            .into_iter()
                            .map(|subscription| view! { <li><SubscriptionCard subscription /></li> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}
