//! What customers do to their saved cards: save a new one (through a
//! SetupIntent the browser confirms with Stripe.js), choose the default,
//! remove one. Same order as subscription actions: nonce, ownership (the id
//! must be in the customer's own card list), policy, Stripe with an
//! idempotency key, audit.

use crate::error::PortalError;
use crate::model::{PaymentCard, PaymentMethodId, SetupIntentId, Subscription, Wallet};
use crate::policy::{self, CardAction};
use crate::server::actions::guard::FormNonce;
use crate::server::actions::idempotency;
use crate::server::audit::Audit;
use crate::server::db::now;
use crate::server::session::PortalSession;
use crate::server::state::AppState;

/// Purpose of the Idempotency-Key of a new SetupIntent.
const SETUP_CARD: &str = "setup_card";

/// The customer's cards with what the policy needs: which is the default,
/// whether a subscription charges a card directly, and whether the customer
/// must keep one.
pub fn wallet(
    mut cards: Vec<PaymentCard>,
    default: Option<&str>,
    subscriptions: &[Subscription],
) -> Wallet {
    let billing: Vec<&Subscription> = subscriptions
        .iter()
        .filter(|s| !s.status.has_ended())
        .collect();
    for card in &mut cards {
        card.is_default = default == Some(card.id.as_str());
        card.used_by_subscription = billing
            .iter()
            .any(|s| s.payment_method.as_deref() == Some(card.id.as_str()));
    }
    Wallet {
        cards,
        needs_a_card: !billing.is_empty(),
    }
}

/// The customer's wallet, fresh from Stripe: the card actions decide on it
/// (which card is the default, which subscriptions charge which card).
pub async fn load(
    state: &AppState,
    session: &PortalSession,
) -> Result<(Wallet, Vec<Subscription>), PortalError> {
    let customer = session.row.scope.customer_id.as_str();
    let stripe = state.stripe.fresh();
    let (profile, cards, subscriptions) = futures::try_join!(
        stripe.profile(customer),
        stripe.cards(customer, now()),
        stripe.subscriptions(customer),
    )
    .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?;
    let profile = profile.ok_or(PortalError::CustomerNotFound)?;
    let default = profile.default_payment_method.as_deref();
    Ok((wallet(cards, default, &subscriptions), subscriptions))
}

/// The card `id` from the customer's own list; anything else is "not found".
fn owned<'a>(wallet: &'a Wallet, id: &str) -> Result<&'a PaymentCard, PortalError> {
    let id = PaymentMethodId::parse(id).ok_or(PortalError::PaymentMethodNotFound)?;
    wallet
        .cards
        .iter()
        .find(|c| id == c.id)
        .ok_or(PortalError::PaymentMethodNotFound)
}

/// Makes `payment_method` the customer's default and clears the cards
/// subscriptions set for themselves, so every invoice charges the new
/// default instead of an old card.
async fn make_default(
    state: &AppState,
    session: &PortalSession,
    payment_method: &str,
    subscriptions: &[Subscription],
    key: &str,
) -> Result<(), PortalError> {
    let customer = session.row.scope.customer_id.as_str();
    state
        .stripe
        .set_default_card(customer, payment_method, key)
        .await
        .map_err(|e| e.into_write_error())?;
    for sub in subscriptions
        .iter()
        .filter(|s| !s.status.has_ended())
        .filter(|s| {
            s.payment_method
                .as_deref()
                .is_some_and(|pm| pm != payment_method)
        })
    {
        state
            .stripe
            .clear_subscription_card(&sub.id, &format!("{key}-{}", sub.id))
            .await
            .map_err(|e| e.into_write_error())?;
    }
    Ok(())
}

/// Makes a saved card the default.
pub async fn set_default(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    form_nonce: &str,
) -> Result<(), PortalError> {
    on_saved_card(state, session, id, form_nonce, CardAction::MakeDefault).await
}

/// Removes a saved card that is neither the default nor the last one a
/// billing subscription needs.
pub async fn remove(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    form_nonce: &str,
) -> Result<(), PortalError> {
    on_saved_card(state, session, id, form_nonce, CardAction::Remove).await
}

/// Runs `action` on the saved card `id`, audited.
async fn on_saved_card(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    form_nonce: &str,
    action: CardAction,
) -> Result<(), PortalError> {
    let event = action.event().as_str();
    let detail = format!("payment_method={id}");
    let result = async {
        let nonce = FormNonce::parse(form_nonce)?;
        let (wallet, subscriptions) = load(state, session).await?;
        let card = owned(&wallet, id)?;
        policy::card_action(&session.config, &wallet, Some(card), action)?;
        // What the change acts on: the default card now, and the version of
        // the customer's cards (see `idempotency::version`).
        let default = wallet
            .cards
            .iter()
            .find(|c| c.is_default)
            .map(|c| c.id.as_str());
        let version = idempotency::version(state, session, event, None, Some(&detail)).await?;
        let key = idempotency::key(
            session,
            event,
            id,
            &[default.unwrap_or_default(), &version],
            &nonce,
        );
        match action {
            CardAction::MakeDefault => make_default(state, session, id, &subscriptions, &key).await,
            CardAction::Remove => state
                .stripe
                .detach_card(id, &key)
                .await
                .map_err(|e| e.into_write_error()),
            // Saving a card goes through a SetupIntent (`start_setup`).
            CardAction::Add => Err(PortalError::NotAllowed),
        }
    }
    .await;
    Audit::of(&session.row)
        .detail(Some(&detail))
        .record(state, event, result)
        .await;
    result
}

/// What the browser needs to confirm a new card with Stripe.js.
#[derive(Clone, Debug)]
pub struct CardSetupStart {
    pub client_secret: String,
}

/// Starts saving a new card: a SetupIntent for the customer, whose client
/// secret the browser hands to Stripe.js.
pub async fn start_setup(
    state: &AppState,
    session: &PortalSession,
    form_nonce: &str,
    attempt: u32,
) -> Result<CardSetupStart, PortalError> {
    let nonce = FormNonce::parse(form_nonce)?;
    policy::may_add_card(&session.config)?;
    let key = idempotency::key(
        session,
        SETUP_CARD,
        "setup_intent",
        &[&attempt.to_string()],
        &nonce,
    );
    let setup = state
        .stripe
        .create_card_setup(&session.row.scope.customer_id, &key)
        .await
        .map_err(|e| e.into_write_error())?;
    Ok(CardSetupStart {
        client_secret: setup.client_secret,
    })
}

/// Finishes saving a card once Stripe.js confirmed the SetupIntent: the
/// intent must be the customer's and have succeeded; its card becomes the
/// default. Returns the card's id.
pub async fn finish_setup(
    state: &AppState,
    session: &PortalSession,
    setup_intent: &str,
    form_nonce: &str,
) -> Result<String, PortalError> {
    let event = CardAction::Add.event().as_str();
    let customer = session.row.scope.customer_id.as_str();
    let result = async {
        let nonce = FormNonce::parse(form_nonce)?;
        let setup_intent =
            SetupIntentId::parse(setup_intent).ok_or(PortalError::CardSetupFailed)?;
        policy::may_add_card(&session.config)?;
        // Only the subscriptions are needed (to clear their own cards):
        // adding a card does not depend on the cards already saved.
        let subscriptions = state
            .stripe
            .fresh()
            .subscriptions(customer)
            .await
            .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?;
        let outcome = state
            .stripe
            .fresh()
            .card_setup_outcome(&setup_intent)
            .await
            .map_err(|e| e.into_write_error())?
            .ok_or(PortalError::CardSetupFailed)?;
        if outcome.customer_id.as_deref() != Some(customer) {
            tracing::warn!(session = %session.row.id, "setup intent of another customer refused");
            return Err(PortalError::CardSetupFailed);
        }
        let payment_method = match (outcome.succeeded, outcome.payment_method) {
            (true, Some(pm)) => PaymentMethodId::parse(&pm).ok_or(PortalError::CardSetupFailed)?,
            _ => return Err(PortalError::CardSetupFailed),
        };
        let key = idempotency::key(session, event, setup_intent.as_str(), &[], &nonce);
        match state
            .stripe
            .fresh()
            .payment_method_owner(&payment_method)
            .await
            .map_err(|e| e.into_write_error())?
        {
            Some(Some(owner)) if owner == customer => {}
            Some(None) => state
                .stripe
                .attach_card(payment_method.as_str(), customer, &format!("{key}-attach"))
                .await
                .map_err(|e| e.into_write_error())?,
            _ => return Err(PortalError::CardSetupFailed),
        }
        make_default(
            state,
            session,
            payment_method.as_str(),
            &subscriptions,
            &key,
        )
        .await?;
        Ok(payment_method.to_string())
    }
    .await;
    let detail = result
        .as_ref()
        .ok()
        .map(|pm| format!("payment_method={pm}"));
    Audit::of(&session.row)
        .detail(detail.as_deref())
        .record(state, event, result.as_ref().map(|_| ()).map_err(|e| *e))
        .await;
    result
}
