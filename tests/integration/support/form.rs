//! The one form encoder every request of the harness uses, and the form
//! nonces tests send with customer actions.

/// `application/x-www-form-urlencoded` body of name/value pairs, in order.
pub fn form_body(form: &[(&str, &str)]) -> String {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        body.append_pair(k, v);
    }
    body.finish()
}

/// One value, encoded for a query string.
pub fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The form nonce of the page a test's forms come from. Portico renders a
/// fresh one into every page; the same nonce sent twice is a double submit
/// of one form (one change at Stripe).
pub const NONCE: &str = "test-nonce-0123456789";

/// The form nonce of another page (another tab, the page after a reload):
/// `nonce(2)`, `nonce(3)`… differ from each other and from [`NONCE`].
pub fn nonce(page: u32) -> String {
    format!("page-{page}-nonce-0123456789")
}
