"""`GET /v1/events[/{id}]`: localstripe's events plus the ones the layer
emits in their place (see webhooks.emit; memory only)."""

import copy
import re

from . import lists
from .http import Resp


async def h_list(layer, req):
    p = req.params
    q = [('type', p['type'])] if p.get('type') and \
        '*' not in p['type'] else []
    events = await layer.inner_list('/v1/events', req.auth, q)
    events += layer.shaper.walk(copy.deepcopy(layer.events))
    t = p.get('type')
    if t:
        rx = re.compile('^' + re.escape(t).replace(r'\*', '.*') + '$')
        events = [e for e in events if rx.match(e.get('type', ''))]
    types = p.get('types')
    if types:
        types = types if isinstance(types, list) else [types]
        events = [e for e in events if e.get('type') in types]
    events = lists.created_filter(p, events)
    return lists.paginate(req, lists.newest_first(layer, events),
                          '/v1/events')


async def h_get(layer, req, id):
    for e in layer.events:
        if e['id'] == id:
            return Resp(200, copy.deepcopy(e))
    return await layer.passthrough(req)
