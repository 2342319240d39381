//! The customer's billing details on the portal home, with a link to edit
//! them when the configuration allows.

use leptos::prelude::*;

use crate::i18n::*;
use crate::model::{Address, CustomerDetails};
use crate::paths::PagePath;

/// The lines of an address as printed on an envelope.
pub fn address_lines(a: &Address) -> Vec<String> {
    let city_line = [a.postal_code.as_str(), a.city.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    [
        a.line1.clone(),
        a.line2.clone(),
        city_line,
        a.state.clone(),
        a.country.clone(),
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .collect()
}

#[component]
pub fn DetailsSummary(
    details: CustomerDetails,
    editable: bool,
    /// A new email address waiting for its owner's confirmation.
    pending_email: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let address = address_lines(&details.address);
    let tax_ids = details
        .tax_ids
        .iter()
        .map(|t| t.value.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let row = |label: &'static str, value: String| {
        (!value.is_empty()).then(|| view! { <dt>{label}</dt> <dd>{value}</dd> })
    };
    view! {
        <section class="details" aria-labelledby="details-heading">
            <h2 id="details-heading">{t!(i18n, details.heading)}</h2>
            {move || {
                let l = i18n.get_locale();
                view! {
                    <dl class="details-list">
                        {row(td_string!(l, details.name), details.name.clone())}
                        {row(td_string!(l, details.email), details.email.clone())}
                        {row(td_string!(l, details.phone), details.phone.clone())}
                        {(!address.is_empty())
                            .then(|| {
                                view! {
                                    <dt>{td_string!(l, details.address)}</dt>
                                    <dd>
                                        {address
                                            .iter()
                                            .map(|line| view! { <span class="address-line">{line.clone()}</span> })
                                            .collect_view()}
                                    </dd>
                                }
                            })}
                        {row(td_string!(l, details.tax_id), tax_ids.clone())}
                    </dl>
                }
            }}
            {pending_email
                .map(|email| {
                    view! {
                        <p class="pending-email notice-warning" role="status">
                            {t!(i18n, email_change.pending, email = email.clone())}
                        </p>
                    }
                })}
            {editable
                .then(|| {
                    view! {
                        <a class="button" href=PagePath::Details.href()>
                            {t!(i18n, details.edit)}
                        </a>
                    }
                })}
        </section>
    }
}
