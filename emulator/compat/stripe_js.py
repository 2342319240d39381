"""`GET /js.stripe.com/v3/`: localstripe's fake Stripe.js, with two fixes.
(Limits left as they are: see README.md.)"""

import logging

log = logging.getLogger('portico.compat')

# localstripe's fake Stripe.js reports a failed 3-D Secure challenge as
# an error with only a message. Real Stripe.js gives it a type and code
# (invalid_request_error / setup_intent_authentication_failure), which
# is what a portal reads to explain the failure.
STRIPE_JS_3DS_FAILURE = ("return {error: {message:\n"
                         "              'The latest attempt")
STRIPE_JS_3DS_FAILURE_FIXED = (
    "return {error: {type: 'invalid_request_error', "
    "code: 'setup_intent_authentication_failure', message:\n"
    "              'The latest attempt")

# The fake also declares a top-level `class Element`, which shadows the
# DOM's `Element` for every script on the page (so `x instanceof
# Element` turns false and the portal's own rendering breaks). Real
# Stripe.js defines no such global; the class is renamed here.
STRIPE_JS_RENAMES = (('class Element {', 'class LocalstripeElement {'),
                     ('new Element(', 'new LocalstripeElement('),
                     ('instanceof Element)',
                      'instanceof LocalstripeElement)'))


async def h_get(layer, req):
    resp = await layer.passthrough(req)
    if resp.status == 200 and resp.raw:
        text = resp.raw.decode('utf-8')
        fixes = ((STRIPE_JS_3DS_FAILURE, STRIPE_JS_3DS_FAILURE_FIXED),) + \
            STRIPE_JS_RENAMES
        for old, new in fixes:
            if old not in text:
                log.warning('fake Stripe.js changed: %r not found', old)
            text = text.replace(old, new)
        resp.raw = text.encode('utf-8')
    return resp
