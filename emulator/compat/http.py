"""HTTP plumbing: the request and response objects that flow through the
layer, and the aiohttp glue around them."""

import base64
import copy
import json
import urllib.parse

from aiohttp import web
from multidict import CIMultiDict

from .encoding import parse_pairs

# Not forwarded between the client, the layer and localstripe.
HOP_HEADERS = {'host', 'content-length', 'transfer-encoding', 'connection',
               'keep-alive', 'accept-encoding', 'content-encoding', 'server',
               'date'}


class Req:
    def __init__(self, method, path, query_pairs, body=b'', headers=None,
                 internal=False):
        self.method = method
        self.path = path
        self.query_pairs = list(query_pairs)
        self.body = body or b''
        self.headers = CIMultiDict(headers or {})
        self.internal = internal
        ctype = self.headers.get('Content-Type', '')
        # Stripe.js (and localstripe's fake of it) posts JSON as text/plain
        self.body_is_json = 'json' in ctype or \
            self.body.lstrip()[:1] == b'{'
        self._form_pairs = None

    @property
    def form_pairs(self):
        if self._form_pairs is None:
            if self.body and not self.body_is_json:
                self._form_pairs = urllib.parse.parse_qsl(
                    self.body.decode('utf-8', 'replace'),
                    keep_blank_values=True)
            else:
                self._form_pairs = []
        return self._form_pairs

    @property
    def params(self):
        """Query (GET/DELETE) + body parameters, nested."""
        pairs = list(self.query_pairs) + list(self.form_pairs)
        data = parse_pairs(pairs)
        if self.body_is_json and self.body:
            try:
                extra = json.loads(self.body)
                if isinstance(extra, dict):
                    data.update(extra)
            except ValueError:
                pass
        return data

    @property
    def auth(self):
        return self.headers.get('Authorization')

    @property
    def api_key(self):
        """The key of a Bearer or Basic Authorization header, or None."""
        h = self.auth or ''
        if h.startswith('Bearer '):
            return h[7:].strip()
        if h.startswith('Basic '):
            try:
                return base64.b64decode(h[6:]).decode().split(':')[0]
            except ValueError:
                return None
        return None

    def expand_paths(self):
        exp = self.params.get('expand')
        if isinstance(exp, str):
            exp = [exp]
        return [e for e in (exp or []) if isinstance(e, str) and e]


class Resp:
    def __init__(self, status=200, data=None, raw=None, content_type=None,
                 headers=None):
        self.status = status
        self.data = data
        self.raw = raw
        self.content_type = content_type
        self.headers = CIMultiDict(headers or {})

    @classmethod
    def error(cls, err):
        return cls(err.status, copy.deepcopy(err.body))


def to_web(resp, request_id):
    headers = CIMultiDict(resp.headers)
    headers['Request-Id'] = request_id
    if resp.data is not None:
        body = (json.dumps(resp.data, indent=2, sort_keys=True) + '\n') \
            .encode()
        ctype = 'application/json'
    else:
        body = resp.raw or b''
        ctype = resp.content_type or 'application/octet-stream'
    headers['Content-Type'] = ctype
    return web.Response(status=resp.status, body=body, headers=headers)


def make_app(layer):
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.on_startup.append(layer.start)
    app.on_cleanup.append(layer.stop)
    app.router.add_route('*', '/{tail:.*}', layer.handle)
    return app
