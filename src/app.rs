//! The HTML shell and the routes of the portal.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::embed_bridge::EmbedBridge;
use crate::components::language_switcher::LanguageSwitcher;
use crate::components::session_frame::{
    EmbedMarker, ReturnToMerchant, SignOut, provide_session_frame,
};
use crate::i18n::*;
use crate::model::EmbedFrame;
use crate::pages::add_card::AddCardPage;
use crate::pages::cancel::CancelPage;
use crate::pages::details::DetailsEditPage;
use crate::pages::flow_done::FlowDonePage;
use crate::pages::invoices::InvoicesPage;
use crate::pages::not_found::NotFound;
use crate::pages::plan::PlanPage;
use crate::pages::portal::PortalPage;
use crate::pages::static_page::{StaticPage, StaticPageView};

/// The document around the hydrated app. `<html lang>` is left to
/// leptos_i18n, which sets it and reads it back when hydrating.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <Document scripts=Some(options)>
            <App />
        </Document>
    }
}

/// The HTML document of every page: the hydrated app's, with the wasm's
/// `scripts`, and the static pages', without.
#[component]
fn Document(scripts: Option<LeptosOptions>, children: Children) -> impl IntoView {
    let scripts = scripts.map(|options| {
        view! {
            <AutoReload options=options.clone() />
            <HydrationScripts options />
        }
    });
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                {scripts}
                <MetaTags />
            </head>
            <body>{children()}</body>
        </html>
    }
}

/// The portal application.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, once hydrated: mark the document so
    // tests (and scripts embedding the portal) know controls are live.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/portico.css" />
        // The language cookie applies to the whole site, not just this path.
        <I18nContextProvider cookie_options=leptos_i18n::context::CookieOptions::default().path("/")>
            <PageTitle />
            <Router>
                <Frame>
                    <Routes fallback=NotFound>
                        // Async: the whole page (and its status code) is ready
                        // before the first byte, so it reads fully without JavaScript.
                        <Route path=path!("/") view=PortalPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/subscriptions/:id/cancel")
                            view=CancelPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/subscriptions/:id/plan") view=PlanPage ssr=SsrMode::Async />
                        <Route path=path!("/invoices") view=InvoicesPage ssr=SsrMode::Async />
                        <Route path=path!("/payment-methods/new") view=AddCardPage ssr=SsrMode::Async />
                        <Route path=path!("/details") view=DetailsEditPage ssr=SsrMode::Async />
                        <Route path=path!("/flow/done") view=FlowDonePage ssr=SsrMode::Async />
                    </Routes>
                </Frame>
            </Router>
        </I18nContextProvider>
    }
}

/// A static page outside the app (a refused sign-in link, the email
/// sign-in pages). It loads no wasm: there is nothing on it to hydrate.
/// Embedded (`embed` set), it still reports its height and events to the
/// merchant's page through `embed-frame.js`.
pub fn static_shell(page: StaticPage, embed: Option<EmbedFrame>) -> impl IntoView {
    view! {
        <Document scripts=None>
            <StaticApp page embed />
        </Document>
    }
}

#[component]
fn StaticApp(page: StaticPage, embed: Option<EmbedFrame>) -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/portico.css" />
        <I18nContextProvider>
            <PageTitle />
            <Frame static_page=true>
                <StaticPageView page />
            </Frame>
            {embed.map(|embed| view! { <EmbedBridge embed /> })}
        </I18nContextProvider>
    }
}

/// The document title in the page's language. The server writes it once: a
/// reactive title is read when the head is rendered, after the body, and the
/// language signal it reads can be disposed by then (a panic that cut the
/// response short). In the browser an effect follows the language switch.
#[component]
fn PageTitle() -> impl IntoView {
    let i18n = use_i18n();
    let title = td_string!(i18n.get_locale_untracked(), app_title);
    Effect::new(move |_| document().set_title(td_string!(i18n.get_locale(), app_title)));
    view! { <Title text=title /> }
}

/// The header and main landmark every page shares. A static page (no wasm)
/// leaves out the language picker, which needs the hydrated app or a reload.
#[component]
fn Frame(children: Children, #[prop(optional)] static_page: bool) -> impl IntoView {
    let i18n = use_i18n();
    if !static_page {
        provide_session_frame();
    }
    view! {
        <a class="skip-link" href="#main">
            {t!(i18n, skip_to_content)}
        </a>
        <header class="site-header">
            <div class="site-header-inner">
                <p class="site-title">{t!(i18n, app_title)}</p>
                // Erased: the header's full type makes the page's too deep
                // for the compiler's query limit.
                {(!static_page)
                    .then(|| view! {
                        <ReturnToMerchant />
                        <LanguageSwitcher />
                        <SignOut />
                    }.into_any())}
            </div>
        </header>
        <main id="main" tabindex="-1">
            {children()}
        </main>
        {(!static_page).then(|| view! { <EmbedMarker /> }.into_any())}
    }
}
