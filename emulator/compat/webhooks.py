"""Webhooks like Stripe's.  `POST/GET /_compat/webhooks`, `DELETE
/_compat/webhooks/{id}`, `GET /_compat/webhooks/deliveries` manage targets;
the layer registers itself with localstripe, verifies localstripe's
signature, reshapes each event and re-signs it per target; `emit` records
and sends the events localstripe never sends."""

import asyncio
import copy
import hashlib
import hmac
import json
import logging

from .encoding import now, rand_id
from .errors import StripeError
from .http import Resp
from .shaping import API_VERSION

log = logging.getLogger('portico.compat')


async def register_with_inner(layer, quiet=False):
    try:
        status, _, content, _ = await layer.inner(
            'POST', '/_config/webhooks/portico-compat',
            json_body={
                'url': public_self_url(layer, '/_compat/inner-webhook'),
                'secret': layer.inner_hook_secret})
        if status != 200:
            raise RuntimeError(content)
    except Exception as e:  # noqa: BLE001 - report and continue
        if not quiet:
            raise
        log.info('inner webhook registration deferred: %s', e)
        return False
    return True


def public_self_url(layer, path):
    return 'http://127.0.0.1:%d%s' % (layer.port, path)


async def h_register(layer, req):
    p = req.params
    url, secret = p.get('url'), p.get('secret')
    if not url or not str(url).startswith('http'):
        raise StripeError(400, 'Missing or invalid param: url.',
                          param='url')
    if not secret:
        raise StripeError(400, 'Missing required param: secret.',
                          param='secret')
    events = p.get('events') or p.get('enabled_events')
    if isinstance(events, str):
        events = [events]
    wid = p.get('id') or rand_id('we_', 16)
    layer.state.data['webhook_targets'][wid] = {
        'id': wid, 'url': url, 'secret': secret, 'events': events}
    layer.state.save()
    await register_with_inner(layer)
    return Resp(200, {'id': wid, 'url': url, 'events': events})


async def h_list(layer, req):
    return Resp(200, {'data': [
        {k: v for k, v in t.items() if k != 'secret'}
        for t in layer.state.data['webhook_targets'].values()]})


async def h_delete(layer, req, id):
    layer.state.data['webhook_targets'].pop(id, None)
    layer.state.save()
    return Resp(200, {'id': id, 'deleted': True})


async def h_deliveries(layer, req):
    return Resp(200, {'data': list(layer.deliveries)})


async def h_inner(layer, req):
    sig = req.headers.get('Stripe-Signature', '')
    parts = dict(x.split('=', 1) for x in sig.split(',') if '=' in x)
    expected = hmac.new(layer.inner_hook_secret.encode(),
                        parts.get('t', '').encode() + b'.' + req.body,
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get('v1', '')):
        return Resp(400, {'error': 'bad signature'})
    event = json.loads(req.body)
    layer.shaper.walk(event)
    deliver(layer, event)
    if event.get('type') == 'invoice.payment_succeeded':
        # Real Stripe sends invoice.paid alongside payment_succeeded.
        await emit(layer, 'invoice.paid', event['data']['object'], None)
    return Resp(200, {'received': True})


async def emit(layer, type, obj, req, previous_attributes=None):
    """Record an event the layer stands in for, and deliver it."""
    idem = req.headers.get('Idempotency-Key') if req is not None else None
    ev = {'id': rand_id('evt_'), 'object': 'event',
          'api_version': API_VERSION, 'created': now(),
          'data': {'object': copy.deepcopy(obj)}, 'livemode': False,
          'pending_webhooks': 0, 'type': type,
          'request': {'id': rand_id('req_', 14) if req else None,
                      'idempotency_key': idem}}
    if previous_attributes is not None:
        ev['data']['previous_attributes'] = previous_attributes
    layer.shaper.walk(ev)
    layer.events.append(ev)
    del layer.events[:-1000]
    deliver(layer, ev)


def deliver(layer, event):
    targets = [t for t in layer.state.data['webhook_targets'].values()
               if not t.get('events') or '*' in t['events']
               or event.get('type') in t['events']]
    event['pending_webhooks'] = len(targets)
    for t in targets:
        asyncio.ensure_future(_deliver_one(layer, t, copy.deepcopy(event)))


async def _deliver_one(layer, target, event):
    # Real Stripe: POST JSON, Stripe-Signature t=<ts>,v1=HMAC-SHA256(
    # secret, "<ts>.<payload>"); retried on failure (here: 3 attempts).
    payload = json.dumps(event, indent=2, sort_keys=True)
    for attempt in range(3):
        if attempt:
            await asyncio.sleep(2 ** attempt)
        t = now()
        sig = hmac.new(target['secret'].encode(),
                       ('%d.%s' % (t, payload)).encode(),
                       hashlib.sha256).hexdigest()
        headers = {'Content-Type': 'application/json; charset=utf-8',
                   'Stripe-Signature': 't=%d,v1=%s' % (t, sig),
                   'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/'
                                 'webhooks)'}
        rec = {'event': event['id'], 'type': event['type'],
               'target': target['id'], 'attempt': attempt + 1,
               'at': t}
        try:
            async with layer.session.post(target['url'], data=payload,
                                          headers=headers) as r:
                await r.read()
                rec['status'] = r.status
        except Exception as e:  # noqa: BLE001
            rec['error'] = str(e)
        layer.deliveries.append(rec)
        del layer.deliveries[:-500]
        if 200 <= rec.get('status', 0) < 300:
            return
