"""The emulator's own endpoints: `GET /_compat/health`,
`DELETE /_config/data` (localstripe's reset, which also clears the side
table; webhook targets are kept) and the request counter
(`GET`/`DELETE /_compat/requests?key=sk_…`)."""

from .errors import StripeError
from .http import Resp

# Recent requests kept per key; a test counts a handful.
KEPT_PER_KEY = 5000


def count_request(layer, req):
    """Every /v1 request a client makes, by its API key: a test gives its
    Portico a key of its own and counts the Stripe calls a page costs (what
    a merchant sees in the dashboard's request log)."""
    key = req.api_key
    if not key or not req.path.startswith('/v1/'):
        return
    log = layer.requests.setdefault(key, [])
    log.append([req.method, req.path])
    del log[:-KEPT_PER_KEY]


async def h_requests(layer, req):
    key = req.params.get('key')
    if not key:
        raise StripeError(400, 'Missing required param: key.', param='key')
    log = layer.requests.get(key, [])
    return Resp(200, {'count': len(log), 'data': log[-100:]})


async def h_forget_requests(layer, req):
    key = req.params.get('key')
    if not key:
        raise StripeError(400, 'Missing required param: key.', param='key')
    layer.requests.pop(key, None)
    return Resp(200, {'deleted': True})


async def h_health(layer, req):
    try:
        status, _, _, _ = await layer.inner(
            'GET', '/v1/events', query=[('limit', '1')])
    except Exception as e:  # noqa: BLE001
        return Resp(503, {'ok': False, 'error': str(e)})
    return Resp(200 if status == 200 else 503,
                {'ok': status == 200, 'upstream': layer.upstream})


async def h_reset(layer, req):
    resp = await layer.passthrough(req)
    if resp.status < 300:
        layer.state.reset()
        layer.idem.clear()
        layer.events.clear()
    return resp
