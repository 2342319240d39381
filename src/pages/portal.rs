//! The portal home: the signed-in customer's subscriptions.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::get_overview::get_overview;
use crate::components::details_summary::DetailsSummary;
use crate::components::error_panel::ErrorPanel;
use crate::components::invoice_table::{InvoiceTable, history_href};
use crate::components::notice::ActionNotice;
use crate::components::subscription_card::SubscriptionCard;
use crate::components::wallet::WalletSection;
use crate::i18n::*;
use crate::model::PortalOverview;
use crate::policy;

#[component]
pub fn PortalPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    // After an action the server redirects here with its notice in the
    // address (`?event=…&n=…`); reading the query makes the data reload on
    // that navigation (`n` changes after every action, so a repeated action
    // reloads too). The server confirms the notice it made.
    let notice = move || {
        query.with(|q| {
            (
                q.get("event"),
                q.get("subscription"),
                q.get("card"),
                q.get("n"),
            )
        })
    };
    let overview = Resource::new_blocking(notice, |(event, subscription, card, n)| {
        get_overview(event, subscription, card, n)
    });
    view! {
        <Transition fallback=move || view! { <p aria-busy="true">{t!(i18n, portal.loading)}</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => {
                        view! {
                            {overview
                                .notice
                                .clone()
                                .map(|notice| {
                                    view! { <ActionNotice notice overview=overview.clone() /> }
                                })}
                            <Overview overview />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
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
    let config = overview.config;
    let nonce = overview.form_nonce;
    let preset = overview.quantity_preset;
    let subscriptions = overview.subscriptions;
    let history = overview.recent_invoices.map(|page| {
        let more = page.older.is_some().then(|| history_href(&page.scope, None));
        view! {
            <section class="history" aria-labelledby="history-heading">
                <h2 id="history-heading">{t!(i18n, invoices.heading)}</h2>
                <InvoiceTable page />
                {more.map(|href| view! { <a class="button" href=href>{t!(i18n, invoices.all)}</a> })}
            </section>
        }
    });
    let wallet = overview.wallet.map({
        let (config, nonce) = (config.clone(), nonce.clone());
        move |wallet| view! { <WalletSection wallet config nonce /> }
    });
    let details = overview.details;
    let pending_email = overview.pending_email;
    let editable = policy::may_edit_details(&config);
    let invoices_link = policy::links_subscription_invoices(&config, single);
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
                            .map(|subscription| {
                                view! {
                                    <li>
                                        <SubscriptionCard
                                            subscription
                                            config=config.clone()
                                            nonce=nonce.clone()
                                            preset=preset.clone()
                                            invoices_link
                                        />
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        {history}
        {wallet}
        <DetailsSummary details editable pending_email />
    }
}
