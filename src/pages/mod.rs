//! One module per route.

pub mod add_card;
pub mod cancel;
pub mod details;
pub mod flow_done;
pub mod invoices;
pub mod not_found;
pub mod plan;
pub mod portal;
pub mod static_page;
