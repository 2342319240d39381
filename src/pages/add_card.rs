//! `/payment-methods/new`: save a new card with Stripe.js; it becomes the
//! default.

use leptos::prelude::*;

use crate::api::get_card_form::get_card_form;
use crate::components::card_setup::CardSetupForm;
use crate::components::error_panel::ErrorPanel;
use crate::components::session_frame::HomeLink;
use crate::i18n::*;

#[component]
pub fn AddCardPage() -> impl IntoView {
    let i18n = use_i18n();
    let form = Resource::new_blocking(|| (), |_| get_card_form());
    view! {
        <section class="add-card" aria-labelledby="add-card-heading">
            <p>
                <HomeLink>{t!(i18n, actions.back)}</HomeLink>
            </p>
            <h1 id="add-card-heading" tabindex="-1">{t!(i18n, cards.add_heading)}</h1>
            <Suspense fallback=move || view! { <p aria-busy="true">{t!(i18n, portal.loading)}</p> }>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(form) => view! { <CardSetupForm form /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
