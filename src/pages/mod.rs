//! One module per route.

pub mod cancel;
pub mod not_found;
pub mod plan;
pub mod portal;
