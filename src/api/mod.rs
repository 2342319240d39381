//! Server functions: the portal's public API. Each one resolves the session,
//! checks the configuration and ownership, then calls plain server code.
//! One function per file.

pub mod get_overview;
