"""Customers: `GET /v1/customers` (listed and paged by the layer) and
`GET /v1/customers/search`, which localstripe lacks."""

import re

from . import lists
from .encoding import to_int
from .errors import StripeError
from .http import Resp


async def h_list(layer, req):
    p = req.params
    q = [('email', p['email'])] if p.get('email') else []
    items = await layer.inner_list('/v1/customers', req.auth, q)
    items = lists.created_filter(p, items)
    return lists.paginate(req, lists.newest_first(layer, items),
                          '/v1/customers')


async def h_search(layer, req):
    # Real Stripe search: only `email:'x'`, `name:'x'` and `phone:'x'`
    # equality clauses are supported here, all of them required (AND).
    p = req.params
    query = p.get('query') or ''
    clauses = re.findall(r"(\w+)\s*:\s*['\"]([^'\"]*)['\"]", query)
    if not clauses:
        raise StripeError(400, "The emulator only supports search "
                          "queries like email:'x@example.com'.",
                          param='query')
    items = await layer.inner_list('/v1/customers', req.auth)
    for field, value in clauses:
        if field not in ('email', 'name', 'phone'):
            raise StripeError(400, 'Unsupported search field: %s' % field,
                              param='query')
        items = [c for c in items if (c.get(field) or '') == value]
    items = lists.newest_first(layer, items)
    limit = to_int(p.get('limit', 10))
    return Resp(200, {'object': 'search_result', 'data': items[:limit],
                      'has_more': len(items) > limit, 'next_page': None,
                      'total_count': len(items),
                      'url': '/v1/customers/search'})
