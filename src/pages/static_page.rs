//! Pages rendered outside the app, without wasm: refused sign-ins and the
//! email sign-in pages. Their forms are plain HTML posts, so they work the
//! same with and without JavaScript.

use leptos::prelude::*;

use crate::components::error_panel::{ErrorPanel, ReturnLink};
use crate::components::format;
use crate::error::PortalError;
use crate::i18n::*;
use crate::model::PortalEvent;

/// Which static page to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaticPage {
    /// A refusal, with the way back to the merchant or to a new sign-in link.
    Error {
        error: PortalError,
        return_url: Option<String>,
        /// "Request a new sign-in link" leads here.
        login_href: Option<String>,
    },
    /// Ask for a sign-in email.
    Login {
        company: String,
        /// What the customer typed, kept after a refusal.
        email: String,
        /// The embedding page's origin, carried to the next page.
        origin: Option<String>,
        error: Option<PortalError>,
    },
    /// The answer to every accepted request, known address or not.
    LoginSent {
        email: String,
        origin: Option<String>,
    },
    /// After signing out.
    SignedOut {
        return_url: Option<String>,
        login_href: Option<String>,
    },
    /// The page a sign-in email links to: one button that uses the link, so
    /// a mail scanner's GET signs nobody in.
    LoginConfirm {
        token: String,
        /// The masked address the link was sent to.
        account: String,
        origin: Option<String>,
    },
    /// The link that confirms a new email address: the address and one
    /// button that saves it.
    EmailConfirm { token: String, email: String },
    /// The new address is saved.
    EmailConfirmed { email: String },
    /// A static-hash link followed from another site: which account it
    /// opens, and one button that opens it (see `routes::sign_in`).
    SignInConfirm {
        /// The link's query, posted back as it is.
        link: String,
        /// The account's masked email address.
        account: String,
    },
}

#[component]
pub fn StaticPageView(page: StaticPage) -> impl IntoView {
    match page {
        StaticPage::Error {
            error,
            return_url,
            login_href,
        } => view! {
            <ErrorPanel error return_url />
            {login_href.map(|href| view! { <NewLinkLink href /> })}
        }
        .into_any(),
        StaticPage::Login {
            company,
            email,
            origin,
            error,
        } => view! { <LoginForm company email origin error /> }.into_any(),
        StaticPage::LoginSent { email, origin } => view! { <LoginSent email origin /> }.into_any(),
        StaticPage::SignedOut {
            return_url,
            login_href,
        } => view! { <SignedOut return_url login_href /> }.into_any(),
        StaticPage::LoginConfirm {
            token,
            account,
            origin,
        } => view! { <LoginConfirm token account origin /> }.into_any(),
        StaticPage::EmailConfirm { token, email } => {
            view! { <EmailConfirm token email /> }.into_any()
        }
        StaticPage::EmailConfirmed { email } => view! { <EmailConfirmed email /> }.into_any(),
        StaticPage::SignInConfirm { link, account } => {
            view! { <SignInConfirm link account /> }.into_any()
        }
    }
}

/// `/login`, keeping the embedding page's origin.
pub fn login_href(origin: Option<&str>) -> String {
    match origin {
        Some(origin) => format!("/login?origin={}", crate::paths::query_value(origin)),
        None => "/login".to_string(),
    }
}

#[component]
fn NewLinkLink(href: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p>
            <a class="button" href=href>
                {t!(i18n, login.request_new)}
            </a>
        </p>
    }
}

#[component]
fn OriginField(origin: Option<String>) -> impl IntoView {
    origin.map(|origin| view! { <input type="hidden" name="origin" value=origin /> })
}

#[component]
fn LoginForm(
    company: String,
    email: String,
    origin: Option<String>,
    error: Option<PortalError>,
) -> impl IntoView {
    let i18n = use_i18n();
    let invalid = error.is_some();
    view! {
        <section class="login" aria-labelledby="login-heading">
            <h1 id="login-heading">{t!(i18n, login.heading)}</h1>
            <p>{t!(i18n, login.intro, company = company.clone())}</p>
            <form class="stacked-form" method="post" action="/login">
                <OriginField origin />
                <label for="login-email">{t!(i18n, login.email_label)}</label>
                <input
                    id="login-email"
                    type="email"
                    name="email"
                    required
                    autocomplete="email"
                    value=email
                    aria-invalid=invalid.then_some("true")
                    aria-describedby=invalid.then_some("login-error")
                />
                {error
                    .map(|error| {
                        view! {
                            <p class="form-error" id="login-error" role="alert">
                                {move || format::error(i18n.get_locale(), error)}
                            </p>
                        }
                    })}
                <div class="form-buttons">
                    <button type="submit" class="button button-primary">
                        {t!(i18n, login.submit)}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn LoginSent(email: String, origin: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let again = login_href(origin.as_deref());
    view! {
        <section class="login" role="status" aria-labelledby="sent-heading">
            <h1 id="sent-heading">{t!(i18n, login.sent_heading)}</h1>
            <p>{t!(i18n, login.sent_body, email = email.clone())}</p>
            <p>
                <a href=again>{t!(i18n, login.another)}</a>
            </p>
        </section>
    }
}

#[component]
fn SignedOut(return_url: Option<String>, login_href: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section
            class="login"
            role="status"
            aria-labelledby="signed-out-heading"
            data-portico-event=PortalEvent::SignOut.as_str()
            data-portico-response="{}"
        >
            <h1 id="signed-out-heading">{t!(i18n, signed_out.heading)}</h1>
            <p>{t!(i18n, signed_out.body)}</p>
            {return_url.map(|href| view! { <p><ReturnLink href /></p> })}
            {login_href
                .map(|href| {
                    view! {
                        <p>
                            <a href=href>{t!(i18n, signed_out.sign_in_again)}</a>
                        </p>
                    }
                })}
        </section>
    }
}

#[component]
fn LoginConfirm(token: String, account: String, origin: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="login" aria-labelledby="confirm-heading">
            <h1 id="confirm-heading">{t!(i18n, login.confirm_heading)}</h1>
            <p>{t!(i18n, login.confirm_body)}</p>
            <p class="hint">{t!(i18n, login.confirm_account, account = account.clone())}</p>
            <form method="post" action="/login/confirm">
                <input type="hidden" name="token" value=token />
                <OriginField origin />
                <button type="submit" class="button button-primary">
                    {t!(i18n, login.confirm_submit)}
                </button>
            </form>
        </section>
    }
}

#[component]
fn EmailConfirm(token: String, email: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="login" aria-labelledby="confirm-heading">
            <h1 id="confirm-heading">{t!(i18n, email_change.confirm_heading)}</h1>
            <p>{t!(i18n, email_change.confirm_body, email = email.clone())}</p>
            <form method="post" action="/email/confirm">
                <input type="hidden" name="token" value=token />
                <button type="submit" class="button button-primary">
                    {t!(i18n, email_change.confirm_submit)}
                </button>
            </form>
        </section>
    }
}

#[component]
fn EmailConfirmed(email: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="login" aria-labelledby="confirmed-heading">
            <h1 id="confirmed-heading">{t!(i18n, email_change.done_heading)}</h1>
            <p>{t!(i18n, email_change.done_body, email = email.clone())}</p>
            <p>
                <a class="button" href="/">
                    {t!(i18n, email_change.to_portal)}
                </a>
            </p>
        </section>
    }
}

#[component]
fn SignInConfirm(link: String, account: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="login" aria-labelledby="confirm-heading">
            <h1 id="confirm-heading">{t!(i18n, login.confirm_heading)}</h1>
            <p>{t!(i18n, login.link_from_elsewhere)}</p>
            <p class="hint">{t!(i18n, login.confirm_account, account = account.clone())}</p>
            <form method="post" action="/portal">
                <input type="hidden" name="link" value=link />
                <button type="submit" class="button button-primary">
                    {t!(i18n, login.confirm_submit)}
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_href_keeps_the_origin_encoded() {
        assert_eq!(login_href(None), "/login");
        assert_eq!(
            login_href(Some("http://127.0.0.2:3199")),
            "/login?origin=http%3A%2F%2F127.0.0.2%3A3199"
        );
    }
}
