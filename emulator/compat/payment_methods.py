"""Listing payment methods: `GET /v1/payment_methods` and `GET
/v1/customers/{id}/payment_methods`, with `type` optional as in Stripe."""

from . import lists
from .lists import BIG_LIMIT


async def h_list_for_customer(layer, req, id):
    # Real Stripe: GET /v1/customers/{id}/payment_methods (type optional)
    p = req.params
    q = [('customer', id), ('type', p.get('type') or 'card'),
         ('limit', BIG_LIMIT)]
    body = await layer.inner_obj('GET', '/v1/payment_methods', query=q,
                                 auth=req.auth)
    return lists.paginate(req, list(reversed(body['data'])),
                          '/v1/customers/%s/payment_methods' % id)


async def h_list(layer, req):
    # Real Stripe: `type` is optional when listing payment methods.
    q = list(req.query_pairs)
    if not any(k == 'type' for k, _ in q):
        q.append(('type', 'card'))
    return await layer.passthrough(req, query_pairs=q)
