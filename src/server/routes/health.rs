//! `GET /healthz`: ready when the database answers. Stripe is not checked, so
//! a Stripe outage does not take every instance out of a load balancer.

use axum::extract::State;
use axum::http::StatusCode;

use crate::server::state::AppState;

pub async fn health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&state.db.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
