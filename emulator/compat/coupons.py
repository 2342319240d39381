"""Coupons (`POST /v1/coupons[/{id}]`) and the Discounts that apply them to
subscriptions (`GET /v1/discounts/{id}` for `expand[]`).  The layer never
passes coupons on to localstripe: every Discount lives in the side table."""

import copy
import urllib.parse

from . import promotion_codes
from .encoding import now, rand_id, to_int
from .errors import StripeError, missing, upstream_error
from .http import Resp


async def h_create(layer, req):
    # Real Stripe: a coupon id is generated when none is given; `name`
    # is a display name (localstripe knows neither).
    p = req.params
    body = {k: v for k, v in p.items()
            if k not in ('name', 'max_redemptions', 'redeem_by',
                         'expand', 'applies_to')}
    body.setdefault('id', rand_id('', 8))
    status, parsed, content, _ = await layer.inner(
        'POST', '/v1/coupons', json_body=body, auth=req.auth)
    if status == 409:
        raise StripeError(400, 'Coupon already exists.',
                          code='resource_already_exists', param='id')
    if status >= 400 or parsed is None:
        raise upstream_error(status, parsed, content, 'POST',
                             '/v1/coupons')
    extras = {k: p[k] for k in ('name',) if p.get(k)}
    for k in ('max_redemptions', 'redeem_by'):
        if p.get(k):
            extras[k] = to_int(p[k])
    if extras:
        layer.state.set_extras(parsed['id'], **extras)
    return Resp(200, parsed)


async def h_update(layer, req, id):
    p = req.params
    cur = await layer.inner_obj('GET', '/v1/coupons/' + id, auth=req.auth)
    if 'name' in p:
        layer.state.set_extras(id, name=p['name'] or None)
    if 'metadata' in p:
        status, parsed, content, _ = await layer.inner(
            'POST', '/v1/coupons/' + id,
            json_body={'metadata': p['metadata']}, auth=req.auth)
        if status < 400 and parsed is not None:
            cur = parsed
    return Resp(200, cur)


async def resolve_discounts(layer, p, auth, customer, sub_id, current):
    """Real Stripe `discounts[N][coupon|discount|promotion_code]` / legacy
    `coupon`.  Returns a list of discount ids, or None when not requested.
    """
    if 'discounts' not in p and 'coupon' not in p:
        return None
    wanted = []
    if 'discounts' in p:
        ds = p['discounts']
        if ds == '':
            ds = []
        if isinstance(ds, dict):
            ds = [ds]
        for i, d in enumerate(ds or []):
            if not isinstance(d, dict):
                continue
            param = 'discounts[%d]' % i
            if d.get('coupon'):
                wanted.append(('coupon', d['coupon'], param + '[coupon]'))
            elif d.get('discount'):
                wanted.append(('discount', d['discount'],
                               param + '[discount]'))
            elif d.get('promotion_code'):
                wanted.append(('promotion_code', d['promotion_code'],
                               param + '[promotion_code]'))
    if p.get('coupon'):
        wanted.append(('coupon', p['coupon'], 'coupon'))
    if p.get('promotion_code'):
        wanted.append(('promotion_code', p['promotion_code'],
                       'promotion_code'))
    out = []
    for kind, value, param in wanted:
        promo = None
        if kind == 'promotion_code':
            promo = value
            value = await promotion_codes.redeemable_promo(
                layer, value, customer, param, auth)
        if kind == 'discount':
            if value not in layer.state.data['discounts'] or \
                    value not in current:
                raise missing('discount', value, param)
            out.append(value)
            continue
        status, coupon, _, _ = await layer.inner(
            'GET', '/v1/coupons/' + urllib.parse.quote(value, safe=''),
            auth=auth)
        if status == 404 or coupon is None:
            raise missing('coupon', value, param)
        if not coupon.get('valid', True):
            raise StripeError(400, "Coupon expired: %s" % value,
                              param=param)
        keep = [d for d in current if layer.state.data['discounts']
                .get(d, {}).get('source', {}).get('coupon') == value]
        if keep and promo is None:
            out.append(keep[0])
            continue
        layer.shaper.fix_coupon(coupon, None)
        start = now()
        end = None
        if coupon.get('duration') == 'repeating' and \
                coupon.get('duration_in_months'):
            end = start + int(coupon['duration_in_months']) * 30 * 86400
        did = rand_id('di_')
        layer.state.data['discounts'][did] = {
            'id': did, 'object': 'discount', 'checkout_session': None,
            'customer': customer, 'customer_account': None, 'end': end,
            'invoice': None, 'invoice_item': None,
            'promotion_code': promo,
            'source': {'coupon': value, 'type': 'coupon'},
            'start': start, 'subscription': sub_id,
            'subscription_item': None, '_coupon': coupon}
        out.append(did)
    if len(set(out)) != len(out):
        raise StripeError(400, 'Duplicate discounts are not allowed.',
                          param='discounts')
    return out


async def h_discount_get(layer, req, id):
    # Used by expand[]=discounts (real Stripe has no retrieve endpoint).
    d = layer.state.data['discounts'].get(id)
    if d is None:
        raise missing('discount', id)
    d = {k: v for k, v in copy.deepcopy(d).items()
         if not k.startswith('_')}
    return Resp(200, d)
