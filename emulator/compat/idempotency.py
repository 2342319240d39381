"""Idempotency-Key on POSTs, like Stripe's (kept in memory)."""

import copy
import hashlib
import json

from .encoding import now
from .errors import StripeError
from .http import Resp


async def idempotent(layer, req, key, request_id):
    # Real Stripe: the same Idempotency-Key on the same endpoint replays
    # the first response; different parameters -> 400 idempotency_error;
    # a concurrent retry -> 409.
    ident = (key, req.method, req.path)
    fp = hashlib.sha256(json.dumps(req.params, sort_keys=True)
                        .encode()).hexdigest()
    stored = layer.idem.get(ident)
    if stored:
        if stored['fp'] != fp:
            return Resp.error(StripeError(
                400, 'Keys for idempotent requests can only be used with '
                'the same parameters they were first used with. Try '
                "using a key other than '%s' if you meant to execute a "
                'different request.' % key, type='idempotency_error'))
        r = copy.deepcopy(stored['resp'])
        r.headers['Idempotent-Replayed'] = 'true'
        r.headers['Original-Request'] = stored['request_id']
        return r
    if ident in layer.idem_inflight:
        return Resp.error(StripeError(
            409, 'There is currently another in-progress request using '
            'this Stripe token (that probably means you clicked twice, '
            'and the other request is still going through): %s' % key,
            type='idempotency_error', code='idempotency_key_in_use'))
    layer.idem_inflight.add(ident)
    try:
        resp = await layer.run(req)
    finally:
        layer.idem_inflight.discard(ident)
    if resp.status < 500:
        layer.idem[ident] = {'fp': fp, 'resp': copy.deepcopy(resp),
                             'request_id': request_id,
                             'at': now()}
        if len(layer.idem) > 5000:
            for k in sorted(layer.idem, key=lambda k: layer.idem[k]['at'])[
                    :1000]:
                layer.idem.pop(k, None)
    return resp
