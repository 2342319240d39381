//! The portal's side of the embed: when the page runs in an iframe on the
//! merchant's site, it tells `public/embed-frame.js` the parent's origin, and
//! that script reports the page's height and the customer's actions to
//! `public/embed.js` on the merchant's page.

use leptos::prelude::*;

use crate::model::{EmbedFrame, EventResponse};

/// The marker `embed-frame.js` reads, and the script itself.
#[component]
pub fn EmbedBridge(embed: EmbedFrame) -> impl IntoView {
    view! {
        <div
            hidden
            id="portico-embed"
            data-parent-origin=embed.parent_origin
            data-events=embed.events.to_string()
            data-debug=embed.debug.to_string()
        ></div>
        <script src="/embed-frame.js" defer></script>
    }
}

/// Attributes that mark an element as the confirmation of an action, for
/// `embed-frame.js` to report once as a `handleResponse` event.
pub fn event_json(response: &EventResponse) -> String {
    serde_json::to_string(response).unwrap_or_else(|_| "{}".into())
}
