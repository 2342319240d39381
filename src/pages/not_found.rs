//! The page for unknown paths (answered with 404 by the server).

use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="notice" role="alert">
            <h1>{t!(i18n, error.not_found)}</h1>
        </section>
    }
}
