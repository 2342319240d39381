"""Promotion codes: `POST/GET /v1/promotion_codes[/{id}]`.  localstripe has
none.  Real Stripe: a customer-facing code (case-insensitive) that redeems
a coupon, with its own limits (active, expires_at, max_redemptions,
customer, first-time and minimum-amount restrictions; the minimum amount
is stored, not enforced).  Kept in the side table; redeemed through
`discounts[N][promotion_code]` (coupons.resolve_discounts)."""

import copy
import re
import secrets
import urllib.parse

from . import lists
from .encoding import merge_metadata, now, rand_id, to_bool, to_int
from .errors import StripeError, missing, refuse_unknown
from .http import Resp

PROMO_CREATE_PARAMS = {'promotion', 'coupon', 'code', 'active',
                       'customer', 'expires_at', 'max_redemptions',
                       'metadata', 'restrictions', 'expand'}


async def h_create(layer, req):
    p = req.params
    refuse_unknown(p, PROMO_CREATE_PARAMS)
    promotion = p.get('promotion') if isinstance(p.get('promotion'),
                                                 dict) else {}
    coupon_id = promotion.get('coupon') or p.get('coupon')
    if not coupon_id:
        raise StripeError(400, 'Missing required param: '
                          'promotion[coupon].', param='promotion[coupon]')
    status, coupon, _, _ = await layer.inner(
        'GET', '/v1/coupons/' + urllib.parse.quote(coupon_id, safe=''),
        auth=req.auth)
    if status == 404 or coupon is None:
        raise missing('coupon', coupon_id, 'promotion[coupon]')
    code = p.get('code') or secrets.token_hex(4).upper()
    if not re.match(r'^[A-Za-z0-9_-]{3,200}$', code):
        raise StripeError(400, 'Invalid code: %s' % code, param='code')
    if any(x['code'].lower() == code.lower() and x['active']
           for x in layer.state.promotion_codes().values()):
        raise StripeError(400, 'An active promotion code with `code: %s`'
                          ' already exists.' % code,
                          code='resource_already_exists', param='code')
    r = p.get('restrictions') if isinstance(p.get('restrictions'),
                                            dict) else {}
    pid = rand_id('promo_')
    promo = {
        'id': pid, 'object': 'promotion_code',
        'active': to_bool(p.get('active', True)) is not False,
        'code': code, 'created': now(),
        'customer': p.get('customer') or None, 'customer_account': None,
        'expires_at': to_int(p['expires_at']) if p.get('expires_at')
        else None,
        'livemode': False,
        'max_redemptions': to_int(p['max_redemptions'])
        if p.get('max_redemptions') else None,
        'metadata': {k: v for k, v in (p.get('metadata') or {}).items()
                     if v != ''},
        'promotion': {'type': 'coupon', 'coupon': coupon_id},
        'restrictions': {
            'currency_options': {},
            'first_time_transaction':
                to_bool(r.get('first_time_transaction', False)) is True,
            'minimum_amount': to_int(r['minimum_amount'])
            if r.get('minimum_amount') else None,
            'minimum_amount_currency':
                r.get('minimum_amount_currency') or None},
        'times_redeemed': 0}
    layer.state.promotion_codes()[pid] = promo
    layer.state.save()
    return Resp(200, copy.deepcopy(promo))


def get_promo(layer, id, param='id'):
    promo = layer.state.promotion_codes().get(id)
    if promo is None:
        raise missing('promotion_code', id, param)
    return copy.deepcopy(promo)


async def h_get(layer, req, id):
    return Resp(200, get_promo(layer, id))


async def h_update(layer, req, id):
    p = req.params
    promo = layer.state.promotion_codes().get(id)
    if promo is None:
        raise missing('promotion_code', id)
    if 'active' in p:
        promo['active'] = to_bool(p['active']) is True
    if 'metadata' in p:
        promo['metadata'] = merge_metadata(promo['metadata'],
                                           p['metadata'])
    layer.state.save()
    return Resp(200, copy.deepcopy(promo))


async def h_list(layer, req):
    p = req.params
    out = sorted(layer.state.promotion_codes().values(),
                 key=lambda x: -x['created'])
    if p.get('code'):
        # Real Stripe: the `code` filter is case-insensitive.
        out = [x for x in out if x['code'].lower() == p['code'].lower()]
    if 'active' in p:
        want = to_bool(p['active']) is True
        out = [x for x in out if x['active'] == want]
    if p.get('coupon'):
        out = [x for x in out if x['promotion']['coupon'] == p['coupon']]
    if p.get('customer'):
        out = [x for x in out if x['customer'] == p['customer']]
    return lists.paginate(req, copy.deepcopy(out), '/v1/promotion_codes')


async def redeemable_promo(layer, id, customer, param, auth):
    """The coupon id of a promotion code this customer may redeem now;
    raises Stripe's error otherwise."""
    promo = get_promo(layer, id, param)
    t = now()
    if not promo['active']:
        raise StripeError(400, 'This promotion code is inactive.',
                          code='promotion_code_inactive', param=param)
    if promo['expires_at'] and promo['expires_at'] <= t:
        raise StripeError(400, 'This promotion code has expired.',
                          code='promotion_code_expired', param=param)
    if promo['max_redemptions'] and \
            promo['times_redeemed'] >= promo['max_redemptions']:
        raise StripeError(400, 'This promotion code has been redeemed '
                          'the maximum number of times.',
                          code='promotion_code_max_redemptions',
                          param=param)
    if promo['customer'] and promo['customer'] != customer:
        raise StripeError(400, 'This promotion code cannot be redeemed '
                          'by this customer.',
                          code='promotion_code_customer_mismatch',
                          param=param)
    if promo['restrictions']['first_time_transaction'] and customer:
        invoices = await layer.inner_list(
            '/v1/invoices', auth, [('customer', customer)])
        if any(i.get('status') == 'paid' and (i.get('amount_paid') or 0)
               > 0 for i in invoices):
            raise StripeError(400, 'This promotion code cannot be '
                              'redeemed because the associated customer '
                              'has prior transactions.',
                              code='promotion_code_first_time',
                              param=param)
    return promo['promotion']['coupon']


def count_redemptions(layer, discount_ids, previous):
    # Real Stripe counts a redemption when a discount from the code is
    # attached, not when a request merely names it.
    for did in discount_ids:
        promo_id = layer.state.data['discounts'].get(did, {}) \
            .get('promotion_code')
        promo = layer.state.promotion_codes().get(promo_id) if promo_id \
            else None
        if promo is not None and did not in previous:
            promo['times_redeemed'] += 1
    layer.state.save()
