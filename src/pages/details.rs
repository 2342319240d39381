//! `/details`: change billing details (name, email, phone, address, tax id)
//! as far as the configuration allows. One form that posts to the server,
//! so it works without JavaScript; errors name the field to fix.

use leptos::prelude::*;

use crate::api::get_details::get_details;
use crate::api::update_details::UpdateDetails;
use crate::components::actions::FormError;
use crate::components::error_panel::ErrorPanel;
use crate::components::session_frame::HomeLink;
use crate::error::PortalError;
use crate::i18n::*;
use crate::model::{DetailField, DetailsPage, TaxIdKind, UpdatableDetail};

#[component]
pub fn DetailsEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let page = Resource::new_blocking(|| (), |_| get_details());
    view! {
        <Suspense fallback=move || view! { <p aria-busy="true">{t!(i18n, portal.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if !page.allowed.is_empty() => view! { <DetailsForm page /> }.into_any(),
                    Ok(_) => view! { <ErrorPanel error=PortalError::NotAllowed /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DetailsForm(page: DetailsPage) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<UpdateDetails>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    // The field an error names, to mark it invalid for assistive technology.
    let invalid = move |field: DetailField| {
        move || matches!(error.get(), Some(PortalError::InvalidDetail(f)) if f == field).to_string()
    };
    let allowed = page.allowed;
    let may = move |d: UpdatableDetail| allowed.contains(&d);
    let d = page.details;
    let tax = d.tax_ids.first().cloned();
    let tax_kind = tax.as_ref().map(|t| t.kind).unwrap_or(TaxIdKind::EuVat);
    view! {
        <section class="details-edit" aria-labelledby="details-edit-heading">
            <p>
                <HomeLink>{t!(i18n, actions.back)}</HomeLink>
            </p>
            <h1 id="details-edit-heading" tabindex="-1">{t!(i18n, details.edit_heading)}</h1>
            <ActionForm action attr:class="stacked-form" attr:novalidate=true>
                <input type="hidden" name="nonce" value=page.form_nonce />
                {may(UpdatableDetail::Name)
                    .then(|| {
                        view! {
                            <label for="details-name">{t!(i18n, details.name)}</label>
                            <input id="details-name" name="form[name]" type="text" autocomplete="name"
                                maxlength="200" value=d.name.clone() aria-invalid=invalid(DetailField::Name) />
                        }
                    })}
                {may(UpdatableDetail::Email)
                    .then(|| {
                        view! {
                            <label for="details-email">{t!(i18n, details.email)}</label>
                            <input id="details-email" name="form[email]" type="email" autocomplete="email"
                                required value=d.email.clone() aria-invalid=invalid(DetailField::Email) />
                        }
                    })}
                {may(UpdatableDetail::Phone)
                    .then(|| {
                        view! {
                            <label for="details-phone">{t!(i18n, details.phone)}</label>
                            <input id="details-phone" name="form[phone]" type="tel" autocomplete="tel"
                                value=d.phone.clone() aria-invalid=invalid(DetailField::Phone) />
                        }
                    })}
                {may(UpdatableDetail::Address)
                    .then(|| {
                        let a = d.address.clone();
                        view! {
                            <fieldset class="address">
                                <legend>{t!(i18n, details.address)}</legend>
                                <label for="details-line1">{t!(i18n, details.line1)}</label>
                                <input id="details-line1" name="form[line1]" type="text" autocomplete="address-line1"
                                    value=a.line1 aria-invalid=invalid(DetailField::AddressLine) />
                                <label for="details-line2">{t!(i18n, details.line2)}</label>
                                <input id="details-line2" name="form[line2]" type="text" autocomplete="address-line2"
                                    value=a.line2 />
                                <label for="details-postal">{t!(i18n, details.postal_code)}</label>
                                <input id="details-postal" name="form[postal_code]" type="text" autocomplete="postal-code"
                                    value=a.postal_code aria-invalid=invalid(DetailField::PostalCode) />
                                <label for="details-city">{t!(i18n, details.city)}</label>
                                <input id="details-city" name="form[city]" type="text" autocomplete="address-level2"
                                    value=a.city aria-invalid=invalid(DetailField::City) />
                                <label for="details-state">{t!(i18n, details.state)}</label>
                                <input id="details-state" name="form[state]" type="text" autocomplete="address-level1"
                                    value=a.state />
                                <label for="details-country">{t!(i18n, details.country)}</label>
                                <input id="details-country" name="form[country]" type="text" autocomplete="country"
                                    maxlength="2" size="2" value=a.country aria-describedby="details-country-hint"
                                    aria-invalid=invalid(DetailField::Country) />
                                <span class="hint" id="details-country-hint">{t!(i18n, details.country_hint)}</span>
                            </fieldset>
                        }
                    })}
                {may(UpdatableDetail::TaxId)
                    .then(|| {
                        view! {
                            <fieldset class="tax-id">
                                <legend>{t!(i18n, details.tax_id)}</legend>
                                <label for="details-tax-type">{t!(i18n, details.tax_id_type)}</label>
                                <select id="details-tax-type" name="form[tax_id_type]">
                                    {TaxIdKind::ALL
                                        .into_iter()
                                        .map(|kind| {
                                            view! {
                                                <option value=kind.as_str() selected=kind == tax_kind>
                                                    {move || tax_id_kind(i18n.get_locale(), kind)}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                                <label for="details-tax-value">{t!(i18n, details.tax_id_value)}</label>
                                <input id="details-tax-value" name="form[tax_id_value]" type="text"
                                    autocomplete="off" value=tax.as_ref().map(|t| t.value.clone()).unwrap_or_default()
                                    aria-describedby="details-tax-hint" aria-invalid=invalid(DetailField::TaxId) />
                                <span class="hint" id="details-tax-hint">{t!(i18n, details.tax_id_hint)}</span>
                            </fieldset>
                        }
                    })}
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                    {t!(i18n, details.save)}
                </button>
            </ActionForm>
            <FormError error />
        </section>
    }
}

fn tax_id_kind(locale: Locale, kind: TaxIdKind) -> String {
    let name = match kind {
        TaxIdKind::EuVat => td_string!(locale, details.tax_eu_vat),
        TaxIdKind::GbVat => td_string!(locale, details.tax_gb_vat),
        TaxIdKind::ChVat => td_string!(locale, details.tax_ch_vat),
        TaxIdKind::NoVat => td_string!(locale, details.tax_no_vat),
        TaxIdKind::AuAbn => td_string!(locale, details.tax_au_abn),
        TaxIdKind::CaBn => td_string!(locale, details.tax_ca_bn),
        TaxIdKind::UsEin => td_string!(locale, details.tax_us_ein),
    };
    td_string!(
        locale,
        details.tax_option,
        name = name,
        example = kind.example()
    )
    .to_string()
}
