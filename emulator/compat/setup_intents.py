"""SetupIntents (saving a card): create and confirm."""

import copy

from . import webhooks
from .http import Resp


async def h_create(layer, req):
    # async-stripe may send automatic_payment_methods; localstripe only
    # knows payment_method_types (real Stripe accepts either).
    p = req.params
    body = {k: v for k, v in p.items()
            if k not in ('automatic_payment_methods', 'expand',
                         'allowed_payment_method_types', 'confirm',
                         'return_url', 'description', 'single_use',
                         'flow_directions', 'payment_method_options')}
    if 'payment_method_types' not in body and \
            p.get('allowed_payment_method_types'):
        body['payment_method_types'] = p['allowed_payment_method_types']
    data = await layer.inner_obj('POST', '/v1/setup_intents',
                                 json_body=body, auth=req.auth)
    return Resp(200, data)


async def h_confirm(layer, req, id):
    resp = await layer.passthrough(req)
    si = resp.data
    if resp.status == 200 and isinstance(si, dict) and \
            si.get('status') == 'succeeded' and si.get('customer') and \
            si.get('payment_method'):
        # Real Stripe: a succeeded SetupIntent with a customer attaches
        # its payment method to that customer.
        st, pm, _, _ = await layer.inner(
            'GET', '/v1/payment_methods/' + si['payment_method'])
        if st == 200 and pm and pm.get('customer') != si['customer']:
            st, pm, _, _ = await layer.inner(
                'POST', '/v1/payment_methods/%s/attach'
                % si['payment_method'],
                json_body={'customer': si['customer']})
            if st == 200 and pm:
                await webhooks.emit(layer, 'payment_method.attached', pm,
                                    req)
        await webhooks.emit(layer, 'setup_intent.succeeded',
                            copy.deepcopy(si), req)
    return resp
