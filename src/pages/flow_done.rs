//! `/flow/done`: the confirmation that ends a deep-linked flow whose
//! `after_completion` is `hosted_confirmation`, with the merchant's message
//! and the way back.

use leptos::prelude::*;

use crate::api::get_session_frame::get_session_frame;
use crate::components::error_panel::{ErrorPanel, ReturnLink};
use crate::error::PortalError;
use crate::i18n::*;
use crate::model::{AfterCompletion, PortalEvent};

#[component]
pub fn FlowDonePage() -> impl IntoView {
    let i18n = use_i18n();
    let frame = Resource::new_blocking(|| (), |_| get_session_frame());
    view! {
        <Suspense fallback=move || view! { <p aria-busy="true">{t!(i18n, portal.loading)}</p> }>
            {move || Suspend::new(async move {
                let frame = frame.await.unwrap_or_default();
                let done = frame.flow.filter(|f| f.completed);
                let Some(flow) = done else {
                    // Nothing was finished in this session (or there is none).
                    return view! { <ErrorPanel error=PortalError::NotAllowed /> }.into_any();
                };
                let custom = match flow.after_completion {
                    AfterCompletion::HostedConfirmation { custom_message } => custom_message,
                    _ => None,
                };
                // The action that finished the flow, as the server recorded
                // it: the address is the customer's to edit.
                let event = flow.finished_by.filter(|e| flow.task.completed_by(*e));
                let event_attr = event.map(PortalEvent::as_str);
                view! {
                    <section
                        class="notice notice-success flow-done"
                        role="status"
                        aria-labelledby="done-heading"
                        data-portico-event=event_attr
                        data-portico-response="{}"
                    >
                        <h1 id="done-heading" tabindex="-1">{t!(i18n, flow.done_heading)}</h1>
                        <p>
                            {move || custom.clone().unwrap_or_else(|| default_message(i18n.get_locale(), event).to_string())}
                        </p>
                        {frame.return_url.map(|href| view! { <ReturnLink href /> })}
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// The translated confirmation for the event that finished the flow.
fn default_message(l: Locale, event: Option<PortalEvent>) -> &'static str {
    match event {
        Some(PortalEvent::Cancel) => td_string!(l, flow.done_cancel),
        Some(PortalEvent::ApplyCoupon) => td_string!(l, flow.done_offer),
        Some(PortalEvent::ChangePlan) => td_string!(l, flow.done_plan),
        Some(PortalEvent::UpdateCard) => td_string!(l, flow.done_card),
        _ => td_string!(l, flow.done_generic),
    }
}
