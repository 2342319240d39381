//! Read-only look-ups behind customer actions: the plans a subscription may
//! move to, coupons and promotion codes, and whether a customer can pay.

use stripe_billing::subscription::DiscountsDataParam;
use stripe_core::customer::{
    ListPaymentMethodsCustomer, RetrieveCustomer, RetrieveCustomerReturned,
};
use stripe_product::coupon::RetrieveCoupon;
use stripe_product::price::ListPrice;
use stripe_product::product::{ListProduct, RetrieveProduct};
use stripe_product::promotion_code::ListPromotionCode;

use super::{StripeApi, StripeApiError, map};
use crate::model::{Discount, PlanOption};
use crate::portal_config::OfferedProduct;

/// Product metadata key naming a product group (Billflow's `service`): the
/// plan picker offers the tiers of the subscription's group.
pub const GROUP_METADATA: &str = "portico_group";

/// Price metadata key (`"true"`) by which a merchant offers a price in the
/// plan picker when the configuration names no products. Without it a price
/// is not offered: a $0 test price or an intro price of the group must not
/// become anyone's plan by a click.
pub const OFFERED_METADATA: &str = "portico_offered";

/// Coupon metadata key by which a merchant lets customers enter a coupon's
/// id in the portal. Without it, any valid coupon of the account (staff or
/// partner coupons too) could be applied by guessing its id.
pub const REDEEMABLE_METADATA: &str = "portico_redeemable";

/// Coupon or promotion code metadata key (`"true"`) by which a merchant lets
/// one customer redeem a code more than once. Without it, a customer
/// redeems each coupon at most once through Portico.
pub const REPEATABLE_METADATA: &str = "portico_repeatable";

/// What a code the customer typed redeems.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redemption {
    /// A coupon the merchant marked redeemable, entered by its id.
    Coupon { id: String, repeatable: bool },
    /// A promotion code (`promo_…`), customer-facing by design, and the
    /// coupon it applies.
    PromotionCode {
        id: String,
        coupon: String,
        repeatable: bool,
    },
}

impl Redemption {
    /// The coupon the customer ends up with.
    pub fn coupon_id(&self) -> &str {
        match self {
            Self::Coupon { id, .. } | Self::PromotionCode { coupon: id, .. } => id,
        }
    }

    /// Whether the merchant lets one customer redeem it again.
    pub fn repeatable(&self) -> bool {
        match self {
            Self::Coupon { repeatable, .. } | Self::PromotionCode { repeatable, .. } => *repeatable,
        }
    }

    /// The `discounts[]` entry that applies it.
    pub(super) fn discount(&self) -> DiscountsDataParam {
        match self {
            Self::Coupon { id, .. } => DiscountsDataParam {
                coupon: Some(id.clone()),
                ..Default::default()
            },
            Self::PromotionCode { id, .. } => DiscountsDataParam {
                promotion_code: Some(id.clone()),
                ..Default::default()
            },
        }
    }
}

impl StripeApi {
    /// The recurring prices a subscription on `product_id` may move to:
    /// the configuration's `offered` products and prices when it names any,
    /// else the prices of the product's group that the merchant marked
    /// `portico_offered`. Only active products and prices. A subscription
    /// on a product that is not offered may move nowhere. `service`
    /// (Billflow's, from the sign-in) narrows them to the products of that
    /// group; it never adds any, since nothing signs it.
    pub async fn plan_options(
        &self,
        product_id: &str,
        offered: &[OfferedProduct],
        service: Option<&str>,
    ) -> Result<Vec<PlanOption>, StripeApiError> {
        let mut products: Vec<stripe_product::Product> = if offered.is_empty() {
            let current = RetrieveProduct::new(product_id).send(&self.client).await?;
            match current.metadata.get(GROUP_METADATA).cloned() {
                Some(group) => {
                    let all = ListProduct::new()
                        .active(true)
                        .limit(100)
                        .send(&self.client)
                        .await?;
                    all.data
                        .into_iter()
                        .filter(|p| p.metadata.get(GROUP_METADATA) == Some(&group))
                        .collect()
                }
                None => vec![current],
            }
        } else {
            if !offered.iter().any(|o| o.product == product_id) {
                return Ok(Vec::new());
            }
            let mut products = Vec::new();
            for o in offered {
                if let Some(p) = RetrieveProduct::new(o.product.as_str())
                    .send(&self.client)
                    .await
                    .map(Some)
                    .or_else(|e| StripeApiError::from(e).none_if_missing())?
                {
                    products.push(p);
                }
            }
            products
        };
        products.retain(|p| p.active);

        if let Some(service) = service {
            products
                .retain(|p| p.metadata.get(GROUP_METADATA).map(String::as_str) == Some(service));
        }

        // One price list per product, fetched together as `products_of` does.
        let requests: Vec<ListPrice> = products
            .iter()
            .map(|p| {
                ListPrice::new()
                    .product(p.id.as_str())
                    .active(true)
                    .limit(100)
            })
            .collect();
        let price_lists =
            futures::future::try_join_all(requests.iter().map(|r| r.send(&self.client))).await?;
        let mut options = Vec::new();
        let mut current_offered = false;
        for (product, prices) in products.iter().zip(&price_lists) {
            let allowed: Option<&Vec<String>> = offered
                .iter()
                .find(|o| o.product == product.id.as_str())
                .map(|o| &o.prices)
                .filter(|prices| !prices.is_empty());
            let before = options.len();
            options.extend(
                prices
                    .data
                    .iter()
                    .filter(|price| price.active)
                    .filter(|price| match allowed {
                        Some(a) => a.iter().any(|id| id == price.id.as_str()),
                        // Named products offer all their prices; otherwise
                        // only those the merchant marked.
                        None if !offered.is_empty() => true,
                        None => {
                            price.metadata.get(OFFERED_METADATA).map(String::as_str) == Some("true")
                        }
                    })
                    .filter_map(|price| map::plan_option(price, product)),
            );
            current_offered |= product.id.as_str() == product_id && options.len() > before;
        }
        // A product none of whose prices is offered is not offered: its
        // subscriptions move nowhere.
        if !current_offered {
            return Ok(Vec::new());
        }
        // Cheapest first within each interval, so tiers read in order.
        options.sort_by_key(|o| (o.interval as u8, o.interval_count, o.amount.minor));
        Ok(options)
    }

    /// What `code` redeems for `customer_id`: an active promotion code
    /// with that code (Stripe matches codes case-insensitively) that this
    /// customer may still use, else a valid coupon with that id that the
    /// merchant made redeemable. `None` when neither exists. Stripe checks
    /// the code's other restrictions when it is applied.
    pub async fn redemption(
        &self,
        code: &str,
        customer_id: &str,
    ) -> Result<Option<Redemption>, StripeApiError> {
        let now = crate::server::db::now();
        let promotions = ListPromotionCode::new()
            .code(code)
            .active(true)
            .limit(10)
            .send(&self.client)
            .await?;
        let usable = promotions.data.iter().find(|p| {
            p.expires_at.is_none_or(|at| at > now)
                && p.max_redemptions.is_none_or(|max| p.times_redeemed < max)
                && p.customer
                    .as_ref()
                    .is_none_or(|c| c.id().as_str() == customer_id)
        });
        if let Some(p) = usable
            && let Some(coupon) = &p.promotion.coupon
        {
            return Ok(Some(Redemption::PromotionCode {
                id: p.id.to_string(),
                coupon: coupon.id().to_string(),
                repeatable: p
                    .metadata
                    .as_ref()
                    .and_then(|m| m.get(REPEATABLE_METADATA))
                    .is_some_and(|v| v == "true"),
            }));
        }
        let coupon = match RetrieveCoupon::new(code).send(&self.client).await {
            Ok(c) => c,
            Err(e) => return StripeApiError::from(e).none_if_missing(),
        };
        let marked = |key: &str| {
            coupon
                .metadata
                .as_ref()
                .and_then(|m| m.get(key))
                .is_some_and(|v| v == "true")
        };
        Ok(
            (coupon.valid && marked(REDEEMABLE_METADATA)).then(|| Redemption::Coupon {
                id: coupon.id.to_string(),
                repeatable: marked(REPEATABLE_METADATA),
            }),
        )
    }

    /// The coupon `id` as a discount to offer, if it can still be applied.
    /// For coupons the merchant's own server names (a retention offer),
    /// which need no `portico_redeemable` mark: customers never type them.
    pub async fn coupon_offer(&self, id: &str) -> Result<Option<Discount>, StripeApiError> {
        let coupon = match RetrieveCoupon::new(id).send(&self.client).await {
            Ok(coupon) => coupon,
            Err(e) => return StripeApiError::from(e).none_if_missing(),
        };
        Ok(coupon.valid.then(|| map::coupon(&coupon, None)))
    }

    /// The payment method new charges would use: the customer's default, or
    /// else a saved card.
    pub async fn usable_payment_method(
        &self,
        customer_id: &str,
    ) -> Result<Option<String>, StripeApiError> {
        let customer = match RetrieveCustomer::new(customer_id)
            .send(&self.client)
            .await?
        {
            RetrieveCustomerReturned::Customer(c) => c,
            RetrieveCustomerReturned::DeletedCustomer(_) => return Ok(None),
        };
        if let Some(pm) = customer
            .invoice_settings
            .as_ref()
            .and_then(|s| s.default_payment_method.as_ref())
        {
            return Ok(Some(pm.id().to_string()));
        }
        let saved = ListPaymentMethodsCustomer::new(customer_id)
            .send(&self.client)
            .await?;
        Ok(saved.data.first().map(|pm| pm.id.to_string()))
    }
}
