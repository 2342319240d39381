//! Language picker. With JavaScript it switches the page at once (and
//! leptos_i18n remembers the choice in a cookie); without, the form posts to
//! `/locale`, which sets the same cookie and comes back.

use leptos::prelude::*;
use leptos_i18n::Locale as _;

use crate::i18n::*;

#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev: leptos::ev::Event| {
        if let Ok(locale) = event_target_value(&ev).parse::<Locale>() {
            i18n.set_locale(locale);
        }
    };
    view! {
        <form class="language-switcher" method="post" action="/locale">
            <label for="language-select">{t!(i18n, language.label)}</label>
            <select id="language-select" name="locale" on:change=on_change>
                {Locale::get_all()
                    .iter()
                    .map(|locale| {
                        let locale = *locale;
                        view! {
                            <option value=locale.as_str() selected=move || i18n.get_locale() == locale>
                                // Each language is named in itself.
                                {td_string!(locale, language.name)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <noscript>
                <button type="submit">{t!(i18n, language.apply)}</button>
            </noscript>
        </form>
    }
}
