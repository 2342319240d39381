//! A translated error message that takes the page's place.

use leptos::prelude::*;

use crate::components::format;
use crate::error::PortalError;
use crate::i18n::*;

/// The error's message; with `return_url` (the merchant's, from a portal
/// session), a link back to the merchant's site.
#[component]
pub fn ErrorPanel(
    error: PortalError,
    #[prop(optional_no_strip)] return_url: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="notice notice-error" role="alert" data-error=format!("{error:?}")>
            <h1>{t!(i18n, error.heading)}</h1>
            <p>{move || format::error(i18n.get_locale(), error)}</p>
            {return_url.map(|href| view! { <ReturnLink href /> })}
        </section>
    }
}

/// "Return to shop.example": back to the merchant's `return_url`.
#[component]
pub fn ReturnLink(href: String) -> impl IntoView {
    let i18n = use_i18n();
    let host = format::url_host(&href);
    view! {
        <a class="return-link" href=href rel="noreferrer">
            {t!(i18n, session.return_to, host = host)}
        </a>
    }
}
