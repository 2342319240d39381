//! Which Stripe ids a mirrored answer, a change or an event mentions. An
//! answer is refreshed when anything it mentions changes, so tags err on the
//! side of more: every object inside an answer (expanded ones too) tags it.

use serde_json::Value;

/// More tags than this on one answer add cost and no precision: the
/// customer's own id is among the first.
const MAX_TAGS: usize = 400;

/// Query parameters whose values are ids of objects the answer depends on.
const ID_PARAMS: [&str; 5] = ["customer", "subscription", "product", "price", "invoice"];

/// Catalog objects are read in lists no single id names (every product,
/// every price of a product); their events refresh those lists.
const CATALOG_LISTS: [(&str, &str); 4] = [
    ("product", "/products"),
    ("price", "/prices"),
    ("promotion_code", "/promotion_codes"),
    ("coupon", "/coupons"),
];

/// The tags of a stored read: the ids in its path and query, every
/// object's id in its answer, and for a list its path.
pub fn of_read(mode: &str, path: &str, query: &str, body: &Value) -> Vec<String> {
    let mut tags = Tags::new(mode);
    tags.path_ids(path);
    for pair in query.split('&') {
        if let Some((key, value)) = pair.split_once('=')
            && ID_PARAMS.contains(&key)
        {
            tags.add(value);
        }
    }
    if body.get("object").and_then(Value::as_str) == Some("list") {
        tags.add(&format!("list:{path}"));
    }
    tags.walk(body);
    tags.0
}

/// The tags a change Portico made touches: the ids in its path, the
/// object Stripe answered with and the customer and subscription it names.
pub fn of_change(mode: &str, path: &str, answer: &Value) -> Vec<String> {
    let mut tags = Tags::new(mode);
    tags.path_ids(path);
    tags.object(answer);
    tags.0
}

/// The tags an event touches: its object, the customer and subscription
/// that object names, and for catalog objects the lists they appear in.
pub fn of_event(mode: &str, event: &Value) -> Vec<String> {
    let mut tags = Tags::new(mode);
    let object = &event["data"]["object"];
    tags.object(object);
    if let Some(kind) = object.get("object").and_then(Value::as_str)
        && let Some((_, list)) = CATALOG_LISTS.iter().find(|(k, _)| *k == kind)
    {
        tags.add(&format!("list:{list}"));
    }
    tags.0
}

/// Every tag of one customer: what `portico sync --customer` refreshes.
pub fn of_customer(mode: &str, customer: &str) -> Vec<String> {
    let mut tags = Tags::new(mode);
    tags.add(customer);
    tags.0
}

struct Tags(Vec<String>, String);

impl Tags {
    fn new(mode: &str) -> Self {
        Self(Vec::new(), format!("{mode}:"))
    }

    fn add(&mut self, id: &str) {
        if id.is_empty() || id.len() > 255 || self.0.len() >= MAX_TAGS {
            return;
        }
        let tag = format!("{}{id}", self.1);
        if !self.0.contains(&tag) {
            self.0.push(tag);
        }
    }

    /// `/customers/cus_1/payment_methods` names `cus_1` (paths as
    /// async-stripe builds them, without `/v1`).
    fn path_ids(&mut self, path: &str) {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        if let Some(id) = segments.get(1) {
            self.add(id);
        }
    }

    /// An object's id and the customer and subscription it belongs to.
    fn object(&mut self, object: &Value) {
        for key in ["id", "customer", "subscription"] {
            match object.get(key) {
                Some(Value::String(id)) => self.add(id),
                Some(nested @ Value::Object(_)) => {
                    if let Some(id) = nested.get("id").and_then(Value::as_str) {
                        self.add(id);
                    }
                }
                _ => {}
            }
        }
    }

    /// Every Stripe object inside an answer, at any depth.
    fn walk(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                if map.contains_key("object") {
                    self.object(value);
                }
                map.values().for_each(|v| self.walk(v));
            }
            Value::Array(items) => items.iter().for_each(|v| self.walk(v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_subscription_list_is_tagged_with_the_customer_and_every_object_in_it() {
        let body = json!({"object": "list", "data": [{
            "object": "subscription", "id": "sub_1", "customer": "cus_1",
            "items": {"object": "list", "data": [{"object": "subscription_item", "id": "si_1",
                "price": {"object": "price", "id": "price_1", "product": "prod_1"}}]},
            "discounts": [{"object": "discount", "id": "di_1",
                "source": {"coupon": {"object": "coupon", "id": "SPRING25"}}}]
        }]});
        let tags = of_read("test", "/subscriptions", "customer=cus_1&status=all", &body);
        for tag in [
            "cus_1",
            "sub_1",
            "si_1",
            "price_1",
            "di_1",
            "SPRING25",
            "list:/subscriptions",
        ] {
            assert!(
                tags.contains(&format!("test:{tag}")),
                "{tag} missing from {tags:?}"
            );
        }
    }

    #[test]
    fn a_read_by_path_is_tagged_with_its_id_and_mode() {
        let tags = of_read("live", "/customers/cus_9/payment_methods", "", &json!({}));
        assert_eq!(tags, ["live:cus_9"]);
    }

    #[test]
    fn a_change_touches_the_object_its_customer_and_subscription() {
        let answer = json!({"object": "invoice", "id": "in_1", "customer": "cus_1",
            "subscription": "sub_1", "lines": {"object": "list", "data": []}});
        let tags = of_change("test", "/invoices/in_1/void", &answer);
        assert_eq!(tags, ["test:in_1", "test:cus_1", "test:sub_1"]);
    }

    #[test]
    fn a_catalog_event_touches_the_lists_it_appears_in() {
        let event = json!({"type": "price.updated",
            "data": {"object": {"object": "price", "id": "price_1", "product": "prod_1"}}});
        assert_eq!(
            of_event("test", &event),
            ["test:price_1", "test:list:/prices"]
        );
        let event = json!({"type": "customer.updated",
            "data": {"object": {"object": "customer", "id": "cus_1"}}});
        assert_eq!(of_event("test", &event), ["test:cus_1"]);
    }
}
