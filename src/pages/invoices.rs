//! `/invoices`: the billing history, one page at a time. `?subscription=`
//! narrows it to one subscription; `?after=`/`?before=` are Stripe cursors.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::get_invoices::get_invoices;
use crate::components::error_panel::ErrorPanel;
use crate::components::invoice_table::InvoiceTable;
use crate::components::session_frame::HomeLink;
use crate::i18n::*;

#[component]
pub fn InvoicesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let params = move || query.with(|q| (q.get("subscription"), q.get("after"), q.get("before")));
    let page = Resource::new_blocking(params, |(subscription, after, before)| {
        get_invoices(subscription, after, before)
    });
    view! {
        <section class="history" aria-labelledby="history-heading">
            <p>
                <HomeLink>{t!(i18n, actions.back)}</HomeLink>
            </p>
            <h1 id="history-heading">{t!(i18n, invoices.heading)}</h1>
            <Transition fallback=move || view! { <p aria-busy="true">{t!(i18n, portal.loading)}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <InvoiceTable page paged=true /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
