"""Stripe's list endpoints: newest first, `created` filters, pagination.
(The layer lists everything localstripe has and pages it itself.)"""

from .encoding import to_int
from .errors import StripeError, missing
from .http import Resp

# localstripe pages its lists; the layer asks it for everything at once.
BIG_LIMIT = '1000000'


def paginate(req, items, url):
    # Real Stripe lists: newest first, limit 1..100 (default 10),
    # starting_after / ending_before cursors, has_more.
    p = req.params
    limit = to_int(p.get('limit', 10))
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise StripeError(400, 'Invalid integer: %s; limit must be '
                          'between 1 and 100' % p.get('limit'),
                          param='limit')
    ids = [x.get('id') for x in items]
    after, before = p.get('starting_after'), p.get('ending_before')
    if after:
        if after not in ids:
            raise missing('object', after, 'starting_after')
        rest = items[ids.index(after) + 1:]
        page, more = rest[:limit], len(rest) > limit
    elif before:
        if before not in ids:
            raise missing('object', before, 'ending_before')
        rest = items[:ids.index(before)]
        page, more = rest[-limit:], len(rest) > limit
    else:
        page, more = items[:limit], len(items) > limit
    return Resp(200, {'object': 'list', 'data': page, 'has_more': more,
                      'url': url})


def newest_first(layer, items):
    nums = layer.state.data['invoice_numbers']

    def seq(x):  # invoices: creation order as far as the layer saw it
        n = nums.get(x.get('id') or '')
        return int(n.rsplit('-', 1)[1]) if n else 0
    indexed = list(enumerate(items))
    indexed.sort(key=lambda t: (t[1].get('created') or 0, seq(t[1]),
                                t[0]), reverse=True)
    return [x for _, x in indexed]


def created_filter(p, items):
    c = p.get('created')
    if isinstance(c, dict):
        ops = {'gt': lambda a, b: a > b, 'gte': lambda a, b: a >= b,
               'lt': lambda a, b: a < b, 'lte': lambda a, b: a <= b}
        for op, fn in ops.items():
            if op in c:
                v = to_int(c[op])
                items = [x for x in items if fn(x.get('created', 0), v)]
    elif c not in (None, ''):
        items = [x for x in items if x.get('created') == to_int(c)]
    return items
