"""The emulator's own endpoints: `GET /_compat/health` and
`DELETE /_config/data` (localstripe's reset, which also clears the side
table; webhook targets are kept)."""

from .http import Resp


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
