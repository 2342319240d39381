//! When a portal session stops working. The same rules as Stripe's portal
//! sessions: 5 minutes to be used at all, then 1 hour after the last
//! activity, and never more than 2 hours after it was created.

/// Seconds a new session may wait for its first use.
pub const UNUSED_TTL: i64 = 5 * 60;
/// Seconds of inactivity after which a used session ends.
pub const IDLE_TTL: i64 = 60 * 60;
/// Seconds after creation at which any session ends.
pub const MAX_TTL: i64 = 2 * 60 * 60;

/// The Unix time at which a session expires.
pub fn expires_at(created_at: i64, last_used_at: Option<i64>) -> i64 {
    match last_used_at {
        None => created_at + UNUSED_TTL,
        Some(last) => (last + IDLE_TTL).min(created_at + MAX_TTL),
    }
}

/// Whether a session is still usable at `now`.
pub fn is_live(created_at: i64, last_used_at: Option<i64>, now: i64) -> bool {
    now < expires_at(created_at, last_used_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000;

    #[test]
    fn unused_session_lives_five_minutes() {
        assert!(is_live(T0, None, T0 + 299));
        assert!(!is_live(T0, None, T0 + 300));
    }

    #[test]
    fn used_session_lives_an_hour_after_last_activity() {
        assert!(is_live(T0, Some(T0 + 60), T0 + 60 + 3_599));
        assert!(!is_live(T0, Some(T0 + 60), T0 + 60 + 3_600));
    }

    #[test]
    fn activity_cannot_extend_a_session_past_two_hours() {
        let last = T0 + 7_000;
        assert!(is_live(T0, Some(last), T0 + 7_199));
        assert!(!is_live(T0, Some(last), T0 + 7_200));
    }

    #[test]
    fn first_use_after_four_minutes_extends_to_an_hour() {
        assert!(is_live(T0, Some(T0 + 240), T0 + 240 + 3_000));
    }
}
