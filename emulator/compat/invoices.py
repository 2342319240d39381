"""Invoices: the list, the previews (`POST /v1/invoices/create_preview`,
`GET /v1/invoices/upcoming`) with the discounts localstripe ignores, `/pay`,
and the expand-only fields `confirmation_secret` and `payments`.  The hosted
page and the PDF are in documents.py."""

import urllib.parse

from . import lists, subscriptions
from .encoding import now, to_int
from .errors import StripeError, missing
from .http import Resp


async def h_list(layer, req):
    p = req.params
    q = [(k, p[k]) for k in ('customer', 'subscription') if p.get(k)]
    invs = await layer.inner_list('/v1/invoices', req.auth, q)
    invs = [i for i in invs
            if not layer.state.extras(i['id']).get('hidden')]
    if p.get('status'):
        invs = [i for i in invs if i.get('status') == p['status']]
    if p.get('collection_method'):
        invs = [i for i in invs
                if i.get('collection_method') == p['collection_method']]
    invs = lists.created_filter(p, invs)
    return lists.paginate(req, lists.newest_first(layer, invs),
                          '/v1/invoices')


async def fill_sub_items(layer, items, sub_id, auth):
    """Preview items: price -> plan, fill plan from the current item."""
    items = subscriptions.translate_items(
        items, 'subscription_details[items]') if items is not None else None
    if not items:
        return items
    cur = None
    for it in items:
        if not it.get('plan'):
            if cur is None and sub_id:
                cur = await subscriptions.get_sub(layer, sub_id, auth)
            if cur:
                it['plan'] = cur['items']['data'][0]['plan']['id']
                it.setdefault('quantity',
                              cur['items']['data'][0].get('quantity', 1))
        it.pop('id', None)
        it.pop('metadata', None)
    return items


async def h_preview(layer, req):
    # Real Stripe: POST /v1/invoices/create_preview with
    # subscription_details[items][N][price]; customer may be implied by
    # the subscription.
    p = req.params
    body = {k: v for k, v in p.items()
            if k in ('customer', 'subscription', 'subscription_details')}
    sd = dict(body.get('subscription_details') or {})
    for k in ('proration_behavior', 'cancel_at_period_end',
              'billing_cycle_anchor', 'cancel_at', 'cancel_now',
              'resume_at', 'start_date', 'trial_end_behavior'):
        sd.pop(k, None)
    if 'items' in sd:
        sd['items'] = await fill_sub_items(
            layer, sd['items'], body.get('subscription'), req.auth)
    if 'proration_date' in sd:
        sd['proration_date'] = to_int(sd['proration_date'])
    if sd:
        body['subscription_details'] = sd
    else:
        body.pop('subscription_details', None)
    if not body.get('customer') and body.get('subscription'):
        sub = await subscriptions.get_sub(layer, body['subscription'],
                                          req.auth)
        body['customer'] = sub['customer']
    data = await layer.inner_obj('POST', '/v1/invoices/create_preview',
                                 json_body=body, auth=req.auth)
    await preview_discounts(layer, data, p, req.auth)
    return Resp(200, data)


async def h_upcoming(layer, req):
    p = req.params
    q = [(k, v) for k, v in req.query_pairs
         if not k.startswith(('subscription_items', 'expand',
                              'subscription_proration_behavior'))]
    items = p.get('subscription_items')
    if items is not None:
        items = await fill_sub_items(layer, items, p.get('subscription'),
                                     req.auth)
        for i, it in enumerate(items):
            for k, v in it.items():
                q.append(('subscription_items[%d][%s]' % (i, k), str(v)))
    if not p.get('customer') and p.get('subscription'):
        sub = await subscriptions.get_sub(layer, p['subscription'],
                                          req.auth)
        q.append(('customer', sub['customer']))
    q = [(k, v) for k, v in q if k != 'coupon']
    data = await layer.inner_obj('GET', '/v1/invoices/upcoming', query=q,
                                 auth=req.auth)
    await preview_discounts(layer, data, p, req.auth)
    return Resp(200, data)


async def preview_discounts(layer, inv, p, auth):
    """Real Stripe: an invoice preview applies the subscription's
    discounts (or the `discounts`/`coupon` given to the preview).
    localstripe ignores coupons, so the amounts are adjusted here."""
    applied = []  # (discount id or None, coupon)
    if p.get('discounts') not in (None, '') or p.get('coupon'):
        for kind, value, param in _wanted_coupons(p):
            st, coupon, _, _ = await layer.inner(
                'GET', '/v1/coupons/' + urllib.parse.quote(value, safe=''),
                auth=auth)
            if st != 200 or not coupon:
                raise missing('coupon', value, param)
            applied.append((None, coupon))
    elif p.get('subscription'):
        ex = layer.state.extras(p['subscription'])
        for did in ex.get('discounts', []):
            d = layer.state.data['discounts'].get(did)
            if d and (d.get('end') is None or d['end'] > now()):
                applied.append((did, d['_coupon']))
    subtotal = inv.get('subtotal') or 0
    remaining = subtotal
    amounts = []
    for did, coupon in applied:
        if coupon.get('percent_off') is not None:
            amt = int(round(subtotal * float(coupon['percent_off']) / 100))
        elif coupon.get('amount_off') is not None and \
                (coupon.get('currency') or '') == inv.get('currency'):
            amt = int(coupon['amount_off'])
        else:
            amt = 0
        amt = min(amt, remaining)
        remaining -= amt
        amounts.append({'amount': amt, 'discount': did or coupon['id']})
    if not amounts:
        return
    total_off = subtotal - remaining
    inv['discounts'] = [a['discount'] for a in amounts if a['discount']
                        .startswith('di_')]
    inv['total_discount_amounts'] = amounts
    for k in ('total', 'amount_due', 'amount_remaining',
              'total_excluding_tax'):
        if isinstance(inv.get(k), int):
            inv[k] = max(0, inv[k] - total_off)
    lines = (inv.get('lines') or {}).get('data') or []
    left = total_off
    for line in lines:
        if left <= 0 or line.get('proration'):
            continue
        cut = min(left, max(0, line.get('amount') or 0))
        line['discount_amounts'] = [{'amount': cut,
                                     'discount': amounts[0]['discount']}]
        left -= cut


def _wanted_coupons(p):
    out = []
    ds = p.get('discounts')
    if isinstance(ds, dict):
        ds = [ds]
    for i, d in enumerate(ds if isinstance(ds, list) else []):
        if isinstance(d, dict) and d.get('coupon'):
            out.append(('coupon', d['coupon'],
                        'discounts[%d][coupon]' % i))
    if p.get('coupon'):
        out.append(('coupon', p['coupon'], 'coupon'))
    return out


async def h_pay(layer, req, id):
    # Real Stripe accepts payment_method/off_session/... here;
    # localstripe takes no parameters and charges the customer's default
    # payment method.
    p = req.params
    if p.get('paid_out_of_band') in ('true', True):
        raise StripeError(400, 'The Stripe emulator does not support '
                          'paid_out_of_band.', param='paid_out_of_band')
    data = await layer.inner_obj('POST', '/v1/invoices/%s/pay' % id,
                                 auth=req.auth)
    return Resp(200, data)


async def includable(layer, inv, key, cache):
    # Real Stripe (2025+): `confirmation_secret` and `payments` are
    # includable fields of an invoice (expand[]=...), derived here from
    # localstripe's invoice.payment_intent.
    pi_id = inv.get('payment_intent')
    if isinstance(pi_id, dict):
        pi_id = pi_id.get('id')
    if key == 'confirmation_secret':
        if not pi_id or inv.get('status') != 'open':
            return None
        ck = ('pi', pi_id)
        if ck not in cache:
            st, pi, _, _ = await layer.inner(
                'GET', '/v1/payment_intents/' + pi_id)
            cache[ck] = pi if st == 200 else None
        pi = cache[ck]
        return {'client_secret': pi['client_secret'],
                'type': 'payment_intent'} if pi else None
    data = []
    if pi_id:
        st = inv.get('status')
        tr = inv.get('status_transitions') or {}
        data.append({
            'id': 'inpay_' + pi_id[3:], 'object': 'invoice_payment',
            'amount_paid': inv.get('amount_paid') if st == 'paid'
            else None,
            'amount_requested': inv.get('amount_due') or 0,
            'created': inv.get('created'),
            'currency': inv.get('currency'), 'invoice': inv.get('id'),
            'is_default': True, 'livemode': False,
            'payment': {'type': 'payment_intent',
                        'payment_intent': pi_id},
            'status': {'paid': 'paid', 'void': 'canceled'}.get(st, 'open'),
            'status_transitions': {'canceled_at': tr.get('voided_at'),
                                   'paid_at': tr.get('paid_at')}})
    return {'object': 'list', 'data': data, 'has_more': False,
            'url': '/v1/invoice_payments?invoice=%s' % inv.get('id')}


async def h_void(layer, req, id):
    # localstripe's void marks the invoice's subscription canceled (it
    # treats every subscription invoice as the first one), so the layer
    # voids a pending update's invoice itself: the payment is canceled,
    # the invoice reads void, and the update is discarded, as in real
    # Stripe.  Other invoices go to localstripe unchanged.
    sub_id = subscriptions.held_by(layer, id)
    if sub_id is None:
        return await layer.passthrough(req)
    inv = await layer.inner_obj('GET', '/v1/invoices/' + id, auth=req.auth)
    if inv.get('status') != 'open':
        raise StripeError(400, 'You can only void an open invoice.')
    if inv.get('payment_intent'):
        await layer.inner('POST', '/v1/payment_intents/%s/cancel'
                          % inv['payment_intent'], auth=req.auth)
    layer.state.set_extras(id, voided=now())
    await subscriptions.drop_pending(layer, sub_id, req.auth)
    inv = await layer.inner_obj('GET', '/v1/invoices/' + id, auth=req.auth)
    return Resp(200, layer.shaper.walk(inv))
