"""Subscription schedules: `POST /v1/subscription_schedules`
(`from_subscription` only), `GET/POST /v1/subscription_schedules/{id}`,
`POST .../{id}/release`.  localstripe has no subscription schedules.  Real
Stripe: a schedule made `from_subscription` takes over the subscription's
current phase; later phases change it at their start dates (never, here:
the emulator's clock does not advance); `release` detaches the schedule and
leaves the subscription as it is.  Kept in the side table; the
subscription's `schedule` names it (subscriptions.py refuses cancellation
changes on a scheduled subscription and cancels the schedule with it)."""

import copy

from . import prices, subscriptions
from .encoding import listify, merge_metadata, now, rand_id, to_int
from .errors import StripeError, missing, refuse_unknown
from .http import Resp

# A phase's or schedule's length per price interval (the emulator's clock
# never advances, so these only date future phases).
INTERVAL_SECONDS = {'day': 86400, 'week': 7 * 86400, 'month': 30 * 86400,
                    'year': 365 * 86400}


async def h_create(layer, req):
    p = req.params
    sid = p.get('from_subscription')
    if not sid:
        raise StripeError(400, 'The Stripe emulator creates schedules '
                          'only with from_subscription.',
                          code='emulator_unsupported',
                          param='from_subscription')
    if set(p) - {'from_subscription', 'metadata', 'expand'}:
        raise StripeError(400, 'You cannot set other parameters when '
                          'using `from_subscription`.',
                          param='from_subscription')
    sub = await subscriptions.get_sub(layer, sid, req.auth)
    if sub.get('status') in ('canceled', 'incomplete_expired'):
        raise StripeError(400, 'You cannot migrate a canceled '
                          'subscription to a schedule.',
                          param='from_subscription')
    if layer.state.extras(sid).get('schedule'):
        raise StripeError(400, 'You cannot migrate a subscription that '
                          'is already attached to a schedule: `%s`.'
                          % layer.state.extras(sid)['schedule'],
                          param='from_subscription')
    item = sub['items']['data'][0]
    phase = _phase(
        [{'price': item['price']['id'], 'quantity': item.get('quantity')}],
        item['current_period_start'], item['current_period_end'],
        sub.get('currency'), 'create_prorations')
    schid = rand_id('sub_sched_')
    sched = {
        'id': schid, 'object': 'subscription_schedule',
        'application': None,
        'billing_mode': {'flexible': None, 'type': 'classic',
                         'updated_at': None},
        'canceled_at': None, 'completed_at': None, 'created': now(),
        'current_phase': {'start_date': phase['start_date'],
                          'end_date': phase['end_date']},
        'customer': sub['customer'], 'customer_account': None,
        'default_settings': {
            'application_fee_percent': None,
            'automatic_tax': {'disabled_reason': None, 'enabled': False,
                              'liability': None},
            'billing_cycle_anchor': 'automatic',
            'billing_thresholds': None,
            'collection_method': 'charge_automatically',
            'default_payment_method': None, 'description': None,
            'invoice_settings': {'account_tax_ids': None,
                                 'days_until_due': None,
                                 'issuer': {'type': 'self'}},
            'on_behalf_of': None, 'transfer_data': None},
        'end_behavior': 'release', 'livemode': False,
        'metadata': {k: v for k, v in (p.get('metadata') or {}).items()
                     if v != ''},
        'phases': [phase], 'released_at': None,
        'released_subscription': None, 'status': 'active',
        'subscription': sid, 'test_clock': None}
    layer.state.schedules()[schid] = sched
    layer.state.set_extras(sid, schedule=schid)
    return Resp(200, copy.deepcopy(sched))


def _phase(items, start, end, currency, proration):
    return {
        'add_invoice_items': [], 'application_fee_percent': None,
        'automatic_tax': None, 'billing_cycle_anchor': None,
        'billing_thresholds': None, 'collection_method': None,
        'currency': currency, 'default_payment_method': None,
        'default_tax_rates': [], 'description': None, 'discounts': [],
        'end_date': end, 'invoice_settings': None,
        'items': [{'billing_thresholds': None, 'discounts': [],
                   'metadata': {}, 'plan': it['price'],
                   'price': it['price'],
                   'quantity': it.get('quantity') or 1,
                   'tax_rates': []} for it in items],
        'metadata': {}, 'on_behalf_of': None,
        'proration_behavior': proration, 'start_date': start,
        'transfer_data': None, 'trial_end': None}


def get_schedule(layer, id):
    sched = layer.state.schedules().get(id)
    if sched is None:
        raise missing('subscription_schedule', id)
    return sched


async def h_get(layer, req, id):
    return Resp(200, copy.deepcopy(get_schedule(layer, id)))


async def h_update(layer, req, id):
    p = req.params
    sched = get_schedule(layer, id)
    if sched['status'] not in ('not_started', 'active'):
        raise StripeError(400, 'You cannot update a subscription '
                          'schedule that is currently in the `%s` '
                          'status.' % sched['status'])
    refuse_unknown(p, {'phases', 'end_behavior', 'proration_behavior',
                       'metadata', 'expand', 'default_settings'})
    if 'end_behavior' in p:
        if p['end_behavior'] not in ('release', 'cancel'):
            raise StripeError(400, 'Invalid end_behavior',
                              param='end_behavior')
        sched['end_behavior'] = p['end_behavior']
    if 'metadata' in p:
        sched['metadata'] = merge_metadata(sched['metadata'],
                                           p['metadata'])
    if 'phases' in p:
        sched['phases'] = await _phases(layer, sched, p['phases'],
                                        req.auth)
    layer.state.save()
    return Resp(200, copy.deepcopy(sched))


async def _phases(layer, sched, raw, auth):
    phases = listify(raw) if isinstance(raw, dict) else raw
    if not isinstance(phases, list) or not phases:
        raise StripeError(400, 'Invalid array', param='phases')
    current = sched['phases'][0]
    out, prev_end = [], None
    for i, ph in enumerate(phases):
        param = 'phases[%d]' % i
        if not isinstance(ph, dict):
            raise StripeError(400, 'Invalid object', param=param)
        start = ph.get('start_date')
        start = current['start_date'] if i == 0 and start in (
            None, '') else (prev_end if start in (None, '')
                            else to_int(start))
        if i == 0 and start != current['start_date']:
            # Real Stripe: the current phase's start cannot move.
            raise StripeError(400, 'You can not modify the start date '
                              'of the current phase.',
                              param=param + '[start_date]')
        if prev_end is not None and start != prev_end:
            raise StripeError(400, 'Phases must be contiguous.',
                              param=param + '[start_date]')
        items = listify(ph.get('items')) \
            if isinstance(ph.get('items'), dict) else ph.get('items')
        if not isinstance(items, list) or not items:
            raise StripeError(400, 'Missing required param: items.',
                              param=param + '[items]')
        if len(items) != 1:
            raise StripeError(400, 'The Stripe emulator (localstripe) '
                              'supports exactly one item per '
                              'subscription.', code='emulator_unsupported',
                              param=param + '[items]')
        plans = []
        for j, it in enumerate(items):
            pid = (it or {}).get('price') or (it or {}).get('plan')
            if not pid:
                raise StripeError(400, 'Missing required param: price.',
                                  param='%s[items][%d][price]' % (param, j))
            try:
                plans.append(await prices.get_plan(layer, pid, auth))
            except StripeError:
                raise missing('price', pid,
                              '%s[items][%d][price]' % (param, j))
        end = ph.get('end_date')
        if end not in (None, ''):
            end = to_int(end)
        elif isinstance(ph.get('duration'), dict):
            d = ph['duration']
            end = start + INTERVAL_SECONDS.get(d.get('interval'), 0) * \
                (to_int(d.get('interval_count') or 1) or 1)
        elif i < len(phases) - 1:
            raise StripeError(400, 'Every phase but the last needs an '
                              'end_date, duration or iterations.',
                              param=param + '[end_date]')
        else:
            # Real Stripe: the last phase defaults to one iteration.
            end = start + INTERVAL_SECONDS.get(
                plans[0].get('interval'), 0) * \
                (plans[0].get('interval_count') or 1)
        if not isinstance(end, int) or end <= start:
            raise StripeError(400, 'end_date must be after start_date.',
                              param=param + '[end_date]')
        out.append(_phase(
            [{'price': (it.get('price') or it.get('plan')),
              'quantity': to_int(it.get('quantity') or 1)}
             for it in items],
            start, end, plans[0].get('currency'),
            ph.get('proration_behavior') or 'create_prorations'))
        prev_end = end
    return out


async def h_release(layer, req, id):
    sched = get_schedule(layer, id)
    if sched['status'] not in ('not_started', 'active'):
        raise StripeError(400, 'You cannot release a subscription '
                          'schedule that is currently in the `%s` '
                          'status.' % sched['status'])
    sid = sched['subscription']
    sched.update(status='released', released_at=now(),
                 released_subscription=sid, subscription=None,
                 current_phase=None)
    layer.state.set_extras(sid, schedule=None)
    return Resp(200, copy.deepcopy(sched))
