"""Prices: `POST/GET /v1/prices`, `GET/POST /v1/prices/{id}`.  Real Stripe
exposes every recurring price (and legacy plan) through the Prices API; here
a price is stored as a localstripe plan with id `price_...` and answered
Price-shaped (shaping.catalog.price_from_plan).  `lookup_key`,
`tax_behavior` and metadata edits live in the side table.  One-time prices
are refused (localstripe plans need an interval)."""

import urllib.parse

from . import lists
from .encoding import encode_pairs, merge_metadata, rand_id, to_bool, to_int
from .errors import StripeError, missing, upstream_error
from .http import Resp


async def get_plan(layer, id, auth=None):
    status, parsed, content, _ = await layer.inner(
        'GET', '/v1/plans/' + urllib.parse.quote(id, safe=''), auth=auth)
    if status == 404:
        raise missing('price', id)
    if status >= 400 or parsed is None:
        raise upstream_error(status, parsed, content, 'GET',
                             '/v1/plans/' + id)
    return parsed


async def h_create(layer, req):
    # Real Stripe: POST /v1/prices.  Recurring prices are stored as
    # legacy plans (which real Stripe also exposes as prices).
    p = req.params
    rec = p.get('recurring')
    if not isinstance(rec, dict) or not rec.get('interval'):
        raise StripeError(400, 'The Stripe emulator only supports '
                          'recurring prices (recurring[interval] is '
                          'required).', param='recurring')
    product = p.get('product')
    if not product and isinstance(p.get('product_data'), dict):
        pd = p['product_data']
        prod = await layer.internal('POST', '/v1/products', req.auth,
                                    encode_pairs(pd))
        if prod.status >= 400:
            return prod
        product = prod.data['id']
    if not product:
        raise StripeError(400, 'Missing required param: product.',
                          code='parameter_missing', param='product')
    currency = (p.get('currency') or '').lower()
    if not currency:
        raise StripeError(400, 'Missing required param: currency.',
                          code='parameter_missing', param='currency')
    amount = p.get('unit_amount')
    if amount is None and p.get('unit_amount_decimal') is not None:
        try:
            amount = int(float(p['unit_amount_decimal']))
        except ValueError:
            amount = p['unit_amount_decimal']
    amount = to_int(amount)
    if not isinstance(amount, int) or amount < 0:
        raise StripeError(400, 'Invalid integer: %s' % amount,
                          param='unit_amount')
    lookup_key = p.get('lookup_key') or None
    if lookup_key:
        await claim_lookup_key(layer, lookup_key, None,
                               to_bool(p.get('transfer_lookup_key')),
                               req.auth)
    pid = rand_id('price_')
    body = {'id': pid, 'amount': amount, 'currency': currency,
            'interval': rec['interval'],
            'interval_count': to_int(rec.get('interval_count') or 1),
            'product': product,
            'usage_type': rec.get('usage_type') or 'licensed',
            'active': to_bool(p.get('active', True))}
    if p.get('nickname'):
        body['nickname'] = p['nickname']
    if isinstance(p.get('metadata'), dict):
        body['metadata'] = {k: v for k, v in p['metadata'].items()
                            if v != ''}
    if rec.get('trial_period_days'):
        body['trial_period_days'] = to_int(rec['trial_period_days'])
    status, parsed, content, _ = await layer.inner(
        'POST', '/v1/plans', json_body=body, auth=req.auth)
    if status == 404:
        raise missing('product', product, 'product')
    if status >= 400 or parsed is None:
        raise upstream_error(status, parsed, content, 'POST',
                             '/v1/prices')
    extras = {}
    if lookup_key:
        extras['lookup_key'] = lookup_key
    if p.get('tax_behavior'):
        extras['tax_behavior'] = p['tax_behavior']
    if extras:
        layer.state.set_extras(pid, **extras)
    return Resp(200, layer.shaper.price_from_plan(parsed))


async def claim_lookup_key(layer, key, price_id, transfer, auth):
    # Real Stripe: lookup keys are unique; transfer_lookup_key moves one.
    for oid, ex in list(layer.state.data['extras'].items()):
        if ex.get('lookup_key') == key and oid != price_id:
            if not transfer:
                raise StripeError(
                    400, 'A price (`%s`) already uses that lookup key.'
                    % oid, param='lookup_key')
            ex.pop('lookup_key')
    layer.state.save()


async def h_get(layer, req, id):
    plan = await get_plan(layer, id, req.auth)
    return Resp(200, layer.shaper.price_from_plan(plan))


async def h_list(layer, req):
    p = req.params
    plans = await layer.inner_list('/v1/plans', req.auth)
    prices = [layer.shaper.price_from_plan(x) for x in plans]
    if p.get('product'):
        prices = [x for x in prices if x['product'] == p['product']]
    if p.get('active') not in (None, ''):
        want = to_bool(p['active'])
        prices = [x for x in prices if x['active'] == want]
    if p.get('currency'):
        prices = [x for x in prices
                  if x['currency'] == p['currency'].lower()]
    if p.get('type') == 'one_time':
        prices = []
    keys = p.get('lookup_keys')
    if keys:
        keys = keys if isinstance(keys, list) else [keys]
        prices = [x for x in prices if x['lookup_key'] in keys]
    rec = p.get('recurring')
    if isinstance(rec, dict):
        if rec.get('interval'):
            prices = [x for x in prices
                      if x['recurring']['interval'] == rec['interval']]
        if rec.get('usage_type'):
            prices = [x for x in prices if x['recurring']['usage_type']
                      == rec['usage_type']]
    prices = lists.created_filter(p, prices)
    return lists.paginate(req, lists.newest_first(layer, prices),
                          '/v1/prices')


async def h_update(layer, req, id):
    # Real Stripe: nickname, metadata, active, lookup_key, tax_behavior
    # can change on an existing price.
    p = req.params
    plan = await get_plan(layer, id, req.auth)
    body = {}
    if 'nickname' in p:
        body['nickname'] = p['nickname'] or None
    if 'active' in p:
        body['active'] = to_bool(p['active'])
    if body:
        plan = await layer.inner_obj('POST', '/v1/plans/' + id,
                                     json_body=body, auth=req.auth)
    if 'metadata' in p:
        cur = layer.shaper.price_from_plan(plan)['metadata']
        layer.state.set_extras(id, metadata=merge_metadata(
            cur, p['metadata']))
    if 'lookup_key' in p:
        key = p['lookup_key'] or None
        if key:
            await claim_lookup_key(
                layer, key, id, to_bool(p.get('transfer_lookup_key')),
                req.auth)
        layer.state.set_extras(id, lookup_key=key)
    if p.get('tax_behavior'):
        layer.state.set_extras(id, tax_behavior=p['tax_behavior'])
    return Resp(200, layer.shaper.price_from_plan(plan))
