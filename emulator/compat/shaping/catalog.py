"""Shape fixes for the catalog: prices (on top of legacy plans), products,
coupons."""

import copy

from ..encoding import now
from .fill import fill, fill_none


class CatalogShapes:
    def price_from_plan(self, plan):
        # Real Stripe: every Plan is also a Price with the same id
        # (Prices API, 2020); `recurring` carries the plan's interval.
        ex = self.state.extras(plan['id'])
        metadata = ex.get('metadata', plan.get('metadata') or {})
        tiered = plan.get('billing_scheme') == 'tiered'
        return {
            'id': plan['id'],
            'object': 'price',
            'active': bool(plan.get('active', True)),
            'billing_scheme': plan.get('billing_scheme') or 'per_unit',
            'created': plan.get('created') or now(),
            'currency': plan.get('currency'),
            'custom_unit_amount': None,
            'livemode': False,
            'lookup_key': ex.get('lookup_key'),
            'metadata': metadata,
            'nickname': plan.get('nickname'),
            'product': plan.get('product'),
            'recurring': {
                'interval': plan.get('interval'),
                'interval_count': plan.get('interval_count') or 1,
                'meter': None,
                'trial_period_days': plan.get('trial_period_days'),
                'usage_type': plan.get('usage_type') or 'licensed',
            },
            'tax_behavior': ex.get('tax_behavior', 'unspecified'),
            'tiers_mode': plan.get('tiers_mode') if tiered else None,
            'transform_quantity': None,
            'type': 'recurring',
            'unit_amount': None if tiered else plan.get('amount'),
            'unit_amount_decimal': None if tiered else (
                None if plan.get('amount') is None else str(plan['amount'])),
        }

    def fix_plan(self, plan, parent):
        ex = self.state.extras(plan.get('id'))
        if 'metadata' in ex:
            plan['metadata'] = dict(ex['metadata'])

    def fix_price(self, price, parent):
        ex = self.state.extras(price.get('id'))
        if 'metadata' in ex:
            price['metadata'] = dict(ex['metadata'])

    # ---- products ------------------------------------------------------
    def fix_product(self, p, parent):
        # Real Stripe 2023+: images/marketing_features are always present
        # (possibly empty) and `updated` is the last-modified time.
        ex = self.state.extras(p.get('id'))
        for k in ('unit_label', 'images', 'marketing_features',
                  'default_price', 'tax_code', 'metadata', 'updated',
                  'package_dimensions'):
            if k in ex:
                p[k] = copy.deepcopy(ex[k])
        fill(p, images=[], marketing_features=[], default_price=None,
             package_dimensions=None, tax_code=None, unit_label=None)
        fill_none(p, updated=p.get('created') or now())

    # ---- coupons -------------------------------------------------------
    def fix_coupon(self, c, parent):
        ex = self.state.extras(c.get('id'))
        for k in ('name', 'max_redemptions', 'redeem_by'):
            if k in ex:
                c[k] = ex[k]
        fill(c, name=None, applies_to=None)
