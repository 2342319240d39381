//! The add-card form: Stripe.js's Card Element, confirmed with
//! `confirmCardSetup` against a SetupIntent the server creates. Card numbers
//! never reach Portico: they go from Stripe's element to Stripe. Stripe.js
//! is loaded from the configured URL (the emulator's in tests), and Stripe.js
//! handles a 3-D Secure challenge itself. Without JavaScript the page says
//! that adding a card needs it.

use leptos::prelude::*;

use crate::components::format;
use crate::error::PortalError;
use crate::i18n::*;
use crate::model::CardForm;

/// Why saving a card did not work, from Stripe.js's error or from Portico.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardProblem {
    Declined,
    ExpiredCard,
    IncorrectCvc,
    IncorrectNumber,
    InvalidExpiry,
    /// 3-D Secure was failed or abandoned.
    Authentication,
    /// A field of the card form is empty or incomplete.
    Incomplete,
    /// Stripe.js could not be loaded or reached.
    Network,
    /// Anything else Stripe said.
    Other,
    /// Portico refused or failed.
    Portal(PortalError),
}

impl CardProblem {
    /// From a Stripe.js error's `type` and `code`.
    pub fn from_stripe(kind: &str, code: &str) -> Self {
        match (kind, code) {
            (_, "card_declined") => Self::Declined,
            (_, "expired_card") => Self::ExpiredCard,
            (_, "incorrect_cvc" | "invalid_cvc") => Self::IncorrectCvc,
            (_, "incorrect_number" | "invalid_number") => Self::IncorrectNumber,
            (_, "invalid_expiry_month" | "invalid_expiry_year" | "invalid_expiry_year_past") => {
                Self::InvalidExpiry
            }
            (
                _,
                "incomplete_number" | "incomplete_cvc" | "incomplete_expiry" | "incomplete_zip",
            ) => Self::Incomplete,
            (_, "setup_intent_authentication_failure" | "authentication_required") => {
                Self::Authentication
            }
            ("validation_error", _) => Self::Incomplete,
            ("api_connection_error", _) => Self::Network,
            ("card_error", _) => Self::Declined,
            _ => Self::Other,
        }
    }

    fn message(self, locale: Locale) -> &'static str {
        match self {
            Self::Declined => td_string!(locale, cards.error_declined),
            Self::ExpiredCard => td_string!(locale, cards.error_expired),
            Self::IncorrectCvc => td_string!(locale, cards.error_cvc),
            Self::IncorrectNumber => td_string!(locale, cards.error_number),
            Self::InvalidExpiry => td_string!(locale, cards.error_expiry),
            Self::Authentication => td_string!(locale, cards.error_authentication),
            Self::Incomplete => td_string!(locale, cards.error_incomplete),
            Self::Network => td_string!(locale, cards.error_network),
            Self::Other => td_string!(locale, cards.error_other),
            Self::Portal(e) => format::error(locale, e),
        }
    }
}

#[component]
pub fn CardSetupForm(form: CardForm) -> impl IntoView {
    let i18n = use_i18n();
    let problem = RwSignal::new(None::<CardProblem>);
    let busy = RwSignal::new(false);
    // Stripe.js loaded and the card element mounted.
    let ready = RwSignal::new(false);
    let name = NodeRef::<leptos::html::Input>::new();
    let configured = form.publishable_key.is_some();

    #[cfg(feature = "hydrate")]
    let controller = {
        let navigate = leptos_router::hooks::use_navigate();
        let go: std::rc::Rc<dyn Fn(&str)> = std::rc::Rc::new(move |href: &str| {
            // A finished flow may send the customer back to the merchant's
            // site; the router only navigates within the portal.
            if href.starts_with('/') {
                navigate(href, leptos_router::NavigateOptions::default())
            } else {
                let _ = window().location().set_href(href);
            }
        });
        browser::Controller::new(form.clone(), ready, problem, go)
    };
    #[cfg(feature = "hydrate")]
    {
        let controller = controller.clone();
        Effect::new(move |_| controller.mount());
    }
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !ready.get_untracked() {
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            let holder = name
                .get_untracked()
                .map(|input| input.value())
                .unwrap_or_default();
            controller.submit(holder, busy);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = name;
    };
    view! {
        <form class="stacked-form card-form" on:submit=on_submit aria-describedby="card-help">
            <p id="card-help">{t!(i18n, cards.add_help)}</p>
            <label for="card-name">{t!(i18n, cards.name_on_card)}</label>
            <input id="card-name" name="name" type="text" autocomplete="cc-name" node_ref=name />
            <span class="label" id="card-element-label">{t!(i18n, cards.card_details)}</span>
            <div id="card-element" class="card-element" role="group" aria-labelledby="card-element-label"></div>
            // Shown until Stripe.js's form is mounted: without JavaScript
            // it stays, and says why the form cannot work.
            {move || {
                (configured && !ready.get())
                    .then(|| view! { <p class="notice" role="status">{t!(i18n, cards.needs_js)}</p> })
            }}
            {(!configured).then(|| view! { <p class="notice" role="status">{t!(i18n, cards.unavailable)}</p> })}
            <button
                type="submit"
                class="button button-primary"
                disabled=move || busy.get() || !ready.get()
                aria-busy=move || busy.get().to_string()
            >
                {move || {
                    if busy.get() {
                        t_string!(i18n, actions.working)
                    } else {
                        t_string!(i18n, cards.save)
                    }
                }}
            </button>
            {move || {
                problem
                    .get()
                    .map(|p| view! { <p class="form-error" role="alert">{p.message(i18n.get_locale())}</p> })
            }}
        </form>
    }
}

/// The browser half: loading Stripe.js, mounting the element, confirming.
#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;

    use super::CardProblem;
    use crate::api::finish_card_setup::finish_card_setup;
    use crate::api::start_card_setup::start_card_setup;
    use crate::model::CardForm;

    #[wasm_bindgen]
    extern "C" {
        type Stripe;
        #[wasm_bindgen(catch, js_name = Stripe)]
        fn stripe(key: &str) -> Result<Stripe, JsValue>;
        #[wasm_bindgen(method)]
        fn elements(this: &Stripe) -> Elements;
        #[wasm_bindgen(method, js_name = confirmCardSetup)]
        fn confirm_card_setup(
            this: &Stripe,
            client_secret: &str,
            data: &JsValue,
        ) -> js_sys::Promise;

        type Elements;
        #[wasm_bindgen(method)]
        fn create(this: &Elements, kind: &str) -> CardElement;

        #[derive(Clone)]
        type CardElement;
        #[wasm_bindgen(method)]
        fn mount(this: &CardElement, selector: &str);
    }

    struct Mounted {
        stripe: Stripe,
        card: CardElement,
    }

    /// Holds Stripe.js's objects for the page's lifetime (browser only, so
    /// not `Send`: kept in an `Rc`).
    #[derive(Clone)]
    pub struct Controller {
        form: CardForm,
        ready: RwSignal<bool>,
        problem: RwSignal<Option<CardProblem>>,
        mounted: Rc<RefCell<Option<Mounted>>>,
        /// Tries so far: each failed one ended its SetupIntent.
        attempt: Rc<std::cell::Cell<u32>>,
        /// The router's navigation, taken while the component was built.
        go: Rc<dyn Fn(&str)>,
    }

    impl Controller {
        pub fn new(
            form: CardForm,
            ready: RwSignal<bool>,
            problem: RwSignal<Option<CardProblem>>,
            go: Rc<dyn Fn(&str)>,
        ) -> Self {
            Self {
                form,
                ready,
                problem,
                mounted: Rc::default(),
                attempt: Rc::default(),
                go,
            }
        }

        pub fn mount(&self) {
            if self.mounted.borrow().is_some() {
                return;
            }
            let Some(key) = self.form.publishable_key.clone() else {
                return;
            };
            let this = self.clone();
            spawn_local(async move {
                let loaded = load_script(&this.form.stripe_js_url).await;
                let stripe = loaded.and_then(|()| stripe(&key));
                match stripe {
                    Ok(stripe) => {
                        let card = stripe.elements().create("card");
                        card.mount("#card-element");
                        *this.mounted.borrow_mut() = Some(Mounted { stripe, card });
                        this.ready.set(true);
                    }
                    Err(_) => this.problem.set(Some(CardProblem::Network)),
                }
            });
        }

        pub fn submit(&self, holder: String, busy: RwSignal<bool>) {
            let this = self.clone();
            busy.set(true);
            self.problem.set(None);
            spawn_local(async move {
                let outcome = this.save(holder).await;
                match outcome {
                    Ok(href) => (this.go)(&href),
                    Err(problem) => {
                        this.attempt.set(this.attempt.get() + 1);
                        this.problem.set(Some(problem));
                        busy.set(false);
                    }
                }
            });
        }

        async fn save(&self, holder: String) -> Result<String, CardProblem> {
            let nonce = self.form.form_nonce.clone();
            let secret = start_card_setup(nonce.clone(), self.attempt.get())
                .await
                .map_err(CardProblem::Portal)?;
            let promise = {
                let mounted = self.mounted.borrow();
                let mounted = mounted.as_ref().ok_or(CardProblem::Network)?;
                let data = confirm_data(&mounted.card, holder.trim());
                mounted.stripe.confirm_card_setup(&secret, &data)
            };
            let result = JsFuture::from(promise)
                .await
                .map_err(|_| CardProblem::Network)?;
            let field = |obj: &JsValue, name: &str| {
                js_sys::Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
            };
            let error = field(&result, "error");
            if !error.is_undefined() && !error.is_null() {
                let kind = field(&error, "type").as_string().unwrap_or_default();
                let code = field(&error, "code").as_string().unwrap_or_default();
                return Err(CardProblem::from_stripe(&kind, &code));
            }
            let intent = field(&result, "setupIntent");
            let id = field(&intent, "id").as_string().ok_or(CardProblem::Other)?;
            finish_card_setup(id, nonce)
                .await
                .map_err(CardProblem::Portal)
        }
    }

    /// `{payment_method: {card, billing_details: {name}}}` for confirmCardSetup.
    fn confirm_data(card: &CardElement, holder: &str) -> JsValue {
        let set = |obj: &js_sys::Object, key: &str, value: &JsValue| {
            let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
        };
        let payment_method = js_sys::Object::new();
        set(&payment_method, "card", card.as_ref());
        if !holder.is_empty() {
            let billing = js_sys::Object::new();
            set(&billing, "name", &JsValue::from_str(holder));
            set(&payment_method, "billing_details", &billing);
        }
        let data = js_sys::Object::new();
        set(&data, "payment_method", &payment_method);
        data.into()
    }

    /// Loads Stripe.js once per page.
    async fn load_script(url: &str) -> Result<(), JsValue> {
        let window = web_sys::window().ok_or(JsValue::NULL)?;
        if js_sys::Reflect::has(&window, &JsValue::from_str("Stripe"))? {
            return Ok(());
        }
        let document = window.document().ok_or(JsValue::NULL)?;
        let script: web_sys::HtmlScriptElement = document.create_element("script")?.dyn_into()?;
        script.set_src(url);
        let loaded = js_sys::Promise::new(&mut |resolve, reject| {
            script.set_onload(Some(&resolve));
            script.set_onerror(Some(&reject));
        });
        document
            .head()
            .ok_or(JsValue::NULL)?
            .append_child(&script)?;
        JsFuture::from(loaded).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::CardProblem;

    #[test]
    fn stripe_js_errors_map_to_what_the_customer_reads() {
        let rows = [
            ("card_error", "card_declined", CardProblem::Declined),
            ("card_error", "insufficient_funds", CardProblem::Declined),
            ("card_error", "incorrect_cvc", CardProblem::IncorrectCvc),
            (
                "invalid_request_error",
                "setup_intent_authentication_failure",
                CardProblem::Authentication,
            ),
            ("validation_error", "whatever", CardProblem::Incomplete),
            ("api_error", "", CardProblem::Other),
        ];
        for (kind, code, problem) in rows {
            assert_eq!(
                CardProblem::from_stripe(kind, code),
                problem,
                "{kind} {code}"
            );
        }
    }
}
