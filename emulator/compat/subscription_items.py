"""`/v1/subscription_items[/{id}]`, answered from the subscription that
holds the item (localstripe has no such endpoints)."""

from . import lists, subscriptions
from .errors import StripeError, missing
from .http import Resp


async def find_item(layer, id, auth):
    subs = await layer.inner_list('/v1/subscriptions', auth,
                                  [('status', 'all')])
    for sub in subs:
        for it in sub['items']['data']:
            if it['id'] == id:
                return sub, it
    raise missing('subscription_item', id)


async def h_get(layer, req, id):
    sub, item = await find_item(layer, id, req.auth)
    return Resp(200, item)


async def h_update(layer, req, id):
    # Real Stripe: POST /v1/subscription_items/{id} changes one item.
    # Done as the equivalent subscription update.  Note: localstripe
    # gives the item a new id whenever its price or quantity changes.
    p = req.params
    sub, item = await find_item(layer, id, req.auth)
    params = [('items[0][id]', id)]
    for k in ('price', 'plan', 'quantity'):
        if k in p:
            params.append(('items[0][%s]' % k, str(p[k])))
    for k in ('proration_behavior', 'proration_date', 'payment_behavior'):
        if k in p:
            params.append((k, str(p[k])))
    if isinstance(p.get('metadata'), dict):
        params += [('items[0][metadata][%s]' % k, v)
                   for k, v in p['metadata'].items()]
    resp = await layer.internal('POST', '/v1/subscriptions/' + sub['id'],
                                req.auth, params)
    if resp.status >= 400:
        return resp
    return Resp(200, resp.data['items']['data'][0])


async def h_list(layer, req):
    p = req.params
    if not p.get('subscription'):
        raise StripeError(400, 'Missing required param: subscription.',
                          code='parameter_missing', param='subscription')
    sub = await subscriptions.get_sub(layer, p['subscription'], req.auth)
    return lists.paginate(req, sub['items']['data'],
                          '/v1/subscription_items')
