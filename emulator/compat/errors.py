"""Errors in Stripe's shape: `{"error": {type, message, code?, param?}}`."""

import copy
import re

from .http import Resp


class StripeError(Exception):
    def __init__(self, status, message, type='invalid_request_error',
                 code=None, param=None, extra=None):
        super().__init__(message)
        self.status = status
        self.body = {'error': {'type': type, 'message': message}}
        if code is not None:
            self.body['error']['code'] = code
        if param is not None:
            self.body['error']['param'] = param
        if extra:
            self.body['error'].update(extra)


def missing(kind, id, param='id'):
    # Real Stripe: resource_missing "No such <kind>: '<id>'" -- 404 for the
    # object named in the URL, 400 for an object named in a parameter.
    return StripeError(404 if param == 'id' else 400,
                       "No such %s: '%s'" % (kind, id),
                       code='resource_missing', param=param)


def refuse_unknown(params, known):
    # Real Stripe rejects unknown parameters (naming the first, sorted).
    unknown = set(params) - set(known)
    if unknown:
        k = sorted(unknown)[0]
        raise StripeError(400, 'Received unknown parameter: %s' % k,
                          code='parameter_unknown', param=k)


def _plain_error(status, text, method, path, unknown_url):
    # localstripe answers unknown routes with a text/plain 404 and crashes
    # with a text/plain 500; real Stripe always answers JSON.
    if unknown_url:
        return StripeError(404, 'Unrecognized request URL (%s: %s).'
                           % (method, path))
    if status >= 500:
        return StripeError(status, 'localstripe failed on this request '
                           '(%s); the emulator does not support it.'
                           % (text or status), type='api_error')
    return StripeError(status, text or 'Bad request')


def upstream_error(status, parsed, content, method, path):
    """The StripeError for a failed call to localstripe."""
    body = parsed if isinstance(parsed, dict) and 'error' in parsed \
        else None
    if body is None:
        text = content.decode('utf-8', 'replace').strip()
        return _plain_error(status, text, method, path,
                            status == 404 and not isinstance(parsed, dict))
    err = StripeError(status, '')
    err.body = copy.deepcopy(body)
    return err


def normalize_error(req, resp):
    # Real Stripe: errors are always JSON {"error": {type, message,
    # code?, param?}}; missing objects are 404 resource_missing; card
    # declines are type card_error.
    if not (isinstance(resp.data, dict) and 'error' in resp.data):
        text = (resp.raw or b'').decode('utf-8', 'replace').strip()
        resp = Resp.error(_plain_error(resp.status, text, req.method,
                                       req.path, resp.status == 404))
    e = resp.data['error']
    e.setdefault('type', 'invalid_request_error' if resp.status < 500
                 else 'api_error')
    if resp.status == 404 and 'code' not in e and \
            e.get('message') in (None, 'Not Found'):
        # Only a GET/DELETE of /v1/<things>/<id> certainly means that
        # <id> is missing; other 404s may name an id from the params.
        m = re.match(r'^/v1/([a-z_]+)/([^/]+)$', req.path)
        if m and req.method in ('GET', 'DELETE'):
            kind = m.group(1)[:-1] if m.group(1).endswith('s') \
                else m.group(1)
            e['message'] = "No such %s: '%s'" % (kind, m.group(2))
            e['param'] = 'id'
        e['code'] = 'resource_missing'
    if e.get('message') == 'This customer has no payment method':
        # Real Stripe: 400 when charge_automatically has nothing to
        # charge.
        resp.status = 400
        e['code'] = 'resource_missing'
        e['message'] = ('This customer has no attached payment source '
                        'or default payment method.')
    if e.get('code') in ('card_declined', 'expired_card',
                         'incorrect_cvc', 'processing_error',
                         'incorrect_number', 'insufficient_funds',
                         'authentication_required'):
        e['type'] = 'card_error'
        if e.get('code') == 'card_declined':
            e.setdefault('decline_code', 'generic_decline')
    return resp


async def unsupported(layer, req, **kw):
    # Endpoints real Stripe has and the emulator lacks (the search APIs):
    # say so, rather than look up an object whose id is `search`.
    raise StripeError(404, 'Unrecognized request URL (%s: %s). The '
                      'Stripe emulator does not implement this endpoint.'
                      % (req.method, req.path))
