//! Read-only look-ups behind customer actions: the plans a subscription may
//! move to, coupons, and whether a customer can pay.

use stripe_core::customer::{
    ListPaymentMethodsCustomer, RetrieveCustomer, RetrieveCustomerReturned,
};
use stripe_product::coupon::RetrieveCoupon;
use stripe_product::price::ListPrice;
use stripe_product::product::{ListProduct, RetrieveProduct};

use super::{StripeApi, StripeApiError, map};
use crate::model::PlanOption;
use crate::portal_config::OfferedProduct;

/// Product metadata key naming a product group (Billflow's `service`): the
/// plan picker offers the tiers of the subscription's group.
pub const GROUP_METADATA: &str = "portico_group";

/// Coupon metadata key by which a merchant lets customers enter a coupon's
/// id in the portal. Without it, any valid coupon of the account (staff or
/// partner coupons too) could be applied by guessing its id.
pub const REDEEMABLE_METADATA: &str = "portico_redeemable";

/// A coupon as the portal needs it.
#[derive(Clone, Debug)]
pub struct CouponInfo {
    pub id: String,
    /// Stripe's `valid`: not expired, not exhausted.
    pub valid: bool,
    /// The merchant marked it `portico_redeemable=true`.
    pub redeemable: bool,
}

impl StripeApi {
    /// The recurring prices a subscription on `product_id` may move to.
    /// `offered` (from the configuration) wins when it is not empty.
    pub async fn plan_options(
        &self,
        product_id: &str,
        offered: &[OfferedProduct],
    ) -> Result<Vec<PlanOption>, StripeApiError> {
        let products: Vec<stripe_product::Product> = if offered.is_empty() {
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
        for (product, prices) in products.iter().zip(&price_lists) {
            let allowed: Option<&Vec<String>> = offered
                .iter()
                .find(|o| o.product == product.id.as_str())
                .map(|o| &o.prices)
                .filter(|prices| !prices.is_empty());
            options.extend(
                prices
                    .data
                    .iter()
                    .filter(|price| {
                        allowed.is_none_or(|a| a.iter().any(|id| id == price.id.as_str()))
                    })
                    .filter_map(|price| map::plan_option(price, product)),
            );
        }
        // Cheapest first within each interval, so tiers read in order.
        options.sort_by_key(|o| (o.interval as u8, o.interval_count, o.amount.minor));
        Ok(options)
    }

    /// A coupon by id, or `None` when Stripe knows no such coupon.
    pub async fn coupon(&self, id: &str) -> Result<Option<CouponInfo>, StripeApiError> {
        match RetrieveCoupon::new(id).send(&self.client).await {
            Ok(c) => Ok(Some(CouponInfo {
                id: c.id.to_string(),
                valid: c.valid,
                redeemable: c
                    .metadata
                    .as_ref()
                    .and_then(|m| m.get(REDEEMABLE_METADATA))
                    .is_some_and(|v| v == "true"),
            })),
            Err(e) => StripeApiError::from(e).none_if_missing(),
        }
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
