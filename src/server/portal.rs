//! What the portal shows a signed-in customer. Plain async functions, called
//! by server functions after the session is resolved, testable without Leptos.

use crate::error::PortalError;
use crate::model::{
    EmbedFrame, EventNotice, FlowTask, InvoiceCursor, PortalOverview, SessionFrame,
};
use crate::policy;
use crate::portal_config::PortalConfig;
use crate::server::db::now;
use crate::server::navigation::new_form_nonce;
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::{billing_history, wallet};

/// The customer and the subscriptions this session may see.
pub async fn overview(
    state: &AppState,
    session: &PortalSession,
    notice: Option<EventNotice>,
) -> Result<PortalOverview, PortalError> {
    let customer_id = session.row.scope.customer_id.as_str();
    let config = &session.config;
    // Everything the page shows, fetched at once.
    let cards = async {
        if policy::shows_cards(config) {
            state.stripe.cards(customer_id, now()).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let invoices = async {
        match billing_history::default_scope(session) {
            Some(scope) => state
                .stripe
                .invoices(
                    customer_id,
                    &scope,
                    &InvoiceCursor::Newest,
                    billing_history::RECENT,
                )
                .await
                .map(Some),
            None => Ok(None),
        }
    };
    let retention_offer = async {
        match session
            .open_flow_task()
            .and_then(FlowTask::retention_coupon)
        {
            Some(coupon) => state.stripe.coupon_offer(coupon).await,
            None => Ok(None),
        }
    };
    // A storage failure only hides the line about it.
    let pending_email = async {
        if !policy::may_edit_details(config) {
            return Ok(None);
        }
        Ok(state
            .db
            .pending_email(customer_id, session.row.livemode, now())
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "cannot read pending email changes"))
            .ok()
            .flatten())
    };
    let (profile, mut subscriptions, cards, recent_invoices, retention_offer, pending_email) =
        futures::try_join!(
            state.stripe.profile(customer_id),
            state.stripe.subscriptions(customer_id),
            cards,
            invoices,
            retention_offer,
            pending_email,
        )
        .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?;
    let profile = profile.ok_or(PortalError::CustomerNotFound)?;
    // Every subscription counts for the cards, whatever the page shows.
    let wallet = cards.map(|cards| {
        wallet::wallet(
            cards,
            profile.default_payment_method.as_deref(),
            &subscriptions,
        )
    });
    // Before any filtering: the restarted subscription may be filtered out.
    crate::model::mark_superseded(&mut subscriptions);
    if let Some(only) = &session.row.scope.subscription_id {
        subscriptions.retain(|s| &s.id == only);
    }
    subscriptions.retain(|s| policy::lists_subscription(config, s));
    // Ended subscriptions go last; otherwise Stripe's order (newest first) stays.
    subscriptions.sort_by_key(|s| s.status.has_ended());
    Ok(PortalOverview {
        customer: profile.customer,
        subscriptions,
        single_subscription: session.row.scope.subscription_id.is_some(),
        config: session.config.clone(),
        form_nonce: new_form_nonce(),
        // Only the session's own last action, never an address typed in.
        notice: notice.filter(|n| session.row.last_event.as_deref() == Some(n.key().as_str())),
        quantity_preset: session.row.scope.quantity_preset.clone(),
        wallet,
        recent_invoices,
        details: profile.details,
        pending_email,
        retention_offer,
    })
}

/// What the page frame shows: the way back to the merchant, and the flow.
pub fn frame(session: &PortalSession) -> SessionFrame {
    SessionFrame {
        return_url: session.row.scope.return_url.clone(),
        flow: session.row.scope.flow.clone(),
        signed_in: true,
        embed: session
            .row
            .scope
            .embed_origin
            .as_deref()
            .map(|origin| embed_frame(&session.config, origin)),
    }
}

/// What an embedded page tells `embed-frame.js`, under `config`'s toggles.
pub fn embed_frame(config: &PortalConfig, origin: &str) -> EmbedFrame {
    EmbedFrame {
        parent_origin: origin.to_string(),
        events: config.handle_response,
        debug: config.debug,
    }
}
