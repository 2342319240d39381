"""`expand[]`, done by the layer for every response (it knows prices,
discounts, schedules and promotion codes, which localstripe does not)."""

import copy

from . import invoices
from .errors import StripeError

# Where to fetch an id for `expand[]`, by field name, then by id prefix.
EXPAND_BY_FIELD = {
    'customer': 'customers', 'latest_invoice': 'invoices',
    'invoice': 'invoices', 'subscription': 'subscriptions',
    'payment_intent': 'payment_intents', 'default_payment_method':
    'payment_methods', 'payment_method': 'payment_methods',
    'latest_charge': 'charges', 'charge': 'charges', 'product': 'products',
    'price': 'prices', 'default_price': 'prices', 'plan': 'plans',
    'coupon': 'coupons', 'setup_intent': 'setup_intents',
    'pending_setup_intent': 'setup_intents', 'discounts': 'discounts',
    'schedule': 'subscription_schedules',
    'promotion_code': 'promotion_codes',
}
EXPAND_BY_PREFIX = {
    'cus_': 'customers', 'in_': 'invoices', 'sub_': 'subscriptions',
    'pi_': 'payment_intents', 'pm_': 'payment_methods', 'ch_': 'charges',
    'prod_': 'products', 'price_': 'prices', 'plan_': 'plans',
    'seti_': 'setup_intents', 'txr_': 'tax_rates', 'di_': 'discounts',
}


async def expand(layer, data, paths, auth):
    # Real Stripe `expand[]`: replace ids along a dotted path by the
    # objects they name (lists are walked element by element).
    cache = {}
    for path in paths:
        segs = path.split('.')
        if len(segs) > 4 and not (segs[0] == 'data' and len(segs) <= 5):
            raise StripeError(400, 'You cannot expand more than 4 levels '
                              'of a property. Property: %s' % path,
                              param='expand')
        await _expand(layer, data, segs, auth, cache)


async def _expand(layer, node, segs, auth, cache):
    if isinstance(node, list):
        for x in node:
            await _expand(layer, x, segs, auth, cache)
        return
    if not isinstance(node, dict) or not segs:
        return
    key, rest = segs[0], segs[1:]
    if key not in node:
        if node.get('object') == 'invoice' and \
                key in ('confirmation_secret', 'payments'):
            node[key] = await invoices.includable(layer, node, key, cache)
        else:
            return
    val = node[key]
    if isinstance(val, str):
        val = await _fetch(layer, key, val, auth, cache)
        node[key] = val
    elif isinstance(val, list) and any(isinstance(v, str) for v in val):
        out = []
        for v in val:
            out.append(await _fetch(layer, key, v, auth, cache)
                       if isinstance(v, str) else v)
        node[key] = val = out
    if rest and val is not None:
        await _expand(layer, val, rest, auth, cache)


async def _fetch(layer, field, id, auth, cache):
    coll = EXPAND_BY_FIELD.get(field)
    if coll is None:
        for prefix, c in EXPAND_BY_PREFIX.items():
            if id.startswith(prefix):
                coll = c
                break
    if coll is None:
        return id
    ck = (coll, id)
    if ck not in cache:
        resp = await layer.internal('GET', '/v1/%s/%s' % (coll, id), auth)
        cache[ck] = resp.data if resp.status == 200 else id
    return copy.deepcopy(cache[ck])
