"""Subscriptions: `POST/GET /v1/subscriptions`, `GET/POST/DELETE
/v1/subscriptions/{id}`.  Items are translated to localstripe's plans (one
item per subscription); what localstripe drops or lacks (metadata updates,
cancellation details, discounts, schedule, ...) is kept in the side table
and merged into every response by shaping.subscriptions."""

import copy
import json
import urllib.parse

from . import coupons, lists, prices, promotion_codes, webhooks
from .encoding import merge_metadata, now, to_bool, to_int
from .errors import StripeError, missing, refuse_unknown, upstream_error
from .http import Resp


async def get_sub(layer, id, auth):
    status, parsed, content, _ = await layer.inner(
        'GET', '/v1/subscriptions/' + urllib.parse.quote(id, safe=''),
        auth=auth)
    if status == 404 or layer.state.extras(id).get('hidden'):
        raise missing('subscription', id)
    if status >= 400 or parsed is None:
        raise upstream_error(status, parsed, content, 'GET',
                             '/v1/subscriptions/' + id)
    held = layer.state.extras(id).get('pending')
    settled = held and await settle_pending(layer, id, held, auth)
    sub = layer.shaper.walk(parsed)
    if settled:
        await webhooks.emit(layer, 'customer.subscription.updated', sub,
                            None, previous_attributes={
                                'items': held['view']['items'],
                                'pending_update': held['update']})
    return sub


def translate_items(items, param='items'):
    """Real Stripe items[N][price] -> localstripe items[N][plan]."""
    if items is None:
        return None
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise StripeError(400, 'Invalid array', param=param)
    out = []
    # Real Stripe: items[N][deleted]=true removes an item; localstripe
    # can only replace its single item, so a delete+add pair becomes a
    # replacement.
    live = [it for it in items
            if not to_bool((it or {}).get('deleted', False))]
    deleted = [it for it in items if it not in live]
    for i, it in enumerate(live):
        it = dict(it or {})
        if 'price' in it:
            it['plan'] = it.pop('price')
        if 'price_data' in it:
            raise StripeError(400, 'The Stripe emulator does not support '
                              'price_data; create a price first.',
                              param='%s[%d][price_data]' % (param, i))
        for k in ('discounts', 'billing_thresholds'):
            it.pop(k, None)
        if 'quantity' in it:
            it['quantity'] = to_int(it['quantity'])
        if 'id' not in it and deleted and len(live) == 1:
            did = deleted[0].get('id')
            if did:
                it['id'] = did
        out.append(it)
    if len(out) > 1:
        raise StripeError(400, 'The Stripe emulator (localstripe) '
                          'supports exactly one item per subscription.',
                          code='emulator_unsupported', param=param)
    return out


# Create parameters not passed on to localstripe, which rejects or
# mishandles them (the layer applies several of them itself).
SUB_DROP = ('proration_behavior', 'proration_date', 'payment_behavior',
            'collection_method', 'off_session', 'payment_settings',
            'automatic_tax', 'trial_settings', 'billing_mode',
            'expand', 'currency', 'description',
            'default_payment_method', 'pause_collection',
            'cancellation_details', 'discounts', 'coupon',
            'promotion_code', 'cancel_at_period_end', 'cancel_at',
            'days_until_due', 'invoice_settings', 'billing_thresholds',
            'on_behalf_of', 'transfer_data', 'add_invoice_items',
            'application_fee_percent', 'default_source',
            'pending_invoice_item_interval', 'billing_cycle_anchor_config')


# Update parameters real Stripe knows; any other is a 400.
SUB_UPDATE_PARAMS = {
    'items', 'trial_end', 'default_tax_rates', 'proration_date',
    'proration_behavior', 'payment_behavior', 'cancel_at_period_end',
    'cancel_at', 'metadata', 'cancellation_details', 'description',
    'default_payment_method', 'pause_collection', 'discounts', 'coupon',
    'promotion_code', 'expand', 'off_session', 'collection_method',
    'payment_settings', 'billing_cycle_anchor', 'automatic_tax',
    'trial_settings', 'trial_from_plan', 'days_until_due',
    'default_source', 'invoice_settings', 'application_fee_percent',
    'on_behalf_of', 'transfer_data', 'billing_thresholds',
    'pending_invoice_item_interval', 'add_invoice_items'}


async def h_create(layer, req):
    p = req.params
    customer = p.get('customer')
    body = {k: v for k, v in p.items() if k not in SUB_DROP}
    if 'items' in body:
        body['items'] = translate_items(body['items'])
    if p.get('payment_behavior') in ('allow_incomplete',
                                     'error_if_incomplete'):
        body['payment_behavior'] = p['payment_behavior']
    # Real Stripe: trial_period_days sets trial_end = now + N days
    # (localstripe records the number but never ends or reports it).
    tpd = to_int(body.pop('trial_period_days', None))
    if isinstance(tpd, int) and tpd > 0 and not body.get('trial_end'):
        body['trial_end'] = now() + tpd * 86400
    if body.get('trial_end') not in (None, 'now'):
        body['trial_end'] = to_int(body['trial_end'])
    if to_bool(body.get('trial_from_plan')) is True:
        body.pop('trial_from_plan')
        plan_id = ((body.get('items') or [{}])[0]).get('plan')
        if plan_id:
            plan = await prices.get_plan(layer, plan_id, req.auth)
            if plan.get('trial_period_days'):
                body['trial_end'] = now() + \
                    int(plan['trial_period_days']) * 86400
    if isinstance(body.get('metadata'), dict):
        body['metadata'] = {k: v for k, v in body['metadata'].items()
                            if v != ''}
    # validate coupons before anything is created
    discounts = await coupons.resolve_discounts(layer, p, req.auth, customer,
                                                None, [])
    status, parsed, content, _ = await layer.inner(
        'POST', '/v1/subscriptions', json_body=body, auth=req.auth)
    if status >= 400 or parsed is None:
        if status == 404 and isinstance(parsed, dict) and \
                parsed.get('error', {}).get('message') == 'Not Found':
            raise _sub_404(body)
        raise upstream_error(status, parsed, content, 'POST',
                             '/v1/subscriptions')
    sid = parsed['id']
    if p.get('payment_behavior') == 'error_if_incomplete' and \
            parsed.get('status') == 'incomplete':
        # Real Stripe: the first payment failed, so nothing is created
        # and the call fails with the card error.
        await layer.inner('DELETE', '/v1/subscriptions/' + sid,
                          auth=req.auth)
        layer.state.set_extras(sid, hidden=True)
        raise StripeError(402, 'Your card was declined.',
                          type='card_error', code='card_declined',
                          extra={'decline_code': 'generic_decline'})
    extras = {}
    if discounts:
        for d in discounts:
            layer.state.data['discounts'][d]['subscription'] = sid
        extras['discounts'] = discounts
        promotion_codes.count_redemptions(layer, discounts, [])
    for k in ('description', 'default_payment_method'):
        if p.get(k):
            extras[k] = p[k]
    if extras:
        layer.state.set_extras(sid, **extras)
    upd = {}
    if to_bool(p.get('cancel_at_period_end')) is True:
        upd['cancel_at_period_end'] = True
    if p.get('cancel_at'):
        upd['cancel_at'] = to_int(p['cancel_at'])
    if upd:
        await layer.inner_obj('POST', '/v1/subscriptions/' + sid,
                              json_body=upd, auth=req.auth)
        if upd.get('cancel_at_period_end'):
            layer.state.set_extras(sid, canceled_at=now())
    return Resp(200, await get_sub(layer, sid, req.auth))


def _sub_404(body):
    item = (body.get('items') or [{}])[0]
    # localstripe says only "Not Found"; say which id is missing.
    return StripeError(400, "No such price: '%s'" % item.get('plan'),
                       code='resource_missing', param='items[0][price]') \
        if item.get('plan') else \
        missing('customer', body.get('customer'), 'customer')


async def h_update(layer, req, id):
    p = req.params
    before = await get_sub(layer, id, req.auth)
    if 'items' in p and layer.state.extras(id).get('pending'):
        # A new item change replaces the one waiting for payment (the
        # layer's choice; Stripe documents none), so localstripe's items
        # go back to what the customer has before it moves them again.
        await drop_pending(layer, id, req.auth)
        before = await get_sub(layer, id, req.auth)
    if before.get('status') in ('canceled', 'incomplete_expired'):
        allowed = {'metadata', 'cancellation_details', 'expand'}
        if set(p) - allowed:
            # Real Stripe: a canceled subscription cannot be updated.
            raise StripeError(
                400, 'A canceled subscription can only update its '
                'cancellation_details and metadata.')
    sched = layer.state.schedule_of(id)
    if sched and ('cancel_at_period_end' in p or 'cancel_at' in p):
        # Real Stripe: a schedule owns the subscription's end.
        raise StripeError(
            400, 'The subscription is managed by the subscription '
            'schedule `%s`, and updating any cancelation behavior '
            'directly is not allowed. Please update the schedule '
            'instead.' % sched['id'])
    refuse_unknown(p, SUB_UPDATE_PARAMS)
    pending = p.get('payment_behavior') == 'pending_if_incomplete'
    if pending:
        others = sorted(set(p) - PENDING_PARAMS)
        if others:
            # Real Stripe: a pending update takes only these parameters.
            raise StripeError(
                400, 'When payment_behavior is pending_if_incomplete, '
                'only %s may be passed.' % ', '.join(sorted(PENDING_PARAMS)),
                param=others[0])
    body = {}
    items = translate_items(p.get('items')) if 'items' in p else None
    if items:
        it = items[0]
        cur_items = before['items']['data']
        cur = next((c for c in cur_items if c['id'] == it.get('id')),
                   cur_items[0] if cur_items else {})
        if not it.get('plan') and 'quantity' not in it:
            items = None  # only metadata etc. on the item: nothing to do
        else:
            # Real Stripe keeps the item's quantity when only the price
            # changes (localstripe would reset it to 1).
            it.setdefault('quantity', cur.get('quantity', 1))
            body['items'] = items
    for k in ('trial_end', 'default_tax_rates', 'proration_date'):
        if k in p and p[k] != '':
            body[k] = p[k]
    if body.get('trial_end') not in (None, 'now'):
        body['trial_end'] = to_int(body['trial_end'])
    extras = {}
    if 'cancel_at_period_end' in p:
        cape = to_bool(p['cancel_at_period_end'])
        body['cancel_at_period_end'] = cape
        if cape and not before.get('cancel_at_period_end'):
            extras['canceled_at'] = now()
        if cape is False:
            extras['canceled_at'] = None
            extras['cancellation_details'] = {}
            if before.get('cancel_at') and 'cancel_at' not in p:
                extras['cancel_at'] = None
    if 'cancel_at' in p:
        if p['cancel_at'] == '':
            # Real Stripe: an empty value unsets cancel_at.
            extras['cancel_at'] = None
        else:
            body['cancel_at'] = to_int(p['cancel_at'])
            layer.state.data['extras'].get(id, {}).pop('cancel_at', None)
    # Real Stripe: metadata updates merge; "" deletes a key.
    if 'metadata' in p:
        extras['metadata'] = merge_metadata(before.get('metadata') or {},
                                            p['metadata'])
    if isinstance(p.get('cancellation_details'), dict):
        cd = dict(layer.state.extras(id).get('cancellation_details') or {})
        for k in ('comment', 'feedback'):
            if k in p['cancellation_details']:
                cd[k] = p['cancellation_details'][k] or None
        extras['cancellation_details'] = cd
    for k in ('description', 'default_payment_method'):
        if k in p:
            extras[k] = p[k] or None
    if 'pause_collection' in p:
        pc = p['pause_collection']
        extras['pause_collection'] = None if pc in ('', None) else {
            'behavior': pc.get('behavior'),
            'resumes_at': to_int(pc.get('resumes_at'))}
    discounts = await coupons.resolve_discounts(
        layer, p, req.auth, before.get('customer'), id,
        before.get('discounts') or [])
    if discounts is not None:
        extras['discounts'] = discounts
    if body:
        t0 = now()
        updated = await layer.inner_obj('POST', '/v1/subscriptions/' + id,
                                        json_body=body, auth=req.auth)
        if p.get('proration_behavior') == 'none' and 'items' in body:
            await drop_prorations(layer, before, t0, req.auth)
        if 'items' in body:
            invoice = await invoice_now(layer, before, updated,
                                        p.get('proration_behavior'),
                                        req.auth)
            if invoice and invoice.get('status') != 'paid' and pending:
                hold(layer, before, updated, invoice['id'])
    if extras:
        layer.state.set_extras(id, **extras)
    if discounts:
        promotion_codes.count_redemptions(layer, discounts,
                                          before.get('discounts') or [])
    after = await get_sub(layer, id, req.auth)
    # Real Stripe emits customer.subscription.updated (localstripe never
    # does).
    prev = {k: before.get(k) for k in after
            if k not in ('items', 'plan')
            and before.get(k) != after.get(k)}
    if json.dumps(before.get('items'), sort_keys=True) != \
            json.dumps(after.get('items'), sort_keys=True):
        prev['items'] = before.get('items')
    if prev:
        await webhooks.emit(layer, 'customer.subscription.updated', after,
                            req, previous_attributes=prev)
    return Resp(200, after)


# Real Stripe: the parameters a pending update accepts.
PENDING_PARAMS = {'expand', 'payment_behavior', 'proration_behavior',
                  'proration_date', 'billing_cycle_anchor', 'items',
                  'trial_end', 'trial_from_plan', 'add_invoice_items'}
# Real Stripe: a pending update expires 23 hours after the update at the
# latest (or at the period's end, if sooner), and its invoice is voided.
PENDING_SECONDS = 23 * 3600


def _interval(sub):
    plan = (sub.get('plan') or {})
    return plan.get('interval'), plan.get('interval_count')


async def invoice_now(layer, before, updated, proration, auth):
    """The invoice an item change makes at once, paid if it can be.
    Real Stripe invoices at once when the billing interval changes
    (localstripe does that itself) or with proration_behavior=
    always_invoice (localstripe never does: the layer invoices the
    prorations with the subscription's new item)."""
    latest = updated.get('latest_invoice')
    if _interval(before) != _interval(updated):
        if not latest or latest == before.get('latest_invoice'):
            return None
        return await layer.inner_obj('GET', '/v1/invoices/' + latest,
                                     auth=auth)
    if proration != 'always_invoice':
        return None
    inv = await layer.inner_obj(
        'POST', '/v1/invoices',
        json_body={'customer': before['customer'],
                   'subscription': before['id']}, auth=auth)
    await layer.inner('POST', '/v1/invoices/%s/pay' % inv['id'], auth=auth)
    return await layer.inner_obj('GET', '/v1/invoices/' + inv['id'],
                                 auth=auth)


def hold(layer, before, updated, invoice_id):
    """Real Stripe pending update: the payment failed or awaits 3-D
    Secure, so the subscription keeps its items and status, reports the
    change in `pending_update` and its unpaid invoice as latest_invoice.
    localstripe has already applied the change, so the layer shows the
    subscription as it was until the invoice is paid (settle_pending) or
    voided (drop_pending)."""
    updated = layer.shaper.walk(copy.deepcopy(updated))
    expires = now() + PENDING_SECONDS
    for end in (before.get('current_period_end'), before.get('trial_end')):
        if isinstance(end, int) and end > now():
            expires = min(expires, end)
    layer.state.set_extras(before['id'], pending={
        'invoice': invoice_id,
        'view': {k: before.get(k) for k in ('items', 'plan', 'quantity',
                                            'status')},
        'update': {'billing_cycle_anchor': None, 'expires_at': expires,
                   'subscription_items': updated['items']['data'],
                   'trial_end': None, 'trial_from_plan': None}})


def held_by(layer, invoice_id):
    """The subscription whose pending update waits for `invoice_id`."""
    for sid, ex in layer.state.data['extras'].items():
        if (ex.get('pending') or {}).get('invoice') == invoice_id:
            return sid
    return None


async def settle_pending(layer, id, held, auth):
    """Real Stripe applies a pending update once its invoice is paid (by
    3-D Secure on the hosted page, or a retry with another card).
    localstripe has the change already: the layer stops holding it.
    Whether it did (get_sub then reports the update as Stripe would)."""
    st, inv, _, _ = await layer.inner('GET', '/v1/invoices/' +
                                      held['invoice'], auth=auth)
    if st != 200 or not inv or inv.get('status') != 'paid':
        return False
    layer.state.set_extras(id, pending=None)
    return True


async def drop_pending(layer, id, auth):
    """Real Stripe: voiding the invoice of a pending update discards the
    update.  localstripe applied it already, so the layer moves the item
    back; that move's own proration items, and the credit invoice
    localstripe makes when the interval changes back, are bookkeeping of
    the emulator's, not Stripe objects, and are removed or hidden."""
    held = layer.state.extras(id).get('pending') or {}
    old = (held.get('view') or {}).get('items', {}).get('data') or []
    if not old:
        layer.state.set_extras(id, pending=None)
        return
    cur = await layer.inner_obj('GET', '/v1/subscriptions/' + id, auth=auth)
    t0 = now()
    item = {'plan': old[0]['plan']['id'],
            'quantity': old[0].get('quantity', 1)}
    if cur['items']['data']:
        item['id'] = cur['items']['data'][0]['id']
    after = await layer.inner_obj('POST', '/v1/subscriptions/' + id,
                                  json_body={'items': [item]}, auth=auth)
    await drop_prorations(layer, cur, t0, auth)
    if after.get('latest_invoice') not in (None, held['invoice']):
        layer.state.set_extras(after['latest_invoice'], hidden=True)
    layer.state.set_extras(id, pending=None, latest_invoice=held['invoice'])


async def drop_prorations(layer, sub, since, auth):
    # Real Stripe proration_behavior=none: no proration items.
    try:
        q = [('customer', sub['customer'])]
        items = await layer.inner_list('/v1/invoiceitems', auth, q)
    except StripeError:
        return
    for ii in items:
        if ii.get('subscription') == sub['id'] and ii.get('proration') \
                and (ii.get('date') or 0) >= since - 1:
            await layer.inner('DELETE', '/v1/invoiceitems/' + ii['id'],
                              auth=auth)


async def h_cancel(layer, req, id):
    # Real Stripe: DELETE accepts cancellation_details, invoice_now,
    # prorate; localstripe takes no parameters.
    p = req.params
    before = await get_sub(layer, id, req.auth)
    if before.get('status') == 'canceled':
        raise StripeError(400, 'This subscription has already been '
                          'canceled.')
    cd = p.get('cancellation_details')
    extras = {'canceled_at': now()}
    if isinstance(cd, dict):
        extras['cancellation_details'] = {
            'comment': cd.get('comment') or None,
            'feedback': cd.get('feedback') or None}
    sched = layer.state.schedule_of(id)
    if sched:
        # Real Stripe: canceling the subscription cancels its schedule.
        sched.update(status='canceled', canceled_at=now(),
                     current_phase=None)
        extras['schedule'] = None
    layer.state.set_extras(id, **extras)
    await layer.inner_obj('DELETE', '/v1/subscriptions/' + id,
                          auth=req.auth)
    return Resp(200, await get_sub(layer, id, req.auth))


async def h_get(layer, req, id):
    return Resp(200, await get_sub(layer, id, req.auth))


async def h_list(layer, req):
    # Real Stripe: default excludes canceled (status=all includes it),
    # filters by customer/price/status, newest first.
    p = req.params
    q = [('status', 'all')]
    if p.get('customer'):
        q.append(('customer', p['customer']))
    subs = await layer.inner_list('/v1/subscriptions', req.auth, q)
    subs = [s for s in subs
            if not layer.state.extras(s['id']).get('hidden')]
    for i, s in enumerate(subs):
        if layer.state.extras(s['id']).get('pending'):
            subs[i] = await get_sub(layer, s['id'], req.auth)  # settles
    status = p.get('status') or None
    if status is None:
        subs = [s for s in subs if s.get('status') not in
                ('canceled', 'incomplete_expired')]
    elif status == 'ended':
        subs = [s for s in subs if s.get('status') in
                ('canceled', 'incomplete_expired')]
    elif status != 'all':
        subs = [s for s in subs if s.get('status') == status]
    price = p.get('price') or p.get('plan')
    if price:
        subs = [s for s in subs if any(
            (it.get('plan') or {}).get('id') == price
            for it in s['items']['data'])]
    subs = lists.created_filter(p, subs)
    return lists.paginate(req, lists.newest_first(layer, subs),
                          '/v1/subscriptions')
