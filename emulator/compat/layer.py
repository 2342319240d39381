"""The layer: the state every module shares (the localstripe client, the
side table, the shaper, recent events and webhook deliveries) and the way
each request goes: auth, the route table, shape fixes, `expand[]`, Stripe's
error shapes.  Resource handlers live in their own modules (see routes.py)
and take the layer as their first argument.
"""

import json
import re
import secrets
import urllib.parse

from aiohttp import ClientSession, ClientTimeout, TCPConnector
from multidict import CIMultiDict

from . import control, expand, idempotency, routes, webhooks
from .encoding import encode_pairs, rand_id
from .errors import StripeError, normalize_error, upstream_error
from .http import HOP_HEADERS, Req, Resp, to_web
from .shaping import Shaper
from .state import State

from .lists import BIG_LIMIT

INTERNAL_KEY = 'sk_test_portico_compat_internal'


class Layer:
    def __init__(self, upstream, port, public_url=None, state_file=None,
                 from_scratch=False):
        self.upstream = upstream.rstrip('/')
        self.port = port
        self.public_url = (public_url or 'http://127.0.0.1:%d' % port) \
            .rstrip('/')
        self.state = State(state_file, from_scratch)
        self.shaper = Shaper(self)
        self.session = None
        self.idem = {}          # (key, method, path) -> stored response
        self.idem_inflight = set()
        self.inner_hook_secret = 'whsec_' + secrets.token_hex(16)
        self.deliveries = []    # recent webhook delivery attempts
        self.events = []        # events synthesized by the layer (memory)
        self.requests = {}      # API key -> [(method, path)] (memory)
        self.routes = routes.compiled()

    # ---- plumbing ------------------------------------------------------
    async def start(self, app):
        self.session = ClientSession(
            timeout=ClientTimeout(total=60), connector=TCPConnector(limit=64),
            auto_decompress=True)
        await webhooks.register_with_inner(self, quiet=True)

    async def stop(self, app):
        if self.session:
            await self.session.close()

    async def inner(self, method, path, query=None, data=None, json_body=None,
                    raw=None, headers=None, auth=None):
        """Call localstripe.  Returns (status, parsed JSON or None, raw
        bytes, response headers)."""
        hdrs = CIMultiDict(headers or {})
        if 'Authorization' not in hdrs:
            hdrs['Authorization'] = auth or 'Bearer ' + INTERNAL_KEY
        body = raw
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs['Content-Type'] = 'application/json'
        elif data is not None:
            body = urllib.parse.urlencode(encode_pairs(data)).encode()
            hdrs['Content-Type'] = 'application/x-www-form-urlencoded'
        url = self.upstream + path
        if query:
            url += '?' + urllib.parse.urlencode(query)
        async with self.session.request(method, url, data=body, headers=hdrs,
                                        allow_redirects=False) as r:
            content = await r.read()
            parsed = None
            if 'json' in r.headers.get('Content-Type', ''):
                try:
                    parsed = json.loads(content)
                except ValueError:
                    parsed = None
            return r.status, parsed, content, r.headers

    async def inner_obj(self, method, path, auth=None, **kw):
        """Call localstripe; raise StripeError unless 2xx JSON."""
        status, parsed, content, _ = await self.inner(method, path, auth=auth,
                                                      **kw)
        if status >= 400 or parsed is None:
            raise upstream_error(status, parsed, content, method, path)
        return parsed

    async def inner_list(self, path, auth, query=None):
        """Everything localstripe has, oldest first, shaped."""
        q = [('limit', BIG_LIMIT)] + list(query or [])
        body = await self.inner_obj('GET', path, query=q, auth=auth)
        return self.shaper.walk(body.get('data') or [])

    async def internal(self, method, path, auth, pairs=None):
        """A request of the layer's own through the whole layer (as if a
        client had made it, without the key check), with form `pairs`."""
        headers = {'Authorization': auth or 'Bearer ' + INTERNAL_KEY}
        body = b''
        if pairs is not None:
            body = urllib.parse.urlencode(pairs).encode()
            headers['Content-Type'] = 'application/x-www-form-urlencoded'
        return await self.run(Req(method, path, [], body, headers,
                                  internal=True))

    # ---- the way of a request -----------------------------------------
    async def handle(self, request):
        body = await request.read()
        req = Req(request.method, request.path,
                  list(request.query.items()), body, request.headers)
        request_id = rand_id('req_', 14)
        control.count_request(self, req)
        key = request.headers.get('Idempotency-Key')
        if key and request.method == 'POST' and \
                request.path.startswith('/v1/'):
            resp = await idempotency.idempotent(self, req, key, request_id)
        else:
            resp = await self.run(req)
        return to_web(resp, request_id)

    async def run(self, req):
        """Dispatch, then fix shapes / expand / normalize errors."""
        try:
            if req.path.startswith('/v1/') and not req.internal:
                require_auth(req)
            resp = await self.dispatch(req)
        except StripeError as e:
            resp = Resp.error(e)
        if not req.path.startswith('/v1/'):
            return resp
        if resp.status >= 400:
            return normalize_error(req, resp)
        if isinstance(resp.data, (dict, list)):
            self.shaper.walk(resp.data)
            paths = req.expand_paths()
            if paths:
                try:
                    await expand.expand(self, resp.data, paths, req.auth)
                except StripeError as e:
                    return Resp.error(e)
        return resp

    async def dispatch(self, req):
        for method, rx, handler in self.routes:
            if method == req.method:
                m = rx.match(req.path)
                if m:
                    return await handler(self, req, **m.groupdict())
        return await self.passthrough(req)

    # ---- pass-through --------------------------------------------------
    async def passthrough(self, req, query_pairs=None, body=None,
                          strip_expand=True):
        query = req.query_pairs if query_pairs is None else query_pairs
        raw = req.body if body is None else body
        hdrs = CIMultiDict((k, v) for k, v in req.headers.items()
                           if k.lower() not in HOP_HEADERS)
        if strip_expand and req.path.startswith('/v1/'):
            # expansion is done by the layer (it also knows prices and
            # discounts, which localstripe does not)
            query = [(k, v) for k, v in query if not k.startswith('expand')]
            if raw and not req.body_is_json and body is None:
                pairs = [(k, v) for k, v in req.form_pairs
                         if not k.startswith('expand')]
                if len(pairs) != len(req.form_pairs):
                    raw = urllib.parse.urlencode(pairs).encode()
        status, parsed, content, rh = await self.inner(
            req.method, req.path, query=query, raw=raw or None, headers=hdrs)
        keep = CIMultiDict((k, v) for k, v in rh.items()
                           if k.lower() not in HOP_HEADERS
                           and k.lower() != 'content-type')
        return Resp(status, data=parsed, raw=None if parsed is not None
                    else content, content_type=rh.get('Content-Type'),
                    headers=keep)


def require_auth(req):
    # Real Stripe: secret key via Bearer or Basic auth; localstripe also
    # accepts publishable keys for a few browser-side calls.
    key = req.api_key
    if key and key.startswith(('sk_', 'rk_')):
        return
    if req.method == 'POST' and (
            re.match(r'^/v1/(tokens|sources|payment_methods)$', req.path)
            or re.match(r'^/v1/(setup|payment)_intents/[^/]+/'
                        r'(confirm|cancel|_authenticate)', req.path)):
        return  # publishable-key calls made by Stripe.js; inner checks
    if req.method == 'GET' and re.match(
            r'^/v1/(setup|payment)_intents/[^/]+$', req.path):
        return
    raise StripeError(401, 'Invalid API Key provided: %s' % (
        (key or '')[:12] + '***' if key else 'none'),
        code='api_key_invalid' if key else None)
