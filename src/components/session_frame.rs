//! The session's frame on every page: the link back to the merchant, and
//! in a deep-linked flow, links that stay within the flow.

use leptos::prelude::*;

use crate::api::get_session_frame::get_session_frame;
use crate::components::embed_bridge::EmbedBridge;
use crate::components::error_panel::ReturnLink;
use crate::error::PortalError;
use crate::i18n::*;
use crate::model::SessionFrame;
use crate::paths::PagePath;

/// The frame, loaded once per page load and shared by the components below.
#[derive(Clone, Copy)]
pub struct FrameResource(Resource<Result<SessionFrame, PortalError>>);

/// Loads the frame for the pages below; call once, in the app's frame.
pub fn provide_session_frame() {
    provide_context(FrameResource(Resource::new_blocking(
        || (),
        |_| get_session_frame(),
    )));
}

/// Runs `view` with the session's frame once it is loaded (an empty frame
/// when there is no session).
fn with_frame<V: IntoView + 'static>(
    view: impl Fn(SessionFrame) -> V + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let resource = use_context::<FrameResource>();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let frame = match resource {
                    Some(FrameResource(r)) => r.await.unwrap_or_default(),
                    None => SessionFrame::default(),
                };
                view(frame)
            })}
        </Suspense>
    }
}

/// The embed's bridge to the merchant's page, when the session is embedded.
#[component]
pub fn EmbedMarker() -> impl IntoView {
    with_frame(|frame| frame.embed.map(|embed| view! { <EmbedBridge embed /> }))
}

/// "Sign out" in the header, when there is a session: a plain form, so it
/// works without JavaScript too.
#[component]
pub fn SignOut() -> impl IntoView {
    let i18n = use_i18n();
    with_frame(move |frame| {
        frame.signed_in.then(|| {
            view! {
                <form class="sign-out" method="post" action="/logout">
                    <button type="submit" class="button button-small">
                        {t!(i18n, sign_out)}
                    </button>
                </form>
            }
        })
    })
}

/// "Return to shop.example" in the header, when the merchant gave a return URL.
#[component]
pub fn ReturnToMerchant() -> impl IntoView {
    with_frame(|frame| frame.return_url.map(|href| view! { <ReturnLink href /> }))
}

/// A link back to the portal home. Within a deep-linked flow the home page
/// is not the customer's to see, so the link leads back to the merchant
/// instead, or is left out when there is no way back.
#[component]
pub fn HomeLink(
    children: ChildrenFn,
    #[prop(optional, into)] class: Option<String>,
) -> impl IntoView {
    let children = StoredValue::new(children);
    let class = StoredValue::new(class);
    with_frame(move |frame| {
        let pinned = frame
            .flow
            .as_ref()
            .is_some_and(|f| f.pinned_page().is_some());
        let href = if pinned {
            frame.return_url
        } else {
            Some(PagePath::Home.href())
        };
        href.map(|href| {
            view! {
                <a class=class.get_value() href=href>
                    {children.with_value(|c| c())}
                </a>
            }
        })
    })
}
