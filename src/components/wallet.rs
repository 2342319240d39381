//! The customer's saved cards: brand, last four digits, expiry, the default
//! marked, expired and soon-expiring cards flagged, and the actions the
//! policy allows (make default, remove). Plain forms, so they work without
//! JavaScript.

use leptos::prelude::*;

use crate::api::remove_card::RemoveCard;
use crate::api::set_default_card::SetDefaultCard;
use crate::components::actions::OneClickForm;
use crate::i18n::*;
use crate::model::{CardExpiry, PaymentCard, Wallet};
use crate::paths::PagePath;
use crate::policy::{self, CardAction};
use crate::portal_config::PortalConfig;

/// A card brand as customers know it ("Visa", "Mastercard").
pub fn brand_name(brand: &str) -> String {
    match brand {
        "visa" => "Visa".into(),
        "mastercard" => "Mastercard".into(),
        "amex" => "American Express".into(),
        "discover" => "Discover".into(),
        "diners" => "Diners Club".into(),
        "jcb" => "JCB".into(),
        "unionpay" => "UnionPay".into(),
        "cartes_bancaires" => "Cartes Bancaires".into(),
        other => {
            let mut chars = other.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

#[component]
pub fn WalletSection(wallet: Wallet, config: PortalConfig, nonce: String) -> impl IntoView {
    let i18n = use_i18n();
    let can_add = policy::card_action(&config, &wallet, None, CardAction::Add).is_ok();
    let cards = wallet
        .cards
        .iter()
        .cloned()
        .map(|card| {
            let can_default =
                policy::card_action(&config, &wallet, Some(&card), CardAction::MakeDefault).is_ok();
            let can_remove =
                policy::card_action(&config, &wallet, Some(&card), CardAction::Remove).is_ok();
            let nonce = nonce.clone();
            // Erased: each card's row is a deep view type, and a list of
            // them overflows the compiler's query depth in release builds.
            view! { <li><CardRow card can_default can_remove nonce /></li> }.into_any()
        })
        .collect_view();
    let empty = wallet.cards.is_empty();
    view! {
        <section class="wallet" aria-labelledby="wallet-heading">
            <h2 id="wallet-heading">{t!(i18n, cards.heading)}</h2>
            {if empty {
                view! { <p>{t!(i18n, cards.empty)}</p> }.into_any()
            } else {
                view! { <ul class="cards" role="list">{cards}</ul> }.into_any()
            }}
            {can_add
                .then(|| {
                    view! {
                        <a class="button" href=PagePath::AddCard.href()>
                            {t!(i18n, cards.add)}
                        </a>
                    }
                })}
        </section>
    }
}

#[component]
fn CardRow(card: PaymentCard, can_default: bool, can_remove: bool, nonce: String) -> impl IntoView {
    let i18n = use_i18n();
    let brand = brand_name(&card.brand);
    let last4 = card.last4.clone();
    let label = {
        let (brand, last4) = (brand.clone(), last4.clone());
        move || {
            t_string!(
                i18n,
                cards.card_label,
                brand = brand.clone(),
                last4 = last4.clone()
            )
            .to_string()
        }
    };
    let expiry = format!("{:02}/{}", card.exp_month, card.exp_year);
    let flag = match card.expiry {
        CardExpiry::Expired => Some(("badge-danger", true)),
        CardExpiry::ExpiresSoon => Some(("badge-warn", false)),
        CardExpiry::Valid => None,
    };
    let id = card.id.clone();
    view! {
        <div class="card-row" data-card-id=card.id.clone() data-default=card.is_default.to_string()>
            <p class="card-name">
                <span class="card-brand">{label.clone()}</span>
                <span class="card-expiry">
                    {move || t_string!(i18n, cards.expires, date = expiry.clone()).to_string()}
                </span>
                {card
                    .is_default
                    .then(|| view! { <span class="badge badge-ok">{t!(i18n, cards.default)}</span> })}
                {flag
                    .map(|(class, expired)| {
                        view! {
                            <span class=format!("badge {class}")>
                                {move || {
                                    if expired {
                                        t_string!(i18n, cards.expired)
                                    } else {
                                        t_string!(i18n, cards.expires_soon)
                                    }
                                }}
                            </span>
                        }
                    })}
            </p>
            <div class="card-actions">
                {can_default
                    .then(|| {
                        let (id, nonce, card) = (id.clone(), nonce.clone(), label.clone());
                        let label = Signal::derive(move || {
                            t_string!(i18n, cards.make_default_for, card = card()).to_string()
                        });
                        view! {
                            <OneClickForm
                                action={ServerAction::<SetDefaultCard>::new()}
                                field="payment_method_id"
                                id
                                nonce
                                class="button"
                                label
                            >
                                {t!(i18n, cards.make_default)}
                            </OneClickForm>
                        }
                    })}
                {can_remove
                    .then(|| {
                        let (id, nonce, card) = (id.clone(), nonce.clone(), label.clone());
                        let label = Signal::derive(move || {
                            t_string!(i18n, cards.remove_for, card = card()).to_string()
                        });
                        view! {
                            <OneClickForm
                                action={ServerAction::<RemoveCard>::new()}
                                field="payment_method_id"
                                id
                                nonce
                                class="button button-danger"
                                label
                            >
                                {t!(i18n, cards.remove)}
                            </OneClickForm>
                        }
                    })}
            </div>
        </div>
    }
}
