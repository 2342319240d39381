//! A translated error message that takes the page's place.

use leptos::prelude::*;

use crate::components::format;
use crate::error::PortalError;
use crate::i18n::*;

#[component]
pub fn ErrorPanel(error: PortalError) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="notice notice-error" role="alert" data-error=format!("{error:?}")>
            <h1>{t!(i18n, error.heading)}</h1>
            <p>{move || format::error(i18n.get_locale(), error)}</p>
        </section>
    }
}
